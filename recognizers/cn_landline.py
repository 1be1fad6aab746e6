"""CN_LANDLINE: fixed-line number (座机/固定电话) and 400/800 service numbers.

Area code 010 or 02x followed by an 8-digit local number, or 0[3-9]xx followed by 7 or 8 digits; the
local number starts with 2-9. The area code may be written ``(0571)``, followed by a space or dash, or as
``+86 571`` without the trunk 0; an extension may follow after ``-`` or ``转``. Service numbers are
``400``/``800`` + 7 digits (``400-810-8888``). The shape is the whole check: a leading 0, a plausible
area code and a fixed length keep the pattern off arbitrary digit runs.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

_AREA3 = "(?:10|2[0-9])"
_AREA4 = "[3-9][0-9]{2}"
_LOCAL8 = "[2-9][0-9]{7}"
_LOCAL7_8 = "[2-9][0-9]{6,7}"
_NUMBER = (
    rf"(?:{B}0{_AREA3}[ -]?|\(0{_AREA3}\)[ -]?|\+86[ -]?{_AREA3}[ -]){_LOCAL8}"
    rf"|(?:{B}0{_AREA4}[ -]?|\(0{_AREA4}\)[ -]?|\+86[ -]?{_AREA4}[ -]){_LOCAL7_8}"
    rf"|{B}[48]00[ -]?[1-9][0-9]{{2}}[ -]?[0-9]{{4}}"
)
PATTERN = f"(?:{_NUMBER})(?:(?:-|转)[0-9]{{1,5}})?{B}"

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    """The shape is the check (no checksum exists for phone numbers)."""
    return _is_shape(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return fullmatch_expr(e, PATTERN).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_LANDLINE",
    pattern=PATTERN,
    kind="identifier",
    priority=55,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "座机", "座机号", "座机号码", "固话", "固定电话", "办公电话", "家庭电话", "单位电话", "联系电话",
        "电话", "电话号码", "传真", "传真号码", "客服电话", "服务热线", "热线", "zuoji", "guhua",
        "gudingdianhua", "dianhua", "lianxidianhua", "chuanzhen", "gddh", "bgdh", "jtdh", "dwdh", "lxdh",
        "cz", "tel", "telephone", "phone", "phone_no", "landline", "fixed_phone", "office_phone",
        "home_phone", "work_phone", "fax", "hotline",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "区号", "分机", "型号", "运营商", "归属地", "area_code", "areacode", "ext", "extension", "carrier",
    ),
    masked_pattern=r"^(?:\(?0[0-9]{2,3}\)?|\+86|[48]00)[ -]?[0-9]{0,4}\*{3,12}[0-9]{2,4}(?:-[0-9]{1,5})?$",
    mask={"style": "head_tail", "keep_head": 4, "keep_tail": 2},
    context=("座机", "固话", "电话", "传真", "热线", "客服", "tel", "fax", "phone"),
    score=0.4,
    examples_valid=(
        "01062345678",
        "010-62345678",
        "021-53456789",
        "0571-87654321",
        "0915-7518479",
        "09157518479",
        "(0755)26543210",
        "(010) 62345678",
        "+86 10 62345678",
        "+86 571 87654321",
        "010-62345678-1234",
        "0571-87654321转801",
        "400-810-8888",
        "4008108888",
        "800 820 8820",
    ),
    examples_invalid=(
        "010-12345678",  # local number starts with 1
        "020-2345678",  # 3-digit area code needs 8 digits
        "0123-4567890",  # no area code 012x
        "12345678901",
        "1712345678901",  # epoch milliseconds
        "6901234567892",  # EAN-13
        "400-012-3456",
        "90571-87654321",  # inside a longer digit run
    ),
)  # fmt: skip
