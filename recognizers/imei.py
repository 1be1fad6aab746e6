"""IMEI: international mobile equipment identity (手机串号).

15 digits: 8-digit type allocation code (TAC) + 6-digit serial + Luhn check digit, written continuously or
as ``AA-BBBBBB-CCCCCC-D``. Any 15-digit run passes Luhn one time in ten, and legacy 15-digit ID numbers
share the length (CN_ID_CARD wins by priority), so the column header carries most of the decision.
"""

from __future__ import annotations

import re

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher, luhn_expr, luhn_ok

PATTERN = f"{B}(?:[0-9]{{15}}|[0-9]{{2}}-[0-9]{{6}}-[0-9]{{6}}-[0-9]){B}"

_is_shape = fullmatcher(PATTERN)
_ALL_ZERO = "000000000000000"


def validate(s: str) -> bool:
    digits = re.sub("[^0-9]", "", s)
    return _is_shape(s) and digits != _ALL_ZERO and luhn_ok(digits)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    digits = e.str.replace_all("[^0-9]", "")
    return (fullmatch_expr(e, PATTERN) & (digits != _ALL_ZERO) & luhn_expr(digits)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="IMEI",
    pattern=PATTERN,
    kind="identifier",
    priority=45,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "imei", "imei1", "imei2", "imei号", "串号", "手机串号", "设备串号", "设备识别码",
        "国际移动设备识别码", "meid", "chuanhao", "shoujichuanhao", "sjch", "sbsbm", "imei_no",
        "imei_number", "device_imei",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "品牌", "机型", "厂商", "brand", "manufacturer", "vendor", "tac",
    ),
    masked_pattern=r"^[0-9]{0,8}-?\*{4,11}-?[0-9*]{0,4}$",
    mask={"style": "head_tail", "keep_head": 4, "keep_tail": 4},
    context=("imei", "串号", "设备号", "手机串号"),
    score=0.4,
    examples_valid=(
        "861234567890127",
        "352099001761481",
        "35-209900-176148-1",
    ),
    examples_invalid=(
        "861234567890128",  # Luhn fails
        "000000000000000",
        "86123456789012",  # 14 digits
        "8612345678901270",  # 16 digits
        "1712345678901",  # epoch milliseconds
    ),
)  # fmt: skip
