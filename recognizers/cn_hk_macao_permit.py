"""CN_HK_MACAO_PERMIT: permits for travel between the mainland and Hong Kong / Macao (港澳通行证).

Two documents share the entity:

* 往来港澳通行证 (Exit-Entry Permit, for mainland residents): card type since 2014, ``C`` + 8 digits or
  ``C`` + a letter + 7 digits; the older booklet type, ``W`` + 8 digits;
* 港澳居民来往内地通行证 (回乡证, Mainland Travel Permit for Hong Kong and Macao Residents): ``H`` (Hong Kong)
  or ``M`` (Macao) + 8 digits, optionally followed by the 2-digit 换证次数 (``H1234567801``).

The formats are recalled [M] (standards-notes section 7), and agree with public validators [S]; there is no
public check digit, so the shape is the whole check, as for passports.

Overlap with CN_PASSPORT: none by shape. Passports start with E, G, S, D or P; these permits with C, W, H or
M, so ``E12345678`` is a passport and ``C12345678`` a permit whatever the header says. The priority (71,
right after passports at 70) only matters should the two shapes ever meet (some validators read ``H`` + 8
digits as a Hong Kong passport): the passport keeps the value and a permit header is then reported as
disagreeing with it. A column of both (``证件号码`` holding passports and permits) is a mixed column and
reports each type with its count. A column of customer codes shaped ``C`` + 8 digits is reported as permits:
the header and the reason in the report are what a reviewer has to go on.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

PATTERN = f"{B}(?:C[0-9]{{8}}|C[A-Z][0-9]{{7}}|W[0-9]{{8}}|[HM][0-9]{{8}}(?:[0-9]{{2}})?){B}"

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    """The shape is the check (no public check digit)."""
    return _is_shape(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return fullmatch_expr(e, PATTERN).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_HK_MACAO_PERMIT",
    pattern=PATTERN,
    kind="identifier",
    priority=71,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "港澳通行证", "港澳通行证号", "港澳通行证号码", "往来港澳通行证", "港澳居民来往内地通行证",
        "来往内地通行证", "回乡证", "回乡证号", "回乡证号码", "通行证号", "通行证号码", "港澳证件号",
        "gangaotongxingzheng", "gangaotongxingzhenghao", "huixiangzheng", "tongxingzhenghao",
        "gatxz", "gatxzh", "gatxzhm", "hxz", "hxzh", "txzh", "txzhm",
        "hk_macao_permit", "hk_macau_permit", "hkmo_permit", "hk_permit", "macao_permit", "macau_permit",
        "exit_entry_permit", "home_return_permit", "travel_permit", "travel_permit_no",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "有效期", "签发", "签发地", "签注", "照片", "车辆", "停车", "expiry", "expire", "issue", "endorsement",
        "photo", "vehicle", "parking",
    ),
    masked_pattern=r"^[CWHM][A-Z0-9]?\*{4,8}[0-9]{0,4}$",
    mask={"style": "head_tail", "keep_head": 1, "keep_tail": 3},
    context=("港澳通行证", "通行证", "回乡证", "往来港澳", "来往内地", "permit"),
    score=0.3,
    examples_valid=(
        "C12345678",
        "CA1234567",
        "W12345678",
        "H12345678",
        "M12345678",
        "H1234567801",
    ),
    examples_invalid=(
        "C1234567",  # 7 digits after C
        "C123456789",  # 9 digits
        "H123456789",  # 9 digits: neither 8 nor 8 + 2
        "CAB123456",  # two letters
        "E12345678",  # a passport
        "XC12345678",  # inside a longer code
        "K12345678",
    ),
)  # fmt: skip
