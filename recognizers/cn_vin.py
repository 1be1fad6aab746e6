"""CN_VIN: vehicle identification number (车辆识别代号/车架号, ISO 3779, GB 16735).

17 characters from ``0-9 A-Z`` without I O Q; character 9 is a check character (transliterate letters
A1 B2 … Z9, weights 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2, Σ mod 11, 10 written X), which GB 16735 makes
mandatory in China (European VINs without one will fail). A candidate must also contain a letter outside
position 9: an all-digit run of 17 is far more likely an order number than a VIN.
"""

from __future__ import annotations

import re

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import (
    COMMON_NEGATIVE_HEADERS,
    evaluated_once,
    fullmatch_expr,
    fullmatcher,
    vin_check,
    vin_expr,
)

_C = "[A-HJ-NPR-Z0-9]"
PATTERN = f"{B}{_C}{{8}}[0-9X]{_C}{{8}}{B}"

_is_shape = fullmatcher(PATTERN)
_letter = re.compile("[A-Z]")


def validate(s: str) -> bool:
    return _is_shape(s) and vin_check(s) == s[8] and _letter.search(s[:8] + s[9:]) is not None


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    has_letter = (e.str.slice(0, 8) + e.str.slice(9)).str.contains("[A-Z]")
    return (fullmatch_expr(e, PATTERN) & (vin_expr(e) == e.str.slice(8, 1)) & has_letter).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_VIN",
    pattern=PATTERN,
    kind="identifier",
    priority=35,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "vin", "vin码", "车架号", "车辆识别代号", "车辆识别代码", "车辆识别码", "车辆识别号", "底盘号",
        "chejiahao", "cheliangshibiedaihao", "cjh", "clsbdh", "clsbm", "dph",
        "vin_code", "vin_no", "vinno", "frame_no", "frameno", "chassis_no", "vehicle_identification_number",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "品牌", "车型", "颜色", "年份", "厂商", "brand", "color", "colour", "year", "manufacturer", "make",
    ),
    masked_pattern=r"^[A-HJ-NPR-Z0-9]{0,8}\*{6,14}[A-HJ-NPR-Z0-9]{0,6}$",
    mask={"style": "head_tail", "keep_head": 3, "keep_tail": 4},
    context=("车架号", "车辆识别代号", "vin", "车辆"),
    score=0.5,
    examples_valid=(
        "LSVAB4185N2123456",
        "LFV3A23C5J3000001",
        "LGBH52E07KY012345",
        "WBA3A5C57CF256651",
    ),
    examples_invalid=(
        "LSVAB4186N2123456",  # wrong check character
        "LSVAB418IN2123456",  # I is not allowed
        "LSVAB4185N212345",  # 16 characters
        "12345678512345678",  # digits only
        "LSVAB4185N21234567",  # 18 characters
    ),
)  # fmt: skip
