"""CN_BANK_CARD: bank card number (银行卡号, PAN).

16-19 digits, written continuously or in groups of four separated by spaces or dashes, with a Luhn check
digit. UnionPay cards start with 62, which is also the Gansu province code of ID numbers: an 18-digit value
that is a valid ID number is decided as CN_ID_CARD by priority (10 before 40), not here. A few legacy
domestic cards fail Luhn, so a column-level decision should treat the Luhn share as confidence.
"""

from __future__ import annotations

import re

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import (
    COMMON_NEGATIVE_HEADERS,
    NON_DIGITS,
    evaluated_once,
    fixed_width_series,
    fullmatch_expr,
    fullmatcher,
    luhn_expr,
    luhn_matrix,
    luhn_ok,
)

PATTERN = (
    f"{B}(?:[1-9][0-9]{{15,18}}"
    f"|[1-9][0-9]{{3}}(?: [0-9]{{4}}){{3}}(?: [0-9]{{1,3}})?"
    f"|[1-9][0-9]{{3}}(?:-[0-9]{{4}}){{3}}(?:-[0-9]{{1,3}})?){B}"
)

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    """Luhn over the digits (separators dropped)."""
    return _is_shape(s) and luhn_ok(re.sub("[^0-9]", "", s))


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (fullmatch_expr(e, PATTERN) & luhn_expr(e.str.replace_all("[^0-9]", ""))).fill_null(False)


def valid_series(s: pl.Series, shaped: bool = False) -> pl.Series:
    """Numpy twin of :func:`valid_expr` for a Series of candidates."""
    return fixed_width_series(s, PATTERN, range(16, 20), luhn_matrix, strip=NON_DIGITS, shaped=shaped)


RECOGNIZER = Recognizer(
    entity="CN_BANK_CARD",
    pattern=PATTERN,
    kind="identifier",
    priority=40,
    validate=validate,
    valid_expr=valid_expr,
    valid_series=valid_series,
    headers=(
        "银行卡", "银行卡号", "卡号", "银行账号", "银行账户", "账号", "收款账号", "付款账号", "结算账号",
        "开户账号", "借记卡", "借记卡号", "信用卡", "信用卡号", "储蓄卡", "工资卡", "yinhangka",
        "yinhangkahao", "kahao", "zhanghao", "xinyongka", "yhk", "yhkh", "yhzh", "skzh", "fkzh",
        "jszh", "khzh", "xykh", "bank_card", "bankcard", "bank_card_no", "card_no", "cardno", "card_number",
        "cardnumber", "account_no", "accountno", "acct_no", "account_number", "bank_account", "bank_acct",
        "pan", "credit_card", "debit_card",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "开户行", "开户银行", "银行名称", "支行", "户名", "账户名", "持卡人", "有效期", "密码", "余额",
        "等级", "登录", "用户名", "用户账号", "系统账号", "平台账号", "会员", "游戏", "微信", "支付宝", "qq", "邮箱",
        "bank_name", "branch", "holder", "account_name", "expiry", "expire", "cvv",
        "cvn", "password", "pin", "balance", "level", "login", "username",
    ),
    masked_pattern=r"^[0-9]{0,6}[ -]?\*{4}[* -]{2,18}[0-9]{3,4}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 4},
    context=("银行卡", "银行卡号", "卡号", "账号", "银行账户", "信用卡", "借记卡", "card", "account"),
    score=0.4,
    examples_valid=(
        "6222021234567890128",
        "6222 0212 3456 7890 128",
        "6222-0212-3456-7890-128",
        "6228480012345671",
        "6228 4800 1234 5671",
        "4111111111111111",
        "5500005555555559",
        "621700123456789011",
    ),
    examples_invalid=(
        "6222021234567890129",  # Luhn fails
        "6228480012345672",  # Luhn fails
        "1234567890123456789",  # 19-digit serial failing Luhn
        "622848001234567",  # 15 digits
        "62284800123456789012",  # 20 digits
        "6228 48001234 5671",  # not grouped by four
        "1712345678901",  # epoch milliseconds
        "6901234567892",  # EAN-13
    ),
)  # fmt: skip
