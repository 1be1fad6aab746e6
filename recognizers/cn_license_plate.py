"""CN_LICENSE_PLATE: motor vehicle plate number (机动车号牌/车牌号).

Province abbreviation (京 沪 粤 …) + issuing-authority letter (no I/O) + five characters, optionally after a
``·`` or space. New-energy plates have six: small vehicles a letter A-K (D pure electric, F hybrid) then
one letter-or-digit and four digits (粤BD12345), large vehicles five digits then a letter A-K
(粤B12345D). Trailer, coach, police and Hong Kong/Macau plates end in 挂 学 警 港 澳. No checksum exists.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "[A-HJ-NP-Z]"
_A = "[A-HJ-NP-Z0-9]"
_HEAD = f"[{PROVINCE_ABBREVIATIONS}]{_L}[· ]?"
PATTERN = (
    f"{_HEAD}(?:[A-HJ-K]{_A}[0-9]{{4}}|[0-9]{{5}}[A-HJ-K]|{_A}{{5}}){B}"  # new-energy first: longer wins
    f"|{_HEAD}{_A}{{4}}[挂学警港澳]"
)

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    return _is_shape(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return fullmatch_expr(e, PATTERN).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_LICENSE_PLATE",
    pattern=PATTERN,
    kind="identifier",
    priority=72,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "车牌", "车牌号", "车牌号码", "号牌", "号牌号码", "机动车号牌", "车辆号牌",
        "chepai", "chepaihao", "chepaihaoma", "haopai", "cph", "hphm",
        "plate", "plate_no", "plateno", "plate_number", "license_plate", "licence_plate", "car_no", "carno",
        "vehicle_no", "vehicle_plate",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "颜色", "底色", "品牌", "车型", "归属地", "color", "colour", "brand",
    ),
    masked_pattern=rf"^[{PROVINCE_ABBREVIATIONS}][A-Z][· ]?[A-Z0-9]?\*{{3,5}}[A-Z0-9挂学警港澳]$",
    mask={"style": "head_tail", "keep_head": 3, "keep_tail": 1},
    context=("车牌", "车牌号", "号牌", "车辆", "plate"),
    score=0.4,
    examples_valid=(
        "京A12345",
        "粤B·C2D3E",
        "沪A 88888",
        "粤BD12345",
        "浙AFX1234",
        "陕A12345D",
        "苏E1234挂",
        "粤Z1234港",
    ),
    examples_invalid=(
        "京I12345",  # I is not used
        "京A1234",  # too short
        "京A123456",  # too long
        "A12345",
        "港A12345",  # not a mainland province
    ),
)  # fmt: skip
