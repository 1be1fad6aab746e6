"""DATE_OF_BIRTH: a person's date of birth (出生日期, 生日), a quasi-identifier.

A real calendar date from 1900 to the current year, written ``1990-03-07``, ``1990/3/7``, ``1990.03.07``,
``19900307`` or ``1990年3月7日``, optionally followed by a time (``1990-03-07 00:00:00``, as database exports
write dates), or a year and month (``1990-03``, ``199003``, ``1990年3月``, as 出生年月 columns hold).

``header_required``: a date is a birth date only under a header such as 出生日期 / csrq / birthday; an order
date (下单日期) is not. The eight digits of ``19900307`` are also the shape of a Taiwan permit number or a
short account number; an entity that needs its header claims a cell only under its header
(``screening.detect``), so each of them sees the value and the header decides between them.

The calendar is in the pattern (days per month, 29 February in the leap years 1904-2096, not 1900), so that
the validator, which the column path runs on every cell of a column holding dates, only compares the year.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import fullmatch_expr, fullmatcher

FIRST_YEAR = 1900
LAST_YEAR = dt.date.today().year

_Y = "(?:19|20)[0-9]{2}"
_LEAP = "(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26]))"
"""The leap years from 1900 to 2099: multiples of 4, except 1900."""
_TIME = "(?:[ T](?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?)?"


def _date(sep1: str, sep2: str, end: str, padded: bool) -> str:
    """Year, month and day of a real date: ``sep1`` after the year, ``sep2`` after the month, ``end`` last;
    ``padded``: two-digit month and day (else a leading zero is optional)."""
    z = "0" if padded else "0?"
    any_month = f"(?:{z}[1-9]|1[0-2])"
    not_feb = f"(?:{z}[13-9]|1[0-2])"
    long_month = f"(?:{z}[13578]|1[02])"
    day = f"(?:{z}[1-9]|1[0-9]|2[0-8])"
    month_day = f"(?:{any_month}{sep2}{day}|{not_feb}{sep2}(?:29|30)|{long_month}{sep2}31)"
    return f"(?:{_Y}{sep1}{month_day}|{_LEAP}{sep1}{z}2{sep2}29){end}"


_MONTH = "(?:0?[1-9]|1[0-2])"
_DOT = "\\."
PATTERN = (
    f"{B}(?:"
    f"(?:{_date('-', '-', '', False)}|{_date('/', '/', '', False)}|{_date(_DOT, _DOT, '', False)})"
    f"{_TIME}{B}"
    f"|{_date('', '', '', True)}{B}"
    f"|{_date('年', '月', '日', False)}"
    f"|{_Y}(?:-{_MONTH}|/{_MONTH}|{_DOT}(?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])){B}"
    f"|{_Y}年{_MONTH}月)"
)

_is_date = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    """A real date (the pattern) no later than this year."""
    return _is_date(s) and int(s[:4]) <= LAST_YEAR


def valid_expr(e: pl.Expr) -> pl.Expr:
    year = e.str.slice(0, 4).cast(pl.Int32, strict=False)
    return (fullmatch_expr(e, PATTERN) & (year <= LAST_YEAR)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="DATE_OF_BIRTH",
    pattern=PATTERN,
    kind="identifier",
    priority=76,
    validate=validate,
    valid_expr=valid_expr,
    header_required=True,
    headers=(
        "出生日期", "出生年月", "出生年月日", "出生时间", "出生日", "生日", "chushengriqi", "chushengnianyue",
        "shengri", "csrq", "csny", "birthday", "birth_date", "birthdate", "date_of_birth", "dateofbirth",
        "birth_day", "dob", "birth",
    ),
    negative_headers=(
        "出生地", "出生证", "出生医学证明", "体重", "身高", "医院", "礼", "祝福", "提醒", "人数", "数量", "统计",
        "place", "city", "country", "weight", "height", "cert", "hospital", "gift", "count",
    ),
    masked_pattern=r"^(?:19|20)[0-9]{2}(?:[-/.年][0-9]{1,2})?[-/.年月]?\*[-/.月日*]*$",
    mask={"style": "head_tail", "keep_head": 4, "keep_tail": 0},
    context=("出生日期", "出生", "生日", "birthday"),
    score=0.2,
    examples_valid=(
        "1990-03-07",
        "1990/3/7",
        "19900307",
        "1990年3月7日",
        "1990.03.07",
        "2000-02-29",
        "1985-12-31 00:00:00",
        "1990-03",
        "199003",
        "1990年3月",
    ),
    examples_invalid=(
        # (1990-02-30 is no date either, but 1990-02 inside it is a year and month: see tests/test_semantic.py)
        "19900230",  # no such day
        "19000229",  # 1900 was not a leap year
        "2100-02-29",
        "1899-12-31",  # before 1900
        "2099-01-01",  # in the future
        "19901307",  # month 13
        "1990-13-01",
        "90-03-07",
        "20231115123",  # a longer digit run
    ),
)  # fmt: skip
