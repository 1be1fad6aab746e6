"""CN_PASSPORT: PRC passport number (护照号码).

Ordinary passports: ``E`` + 8 digits, or (e-passports since 2017) ``E`` + a letter (not I or O) + 7 digits;
older ``G`` + 8 digits. Service and diplomatic passports: ``S``/``D``/``P``, optionally ``E``, + 7 or 8
digits. There is no public check digit, so the shape is the whole check and the column header matters.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

PATTERN = f"{B}(?:E[0-9]{{8}}|E[A-HJ-NP-Z][0-9]{{7}}|G[0-9]{{8}}|[SDP]E?[0-9]{{7,8}}){B}"

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    return _is_shape(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return fullmatch_expr(e, PATTERN).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_PASSPORT",
    pattern=PATTERN,
    kind="identifier",
    priority=70,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "护照", "护照号", "护照号码", "护照编号", "huzhao", "huzhaohao", "huzhaohaoma", "hzh", "hzhm",
        "passport", "passport_no", "passportno", "passport_number", "passport_id",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "有效期", "签发", "签发地", "国籍", "照片", "expiry", "expire", "issue", "nationality", "photo",
    ),
    masked_pattern=r"^[EGSDP][A-Z0-9]?\*{4,8}[0-9]{0,4}$",
    mask={"style": "head_tail", "keep_head": 1, "keep_tail": 3},
    context=("护照", "护照号", "passport"),
    score=0.3,
    examples_valid=(
        "E12345678",
        "EA1234567",
        "G12345678",
        "SE1234567",
        "D1234567",
        "P12345678",
    ),
    examples_invalid=(
        "E1234567",  # 7 digits after E
        "EI1234567",  # I is not used
        "A12345678",
        "E123456789",  # too long
        "XE12345678",  # inside a longer code
    ),
)  # fmt: skip
