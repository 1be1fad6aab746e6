"""GEO_COORDINATE: a precise location, a latitude/longitude pair (经纬度) in one cell.

A value is a pair of decimal degrees with at least 4 decimals (about 11 m; fewer decimals is a district,
not a person's whereabouts), latitude in [-90, 90] and longitude in [-180, 180]: ``30.274084,120.155070``,
``30.274084, 120.155070``, ``30.274084 120.155070``, with hemisphere letters ``N30.27408 E120.15507`` or
``30.27408N, 120.15507E``, or ``北纬30.27408，东经120.15507``. The ranges are written into the regex (no
leading zeros, at most 15 decimals), so the shape is the whole check.

Order: ISO 6709 and most databases write latitude first; several Chinese map APIs and GeoJSON write
longitude first (``120.155070,30.274084``) [M]. Both are accepted: a pair is valid when one of the two
orders fits the ranges, which only adds pairs whose first number is above 90.

Single-axis columns (``纬度`` / ``经度`` holding ``30.274084``): one decimal number is far too generic on
its own (amounts, rates, measurements), so it is part of the *shape* but not of the *validation*. Values
alone therefore decide only for pairs; a single decimal in range with >= 4 decimals counts as shaped, and
``screening.profile`` (``WEAK_GATE``) names the column GEO_COORDINATE when its header says latitude or
longitude and most cells have the shape. An amount column ``1234.5678`` is neither shaped (out of range)
nor named by its header; ``12.3456`` under ``金额`` is shaped, but no header names it.

Masking for display keeps the head of the value (the integer part and one or two decimals of the first
number); rounding to a coarser grid is the policy's job (generalisation), not the display mask's.
"""

from __future__ import annotations

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

_DEC = "\\.[0-9]{4,15}"
LAT = f"(?:90\\.0{{4,15}}|[1-8]?[0-9]{_DEC})"
LNG = f"(?:180\\.0{{4,15}}|(?:1[0-7][0-9]|[1-9]?[0-9]){_DEC})"
_SEP = "(?:[ \\t]*[,，;][ \\t]*|[ \\t]+)"
_SIGN = f"(?:[-+]|{B})"  # a sign, or a word boundary before the digits (not inside a longer number)
_N, _E = f"(?:{B}[NS] ?|[北南]纬)", f"(?:{B}[EW] ?|[东西]经)"  # hemisphere before the number


def _pairs() -> str:
    signed = [f"{_SIGN}{LAT}{_SEP}{_SIGN}{LNG}{B}", f"{_SIGN}{LNG}{_SEP}{_SIGN}{LAT}{B}"]
    prefixed = [f"{_N}{LAT}{B}°?{_SEP}{_E}{LNG}{B}°?", f"{_E}{LNG}{B}°?{_SEP}{_N}{LAT}{B}°?"]
    suffixed = [
        f"{B}{LAT}°? ?[NS]{_SEP}{LNG}°? ?[EW]{B}",
        f"{B}{LNG}°? ?[EW]{_SEP}{LAT}°? ?[NS]{B}",
    ]
    return "|".join(signed + prefixed + suffixed)


PAIR = _pairs()
SINGLE = f"{_SIGN}{LNG}{B}"
"""One decimal in the longitude range: the shape of a single-axis cell, never valid on its own."""
# Pairs first: at one start position the first alternative that matches wins, so a pair is one candidate.
PATTERN = f"{PAIR}|{SINGLE}"

_is_pair = fullmatcher(PAIR)


def validate(s: str) -> bool:
    """A whole latitude/longitude pair (a single number only has the shape)."""
    return _is_pair(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return fullmatch_expr(e, PAIR).fill_null(False)


_NUM_MASKED = "(?:[NSEW]|[北南]纬|[东西]经)?[-+]?[0-9]{1,3}\\.[0-9]{0,3}\\*{3,}°?[NSEW]?"

RECOGNIZER = Recognizer(
    entity="GEO_COORDINATE",
    pattern=PATTERN,
    kind="identifier",
    priority=75,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "经纬度", "坐标", "位置坐标", "地理坐标", "gps坐标", "定位坐标", "经度", "纬度", "定位经度", "定位纬度",
        "jingweidu", "jingdu", "weidu", "zuobiao", "jwd", "jd", "wd",
        "gps", "coordinate", "coordinates", "coord", "coords", "geo", "geolocation", "latlng", "lat_lng",
        "latlon", "lat_lon", "lnglat", "lng_lat", "lonlat", "latitude", "longitude", "lat", "lng", "lon",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "精度", "误差", "海拔", "高度", "速度", "方向", "半径", "距离", "偏移", "坐标系",
        "accuracy", "precision", "altitude", "elevation", "speed", "heading", "bearing", "radius", "distance",
        "offset", "crs", "srid", "datum",
    ),
    masked_pattern=f"^{_NUM_MASKED}(?:{_SEP}{_NUM_MASKED})?$",
    mask={"style": "head_tail", "keep_head": 5, "keep_tail": 0},
    context=("经纬度", "坐标", "定位", "位置", "经度", "纬度", "gps", "latitude", "longitude", "location"),
    score=0.4,
    examples_valid=(
        "30.274084,120.155070",
        "30.274084, 120.155070",
        "30.274084 120.155070",
        "-33.8688,151.2093",
        "39.9042，116.4074",
        "120.155070,30.274084",  # longitude first (map APIs, GeoJSON)
        "90.0000,-180.0000",
        "N30.27408 E120.15507",
        "S33.86880, E151.20930",
        "30.27408N, 120.15507E",
        "北纬30.27408，东经120.15507",
    ),
    examples_invalid=(
        "30.274084",  # one axis only: shaped, decided through the header
        "120.155070",
        "30.27,120.15",  # two decimals: a district, not a precise location
        "95.123456,190.123456",  # out of range in both orders
        "90.0001,120.1234",  # latitude above 90, longitude first would be 120 > 90
        "1234.5678",  # an amount
        "030.274084,120.155070",  # leading zero
        "1.2.3.4",
        "N120.15507 E30.27408",  # hemisphere letters contradict the ranges
    ),
)  # fmt: skip
