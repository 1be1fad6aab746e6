"""EMAIL_ADDRESS: e-mail address (电子邮箱).

ASCII only on purpose: ``\\w`` in Presidio's pattern also matches CJK, so ``邮箱abc@example.com谢谢`` came out
with the Chinese attached (perf-notes gotcha 3). Local part ``[A-Za-z0-9._%+-]`` (not starting with a dot),
domain labels ``[A-Za-z0-9-]``, a top-level domain of 2-24 letters. Validation applies the length limits
(64 / 63 / 254) and rejects ``..``, a dot before ``@`` and labels that start or end with ``-``.
"""

from __future__ import annotations

import re

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

PATTERN = rf"[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,24}}{B}"

_is_shape = fullmatcher(PATTERN)
# Defects the pattern lets through, as one regex so that both engines run the same test.
_DEFECTS = r"\.\.|\.@|^[^@]{65,}@|@-|@[^@]*(?:-\.|\.-|[A-Za-z0-9-]{64})"
_defect = re.compile(_DEFECTS)
_MAX_LEN = 254


def validate(s: str) -> bool:
    return _is_shape(s) and len(s) <= _MAX_LEN and _defect.search(s) is None


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (fullmatch_expr(e, PATTERN) & (e.str.len_bytes() <= _MAX_LEN) & ~e.str.contains(_DEFECTS)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="EMAIL_ADDRESS",
    pattern=PATTERN,
    kind="identifier",
    priority=60,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "邮箱", "电子邮箱", "电子邮件", "邮件", "邮件地址", "邮箱地址", "电邮", "联系邮箱",
        "youxiang", "dianziyouxiang", "youjian", "dianziyoujian", "yx", "dzyx", "yxdz", "dzyj", "lxyx",
        "email", "e_mail", "e-mail", "mail", "email_address", "emailaddress", "mail_address", "mailbox",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "验证", "已验证", "主题", "正文", "模板", "域名", "后缀", "服务器", "发送", "退订",
        "verified", "subject", "body", "template", "domain", "suffix", "server", "smtp", "sent",
        "unsubscribe",
    ),
    masked_pattern=r"^[A-Za-z0-9_%+-][*]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}$",
    mask={"style": "email"},
    context=("邮箱", "电子邮箱", "邮件", "电邮", "email", "e-mail", "mail"),
    score=0.5,
    examples_valid=(
        "zhang.san@example.com",
        "li_si+tag@mail.example.cn",
        "wangwu-2024@sub.example.com.cn",
        "a@example.org",
        "USER.Name@Example.COM",
    ),
    examples_invalid=(
        "zhang..san@example.com",  # two dots
        "zhangsan.@example.com",  # dot before @
        "zhangsan@-example.com",  # label starts with a dash
        "zhangsan@example-.com",  # label ends with a dash
        "zhangsan@localhost",  # no top-level domain
        "zhangsan@example.c",  # one-letter top-level domain
        "张三@例子.公司",  # not ASCII
        "zhangsan@example.com123",  # top-level domain runs into digits
        "zhangsan(at)example.com",
    ),
)  # fmt: skip
