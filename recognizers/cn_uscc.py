"""CN_USCC: 统一社会信用代码 (unified social credit code, GB 32100-2015).

18 characters from ``0-9 A-H J-N P Q R T U W X Y`` (no I O S V Z): registering authority (1-9, A, N, Y) +
entity category + 6-digit administrative division + 9-character organisation code (GB 11714: 8 characters
and their own check character) + a check character (weights 3^i mod 31). Validation checks both the final
check character and the embedded organisation code's check character, so only ~1 in 341 random
USCC-shaped strings pass (an ID number passes the final check alone about 1 time in 31).
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import (
    COMMON_NEGATIVE_HEADERS,
    evaluated_once,
    fixed_width_series,
    fullmatch_expr,
    fullmatcher,
    gb11714_check,
    gb11714_expr,
    uscc_check,
    uscc_expr,
    uscc_matrix,
)

_C = "[0-9A-HJ-NPQRTUWXY]"
PATTERN = f"{B}[1-9ANY]{_C}[0-9]{{6}}{_C}{{10}}{B}"

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    """Final check character and the GB 11714 check of the embedded organisation code (chars 9-17)."""
    return _is_shape(s) and uscc_check(s) == s[17] and gb11714_check(s[8:16]) == s[16]


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (
        fullmatch_expr(e, PATTERN)
        & (uscc_expr(e) == e.str.slice(17, 1))
        & (gb11714_expr(e, offset=8) == e.str.slice(16, 1))
    ).fill_null(False)


def valid_series(s: pl.Series, shaped: bool = False) -> pl.Series:
    """Numpy twin of :func:`valid_expr` for a Series of candidates."""
    return fixed_width_series(s, PATTERN, (18,), uscc_matrix, shaped=shaped)


RECOGNIZER = Recognizer(
    entity="CN_USCC",
    pattern=PATTERN,
    kind="identifier",
    priority=30,
    validate=validate,
    valid_expr=valid_expr,
    valid_series=valid_series,
    headers=(
        "统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "营业执照号", "营业执照号码",
        "营业执照注册号", "纳税人识别号", "纳税识别号", "税号", "税务登记号", "tongyishehuixinyongdaima",
        "shehuixinyongdaima", "xinyongdaima", "nashuirenshibiehao", "shuihao", "tyshxydm", "shxydm", "xydm",
        "tyxydm", "nsrsbh", "yyzzh", "uscc", "usci", "credit_code", "creditcode", "social_credit_code",
        "unified_social_credit_code", "unified_code", "tax_id", "taxid", "tax_no", "taxno", "taxpayer_id",
        "tin", "business_license", "license_no",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "有效期", "照片", "图片", "链接", "名称", "地址", "expiry", "photo", "image", "url", "name",
        "address",
    ),
    masked_pattern=r"^[0-9A-HJ-NPQRTUWXY]{0,8}\*{6,16}[0-9A-HJ-NPQRTUWXY]{0,6}$",
    mask={"style": "head_tail", "keep_head": 2, "keep_tail": 4},
    context=("统一社会信用代码", "信用代码", "营业执照", "纳税人识别号", "税号", "credit code"),
    score=0.5,
    examples_valid=(
        "91440300MA5F3K7Q81",
        "9144030012DD272H25",
        "52310115LJY1JJC15G",
        "12330100H3J9HTM508",
        "93620102N2J1K6FM1C",
        "Y1110101B97R5NQ736",
    ),
    examples_invalid=(
        "91440300MA5F3K7Q82",  # wrong check character
        "91440300MA5F3K7Q1B",  # check character right, organisation code check wrong
        "91440300MA5F3K7QI1",  # I is not in the alphabet
        "914403OOMA5F3K7Q81",  # letters in the division code
        "Z1440300MA5F3K7Q81",  # no registering authority Z
        "91440300ma5f3k7q81",  # lower case
        "191440300MA5F3K7Q81",  # inside a longer run
        "110101199003071233",  # an ID number (passes neither USCC check)
    ),
)  # fmt: skip
