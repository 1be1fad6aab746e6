"""CN_TAIWAN_PERMIT: 台湾居民来往大陆通行证 (台胞证, Mainland Travel Permit for Taiwan Residents).

The number is the holder's lifelong 8-digit number (台胞终身号); the card type issued since 2015 keeps it
[M]. Older booklets (from 1992) printed 8 digits + the 2-digit issue count + the issuing office's code in
parentheses, ``1234567801(B)``; from 2006 some offices dropped the parentheses and the office code, and
from 25 September 2008 the number is the 8 digits alone [S] (中新社 news report of 2008-09-11 on the
"一人一号、终身不变" change). The permit the other way, 大陆居民往来台湾通行证,
is ``L`` + 8 digits [M] and is counted here too: both are the Taiwan travel document that a column named
"台湾通行证号码" holds. The 18-digit residence permit for Taiwan residents (830000…) is a CN_ID_CARD.

Eight bare digits are far too generic (dates ``19900307``, order numbers, QQ numbers, local phone numbers),
and there is no check digit, so ``header_required``: the values never name a column on their own, only
under a header such as 台胞证号; such a header is also the only way the entity is found (it is not searched
for in free text). The priority (79, the last identifier) keeps it from claiming cells that a value-decided
identifier would otherwise validate.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

PATTERN = f"{B}(?:L[0-9]{{8}}|[0-9]{{8}}(?:[0-9]{{2}})?){B}(?:[(（][0-9A-Z][)）])?"

_is_shape = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    """The shape is the check (no check digit); the header decides."""
    return _is_shape(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return fullmatch_expr(e, PATTERN).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_TAIWAN_PERMIT",
    pattern=PATTERN,
    kind="identifier",
    priority=79,
    validate=validate,
    valid_expr=valid_expr,
    header_required=True,
    headers=(
        "台胞证", "台胞证号", "台胞证号码", "台胞证件号", "台湾居民来往大陆通行证", "台湾通行证", "台湾通行证号",
        "来往大陆通行证", "台胞终身号",
        "taibaozheng", "taibaozhenghao", "taiwantongxingzheng", "taiwantongxingzhenghao", "twtxz", "twtxzh",
        "taiwantxz", "wanglaitaiwan", "wltw", "taibaozhenghaoma", "tbz", "tbzh", "tbzhm",
        "taiwan_permit", "tw_permit", "twpermit", "taiwan_travel_permit", "taiwan_compatriot_permit",
        "mtp_taiwan", "mtp_tw",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "有效期", "签发", "签发地", "签注", "照片", "expiry", "expire", "issue", "endorsement", "photo",
    ),
    masked_pattern=r"^(?:L[0-9]?|[0-9]{1,2})\*{4,8}[0-9]{0,3}(?:[(（][0-9A-Z*][)）])?$",
    mask={"style": "head_tail", "keep_head": 2, "keep_tail": 2},
    context=("台胞证", "台胞证号", "台湾居民来往大陆通行证", "台湾通行证"),
    score=0.1,
    examples_valid=(
        "12345678",
        "01234567",
        "1234567801",
        "1234567801(B)",
        "1234567802（3）",
        "L12345678",  # 大陆居民往来台湾通行证
    ),
    examples_invalid=(
        "1234567",  # 7 digits
        "L1234567",  # L + 7 digits
        "A12345678",  # another letter
        "123456789",  # 9 digits
        "12345678901",  # 11 digits
        "A12345678",  # runs into a letter
        "2024-01-15",
    ),
)  # fmt: skip
