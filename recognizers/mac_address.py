"""MAC_ADDRESS: hardware (MAC) address of a network interface (设备MAC地址).

Six pairs of hex digits separated consistently by ``:`` or ``-`` (``00:1A:2B:3C:4D:5E``), or Cisco's three
dotted groups of four (``001a.2b3c.4d5e``). The all-zero and broadcast addresses are not a device's.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

_X = "[0-9A-Fa-f]"
PATTERN = f"{B}(?:{_X}{{2}}(?::{_X}{{2}}){{5}}|{_X}{{2}}(?:-{_X}{{2}}){{5}}|{_X}{{4}}\\.{_X}{{4}}\\.{_X}{{4}}){B}"
_NOT_A_DEVICE = "[0:.-]+|[Ff:.-]+"  # all-zero or broadcast

_is_shape = fullmatcher(PATTERN)
_is_not_device = fullmatcher(_NOT_A_DEVICE)


def validate(s: str) -> bool:
    return _is_shape(s) and not _is_not_device(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (fullmatch_expr(e, PATTERN) & ~fullmatch_expr(e, _NOT_A_DEVICE)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="MAC_ADDRESS",
    pattern=PATTERN,
    kind="identifier",
    priority=66,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "mac", "mac地址", "物理地址", "网卡地址", "硬件地址", "设备mac", "macdz", "wldz",
        "mac_address", "macaddress", "mac_addr", "macaddr", "wifi_mac", "bssid", "hw_addr", "hwaddr",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + ("厂商", "vendor", "oui", "manufacturer"),
    masked_pattern=(
        r"^[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:*-]\*[*:-]{7}$"  # OUI kept, separators or not
        r"|^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{0,4}[*.]{5,10}$"
    ),
    mask={"style": "head_tail", "keep_head": 8, "keep_tail": 0},
    context=("mac", "mac地址", "物理地址", "网卡"),
    score=0.5,
    examples_valid=(
        "00:1A:2B:3C:4D:5E",
        "a4-5e-60-c2-1b-3f",
        "001a.2b3c.4d5e",
    ),
    examples_invalid=(
        "00:00:00:00:00:00",
        "FF:FF:FF:FF:FF:FF",
        "00:1A:2B-3C:4D:5E",  # mixed separators
        "00:1A:2B:3C:4D",  # five pairs
        "00:1G:2B:3C:4D:5E",  # not hex
        "12:34:56",  # a time
    ),
)  # fmt: skip
