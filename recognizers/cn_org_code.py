"""CN_ORG_CODE: 组织机构代码 (organisation code, GB 11714-1997).

8 characters ``[0-9A-Z]`` + a check character, written ``XXXXXXXX-X``. Check: values 0-9 and A-Z = 10-35,
weights 3 7 9 10 5 8 4 2, C9 = 11 - (Σ mod 11) with 10 written X and 11 written 0. The dash is required:
nine bare alphanumerics collide with too many other codes. Since 2015 the code lives on as characters 9-17
of the USCC (see cn_uscc).
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import (
    COMMON_NEGATIVE_HEADERS,
    evaluated_once,
    fullmatch_expr,
    fullmatcher,
    gb11714_check,
    gb11714_expr,
)

PATTERN = f"{B}[0-9A-Z]{{8}}-[0-9X]{B}"

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    return _is_shape(s) and gb11714_check(s[:8]) == s[9]


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (fullmatch_expr(e, PATTERN) & (gb11714_expr(e) == e.str.slice(9, 1))).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_ORG_CODE",
    pattern=PATTERN,
    kind="identifier",
    priority=50,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "组织机构代码", "机构代码", "组织代码", "组织机构代码证", "组织机构代码证号",
        "zuzhijigoudaima", "jigoudaima", "zzjgdm", "jgdm", "zzdm",
        "org_code", "orgcode", "organization_code", "organisation_code", "org_code_no", "organization_no",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "名称", "地址", "有效期", "照片", "name", "address", "expiry", "photo",
    ),
    masked_pattern=r"^[0-9A-Z]{0,4}\*{3,8}-?[0-9X*]$",
    mask={"style": "head_tail", "keep_head": 2, "keep_tail": 1},
    context=("组织机构代码", "机构代码", "代码证", "organization code"),
    score=0.4,
    examples_valid=(
        "60003734-1",
        "MA1234XY-6",
        "12345678-8",
        "ABCD1234-X",
        "J0123456-0",
    ),
    examples_invalid=(
        "12345678-9",  # wrong check character
        "ABCD1234-0",  # wrong check character
        "123456788",  # no dash
        "abcd1234-X",  # lower case
        "X12345678-8",  # inside a longer code
        "2023-01-01",
    ),
)  # fmt: skip
