"""CN_ID_CARD: 居民身份证号码 (citizen identity number, GB 11643-1999).

18 characters: 6-digit address code (GB/T 2260, the first two digits a province) + birth date YYYYMMDD +
3-digit sequence (odd = male) + ISO 7064 MOD 11-2 check character (0-9 or X). Legacy 15-digit numbers
(issued before 1999) have a YYMMDD birth date in the 19xx century and no check character.

Validation: province code, a real calendar date with the year in 1900..2030, and the check character.
The address code beyond the province is not looked up (an ID keeps retired county codes).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import (
    COMMON_NEGATIVE_HEADERS,
    MOD11_CHECKS,
    MOD11_WEIGHTS,
    date_ok_matrix,
    digit_matrix,
    evaluated_once,
    fixed_width_series,
    fullmatch_expr,
    fullmatcher,
    mod11_2_check,
    mod11_2_expr,
    number_weights,
    weighted,
)

# GB/T 2260 province-level codes; 81/82/83 are used by Hong Kong/Macau/Taiwan residence permits.
_PROV = "(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])"
PROVINCES = frozenset(f"{n:02d}" for n in range(100) if re.fullmatch(_PROV, f"{n:02d}"))
_MMDD = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
PATTERN = f"{B}{_PROV}[0-9]{{4}}(?:(?:19|20)[0-9]{{2}}{_MMDD}[0-9]{{3}}[0-9Xx]|[0-9]{{2}}{_MMDD}[0-9]{{3}}){B}"

# Masked: 15 or 18 characters, 1-6 kept at the head, 1-4 at the tail (length fixed so 138****5678 is not one).
MASKED_PATTERN = (
    "^(?:"
    + "|".join(
        f"[1-8][0-9]{{{head}}}\\*{{{length - head - tail - 2}}}[0-9]{{{tail}}}[0-9Xx]"
        for length in (15, 18)
        for head in range(6)
        for tail in range(4)
    )
    + ")$"
)

_is_shape = fullmatcher(PATTERN)
_SHAPE_18 = re.compile("[0-9]{17}[0-9Xx]")
_MIN_YEAR, _MAX_YEAR = 1900, 2030


def _date_ok(yyyymmdd: str) -> bool:
    try:
        day = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return _MIN_YEAR <= day.year <= _MAX_YEAR


def validate(s: str) -> bool:
    """Province, birth date and (18-digit form) MOD 11-2 check character."""
    if not _is_shape(s) or s[:2] not in PROVINCES:
        return False
    if _SHAPE_18.fullmatch(s):
        return _date_ok(s[6:14]) and mod11_2_check(s[:17]) == s[17].upper()
    return _date_ok("19" + s[6:12])


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    """Vectorised :func:`validate`: the body read in base 13 gives the MOD 11-2 sum (see _common)."""
    is18 = e.str.len_bytes() == 18
    date = pl.when(is18).then(e.str.slice(6, 8)).otherwise(pl.lit("19") + e.str.slice(6, 6))
    year = date.str.to_date("%Y%m%d", strict=False).dt.year()
    check_ok = pl.when(is18).then(mod11_2_expr(e.str.slice(0, 17)) == e.str.slice(17, 1).str.to_uppercase())
    return (
        fullmatch_expr(e, PATTERN)
        & e.str.slice(0, 2).is_in(sorted(PROVINCES))
        & year.is_between(_MIN_YEAR, _MAX_YEAR)
        & check_ok.otherwise(True)
    ).fill_null(False)


_PROVINCE_OK = np.zeros(100, dtype=bool)
_PROVINCE_OK[[int(x) for x in PROVINCES]] = True


# One matrix product reads province, year, month, day (and the MOD 11-2 sum) from the digit matrix.
_FIELDS_18 = np.stack(
    [number_weights(18, 0, 2), number_weights(18, 6, 4), number_weights(18, 10, 2), number_weights(18, 12, 2),
     MOD11_WEIGHTS],
    axis=1,
)  # fmt: skip
_FIELDS_15 = np.stack(
    [number_weights(15, 0, 2), number_weights(15, 6, 2), number_weights(15, 8, 2), number_weights(15, 10, 2)], axis=1
)


def _id18_matrix(m: np.ndarray) -> np.ndarray:
    prov, year, month, day, total = weighted(digit_matrix(m), _FIELDS_18)
    last = np.where(m[:, 17] == ord("x"), ord("X"), m[:, 17])
    check_ok = MOD11_CHECKS[total % 11] == last
    return _PROVINCE_OK[prov] & date_ok_matrix(year, month, day, _MIN_YEAR, _MAX_YEAR) & check_ok


def _id15_matrix(m: np.ndarray) -> np.ndarray:
    prov, yy, month, day = weighted(digit_matrix(m), _FIELDS_15)
    return _PROVINCE_OK[prov] & date_ok_matrix(1900 + yy, month, day, _MIN_YEAR, _MAX_YEAR)


def valid_series(s: pl.Series, shaped: bool = False) -> pl.Series:
    """Numpy twin of :func:`valid_expr` for a Series of candidates."""
    return fixed_width_series(
        s, PATTERN, (15, 18), lambda m: _id18_matrix(m) if m.shape[1] == 18 else _id15_matrix(m), shaped=shaped
    )


RECOGNIZER = Recognizer(
    entity="CN_ID_CARD",
    pattern=PATTERN,
    kind="identifier",
    priority=10,
    validate=validate,
    valid_expr=valid_expr,
    valid_series=valid_series,
    headers=(
        "身份证", "身份证号", "身份证号码", "公民身份号码", "身份号码", "身份证件号", "身份证件号码",
        "居民身份证", "证件号", "证件号码", "社会保障号码", "社保号", "shenfenzheng", "shenfenzhenghao",
        "shenfenzhenghaoma", "zhengjianhao", "zhengjianhaoma", "sfz", "sfzh", "sfzhm", "zjh", "zjhm",
        "id_card", "idcard", "id_card_no", "idcard_no", "id_no", "idno", "id_number", "idnumber",
        "identity_card", "identity_no", "citizen_id", "national_id", "resident_id", "cert_no", "certno",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "有效期", "期限", "签发", "发证", "照片", "正面", "反面", "背面", "地址", "住址", "图片", "链接",
        "哈希", "expiry", "expire", "validity", "issue", "photo", "image", "img", "front", "back", "address",
        "url", "path", "hash",
    ),
    masked_pattern=MASKED_PATTERN,
    mask={"style": "head_tail", "keep_head": 6, "keep_tail": 4},
    context=(
        "身份证", "身份证号", "身份证号码", "证件号", "证件号码", "公民身份号码", "居民身份证",
        "id card", "id no",
    ),
    score=0.5,
    examples_valid=(
        "110101199003071233",
        "440305198512124565",
        "62010219780615032X",
        "62010219780615032x",
        "310115200101019878",
        "650102203002280114",
        "370202190001010057",
        "110101900307123",
        # Hong Kong / Macao / Taiwan residents' residence permits (港澳台居民居住证): 810000 / 820000 / 830000
        "810000199003071237",
        "820000198512124568",
        "83000020010101987X",
    ),
    examples_invalid=(
        "110101199003071234",  # wrong check digit
        "440305198512124566",  # wrong check digit
        "110101199002301238",  # 30 February
        "990101199003071231",  # no province 99
        "650102203102280114",  # born 2031
        "110101900230123",  # legacy number, 30 February
        "1110101199003071233",  # inside a longer digit run
        "1712345678901",  # epoch milliseconds
        "6901234567892",  # EAN-13
        "810000199003071238",  # residence permit, wrong check digit
    ),
)  # fmt: skip
