"""CN_PHONE: mainland mobile number (手机号码).

11 digits ``1`` + 2-digit segment + 8 digits, written 3-4-4 with optional spaces or dashes and an optional
``+86`` / ``0086`` / ``86`` country prefix. The pattern accepts any ``1[3-9]x`` number; validation keeps the
segments allocated to carriers (移动/联通/电信/广电, MVNOs and data-only numbers, see standards-notes §7).
Number portability means the segment does not tell the carrier. 13-digit IoT numbers are not phones here.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import (
    COMMON_NEGATIVE_HEADERS,
    NON_DIGITS,
    digit_matrix,
    evaluated_once,
    fixed_width_series,
    fullmatch_expr,
    fullmatcher,
)

PATTERN = rf"(?:\+86[ -]?|{B}(?:0086|86)[ -]?|{B})1[3-9][0-9](?:[ -]?[0-9]{{4}}){{2}}{B}"

SEGMENTS = (
    r"(?:13[0-9]|14[579]|15[0-35-9]|16[2567]|17[0-35-8]|18[0-9]|19[0-35-9])[0-9]{8}"
    r"|1740[0-5][0-9]{6}"
)
_is_shape = fullmatcher(PATTERN)
_segment = re.compile(SEGMENTS)


def validate(s: str) -> bool:
    """The last 11 digits (prefix and separators dropped) are in an allocated segment."""
    return _is_shape(s) and _segment.fullmatch(re.sub("[^0-9]", "", s)[-11:]) is not None


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    national = e.str.replace_all("[^0-9]", "").str.slice(-11)
    return (fullmatch_expr(e, PATTERN) & fullmatch_expr(national, SEGMENTS)).fill_null(False)


@functools.cache
def _segment_table() -> np.ndarray:
    """Per 5-digit prefix (13800 …), is it in an allocated segment? The 6 digits after it never matter."""
    prefixes = pl.Series([f"{n:05d}000000" for n in range(100_000)])
    return prefixes.str.contains(f"^(?:{SEGMENTS})$").to_numpy()


def _segment_matrix(m: np.ndarray) -> np.ndarray:
    """(n, 11/13/15) ASCII digits, country prefix first: the national number's segment is allocated."""
    d = digit_matrix(m[:, -11:]).astype(np.int32)
    return _segment_table()[d[:, :5] @ np.array([10_000, 1_000, 100, 10, 1], dtype=np.int32)]


def valid_series(s: pl.Series, shaped: bool = False) -> pl.Series:
    """Numpy twin of :func:`valid_expr` for a Series of candidates (digits without separators: 11, or 13 and 15
    with the 86 and 0086 prefixes; +86 loses its plus with the separators)."""
    return fixed_width_series(s, PATTERN, (11, 13, 15), _segment_matrix, strip=NON_DIGITS, shaped=shaped)


RECOGNIZER = Recognizer(
    entity="CN_PHONE",
    pattern=PATTERN,
    kind="identifier",
    priority=20,
    validate=validate,
    valid_expr=valid_expr,
    valid_series=valid_series,
    headers=(
        "手机", "手机号", "手机号码", "移动电话", "联系电话", "联系方式", "联系人电话", "电话", "电话号码",
        "手机联系方式", "shouji", "shoujihao", "shoujihaoma", "dianhua", "lianxidianhua", "lianxifangshi",
        "sjh", "sjhm", "lxdh", "lxfs", "yddh", "mobile", "mobile_no", "mobile_phone", "mobileno",
        "phone", "phone_no", "phoneno", "phone_number", "phonenumber", "cellphone", "cell_phone", "cell",
        "tel", "telephone", "contact", "contact_phone",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "品牌", "机型", "运营商", "归属地", "套餐", "验证码", "系统", "串号", "区号", "价格",
        "brand", "carrier", "operator", "location", "plan", "vcode", "verify", "os", "imei", "area_code",
        "price",
    ),
    masked_pattern=r"^(?:(?:\+|00)?86[ -]?)?(?:1[3-9]?[0-9]?)?[ -]?\*{4,10}[ -]?[0-9]{4}$",
    mask={"style": "head_tail", "keep_head": 3, "keep_tail": 4},
    context=("手机", "手机号", "电话", "联系电话", "联系方式", "致电", "拨打", "mobile", "phone", "tel"),
    score=0.5,
    examples_valid=(
        "13812345678",
        "19912345678",
        "17400123456",
        "14712345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "8615912345678",
        "008618612345678",
        "138-1234-5678",
        "166 0000 1111",
    ),
    examples_invalid=(
        "15412345678",  # segment 154 not allocated
        "17490123456",  # 1749 is not a mobile range
        "12345678901",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "1712345678901",  # epoch milliseconds
        "6901234567892",  # EAN-13
        "9913812345678",  # 99 is not a country prefix
    ),
)  # fmt: skip
