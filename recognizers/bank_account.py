"""BANK_ACCOUNT: a bank or settlement account number that is not a card number (对公账户, 结算账户, 存折账号).

8 to 30 digits, written continuously or in groups separated by single spaces or dashes (one kind per value).
There is no public check-digit scheme, so ``header_required``: digits name an account only under a header
such as 银行账号 / 对公账户 / account_no, never an amount or an order number.

Cards and accounts share headers (银行账号, 账号 and account_no are header words of CN_BANK_CARD too, which wins
the header by its priority). The values tell them apart: CN_BANK_CARD (priority 40) claims every value that
passes Luhn with 16-19 digits before this recognizer (priority 77) sees it, so in a 银行账号 column the cards
count as CN_BANK_CARD and the other numbers as BANK_ACCOUNT, and the column is decided by the majority
(``screening.profile`` lets an entity that needs its header count under any header holding one of its words).
About one random number in ten passes Luhn: an account column keeps its decision, as a card needs at least
half of the card-shaped values to pass (``VALID_RATIO``). Under 银行卡号 only the card is named. The common
negative word ``count`` is left out: it would cancel ``account_no`` (the English words match inside).
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, fullmatch_expr, fullmatcher

PATTERN = f"{B}(?:[0-9](?: ?[0-9]){{7,29}}|[0-9](?:-?[0-9]){{7,29}}){B}"
REPEATED = "|".join(f"{d}(?:[ -]?{d})*" for d in "0123456789")
"""One digit over and over (00000000): a placeholder, not an account."""

_is_shape = fullmatcher(PATTERN)
_is_repeated = fullmatcher(REPEATED)


def validate(s: str) -> bool:
    return _is_shape(s) and not _is_repeated(s)


def valid_expr(e: pl.Expr) -> pl.Expr:
    # Two regex passes and no per-cell slicing: the column path runs this on every digit string of a column.
    return (fullmatch_expr(e, PATTERN) & ~fullmatch_expr(e, REPEATED)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="BANK_ACCOUNT",
    pattern=PATTERN,
    kind="identifier",
    priority=77,
    validate=validate,
    valid_expr=valid_expr,
    header_required=True,
    headers=(
        "银行账号", "银行账户", "银行账户号", "账号", "对公账户", "对公账号", "结算账户", "结算账号", "基本账户",
        "基本存款账户", "一般账户", "单位账号", "企业账号", "公司账号", "收款账户", "收款账号", "付款账户",
        "付款账号", "开户账号", "开户行账号", "开户行帐号", "开户银行账号", "存折号", "存折账号",
        "yinhangzhanghao", "zhanghao", "duigongzhanghu",
        "jiesuanzhanghu", "yhzh", "dgzh", "jszh", "skzh", "fkzh", "khzh", "account_no", "accountno", "acct_no",
        "account_number", "bank_account", "bank_acct", "bank_account_no", "settlement_account",
        "corporate_account",
    ),
    negative_headers=tuple(w for w in COMMON_NEGATIVE_HEADERS if w != "count") + (
        "开户行", "开户银行", "银行名称", "支行", "户名", "账户名", "开户名", "余额", "金额", "密码", "登录",
        "用户账号", "系统账号", "平台账号", "会员", "游戏", "微信", "支付宝", "qq", "邮箱", "bank_name",
        "branch", "holder", "account_name", "balance", "amount", "password", "login", "user", "member", "game",
        "wechat", "alipay", "email",
    ),
    masked_pattern=r"^[0-9]{0,6}[ -]?\*{4}[* -]*[0-9]{2,4}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 4},
    context=("银行账号", "账号", "对公账户", "结算账户", "开户账号", "account"),
    score=0.2,
    examples_valid=(
        "11001234567890123456",
        "3100 1234 5678 9012 345",
        "1234-5678-9012",
        "0200001234567",
        "12345678",
        "622202123456789012345678901234",
    ),
    examples_invalid=(
        "1234567",  # 7 digits
        "1234567890123456789012345678901",  # 31 digits
        "00000000",  # placeholder
        "11111111 1111",  # placeholder
        "1234 567",  # 7 digits
        "A12345678",
    ),
)  # fmt: skip
