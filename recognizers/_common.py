"""Helpers shared by the recognizer modules: word lists, anchored matching and vectorised checksums.

Every checksum comes twice, once for one string (Presidio's ``validate_result``) and once as a polars
expression over a column of candidates; the tests check that both agree. The expression helpers expect
their input to have the right shape already (the caller gates them with an anchored regex) and give null
where a character is outside the alphabet, so a caller ends with ``.fill_null(False)``.

The checksum expressions refer to their input several times (one slice per character) and an eager
``select`` evaluates a repeated sub-expression each time, so every ``valid_expr`` is wrapped in
:func:`evaluated_once`: callers may pass ``pl.col(c).str.extract(pattern, 0)`` as it is.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import reduce, wraps
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from recognizers import ASCII_BOUNDARY, python_pattern

DATA_DIR = Path(__file__).parent / "data"

HAN = "一-鿿㐀-䶿"
"""CJK Unified Ideographs and Extension A, as literal range ends (both regex engines accept them)."""

COMMON_NEGATIVE_HEADERS: tuple[str, ...] = (
    "类型", "类别", "种类", "型号", "数量", "次数", "个数", "状态", "标志", "标识位", "是否", "格式", "长度",
    "校验", "规则", "type", "model", "count", "status", "flag", "format", "length",
    "rule", "category", "leixing", "leibie", "xinghao", "zhuangtai",
)  # fmt: skip
"""Header words that name a property of an identifier rather than the identifier itself."""

PINYIN_NEGATIVE_HEADERS: tuple[str, ...] = ("leixing", "leibie", "xinghao", "zhuangtai", "shuliang", "guimo", "xingzhi")
"""Pinyin of 类型, 类别, 型号, 状态, 数量, 规模, 性质: run-together pinyin headers (dizhileixing) hold them whole."""


def load_words(name: str) -> tuple[str, ...]:
    """Non-blank, non-comment lines of ``recognizers/data/<name>``, in file order, without duplicates."""
    lines = (line.strip() for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines())
    return tuple(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def alternation(words: Iterable[str]) -> str:
    """``(?:w1|w2|…)`` with longer words first, so leftmost-first matching prefers 欧阳 to 欧."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in ordered) + ")"


def words_pattern(words: Iterable[str]) -> str:
    """An alternation of whole words: Han words as they are, ASCII ones (codes, English) between ASCII word
    boundaries, so that ``1`` is not found inside ``12`` nor ``male`` inside ``female``."""
    han = [w for w in words if not w.isascii()]
    ascii_words = [w for w in words if w.isascii()]
    parts = [alternation(han)] if han else []
    if ascii_words:
        parts.append(f"{ASCII_BOUNDARY}{alternation(ascii_words)}{ASCII_BOUNDARY}")
    return "|".join(parts)


def closed_vocabulary(decisive: Sequence[str], header_only: Sequence[str]) -> dict[str, Any]:
    """The ``Recognizer`` fields of a categorical column whose values come from a closed list: ``decisive`` words
    name the entity on their own, ``header_only`` ones (codes, 其他, 不详) only under a header that names it. A
    value is valid when it is one of the words, whole."""
    values = frozenset((*decisive, *header_only))
    listed = sorted(values)

    def validate(s: str) -> bool:
        return s in values

    def valid_expr(e: pl.Expr) -> pl.Expr:
        return e.is_in(listed).fill_null(False)

    return {
        "pattern": words_pattern((*decisive, *header_only)),
        "header_only_pattern": words_pattern(header_only),
        "validate": validate,
        "valid_expr": valid_expr,
        "shape_is_valid": True,
    }


def han_class(exclude: str = "", extra: str = "") -> str:
    """A character class of Han characters minus ``exclude`` (spelled as ranges, no class subtraction)."""
    ranges: list[str] = []
    for lo, hi in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF)):
        start = lo
        for cp in sorted({ord(c) for c in exclude if lo <= ord(c) <= hi}):
            if cp > start:
                ranges.append(f"{chr(start)}-{chr(cp - 1)}" if cp - 1 > start else chr(start))
            start = cp + 1
        if start <= hi:
            ranges.append(f"{chr(start)}-{chr(hi)}" if hi > start else chr(start))
    return "[" + "".join(ranges) + extra + "]"


def fullmatcher(pattern: str) -> Callable[[str], bool]:
    """Scalar test: does the whole string match ``pattern`` (Rust dialect, translated for ``re``)?

    Compiled at the first call: the column path never calls it, and compiling every recognizer's patterns for
    Python's ``re`` cost a tenth of a second of every command's start-up."""
    compiled: list[re.Pattern[str]] = []

    def test(s: str) -> bool:
        if not compiled:
            compiled.append(re.compile(python_pattern(pattern)))
        return isinstance(s, str) and compiled[0].fullmatch(s) is not None

    return test


def fullmatch_expr(e: pl.Expr, pattern: str) -> pl.Expr:
    """Vectorised test: does the whole cell match ``pattern``? (Rust's ``$`` allows no trailing newline.)"""
    return e.str.contains(f"^(?:{pattern})$")


def evaluated_once(check: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr], pl.Expr]:
    """Wrap a ``valid_expr`` so that its input is evaluated once, however often ``check`` refers to it.

    An eager ``select``/``with_columns`` shares no sub-expressions: ``check(pl.col(c).str.extract(p))``
    would run the extraction once per character slice. Inside ``list.eval`` the element is a materialised
    column, so the one-element list costs little and the checksum reads a column. Works nested inside
    another ``list.eval`` too (``valid_expr(pl.element())``).
    """

    @wraps(check)
    def once(e: pl.Expr) -> pl.Expr:
        return pl.concat_list([e]).list.eval(check(pl.element())).list.first().fill_null(False)

    return once


def _char_values(e: pl.Expr, positions: Sequence[int], values: Mapping[str, int]) -> list[pl.Expr]:
    return [e.str.slice(i, 1).replace_strict(values, default=None, return_dtype=pl.Int64) for i in positions]


def weighted_sum_expr(e: pl.Expr, weights: Sequence[int], values: Mapping[str, int], offset: int = 0) -> pl.Expr:
    """Σ value(char[offset + i]) · weight[i]; null when a character is outside ``values``."""
    terms = _char_values(e, range(offset, offset + len(weights)), values)
    return reduce(lambda acc, t: acc + t, (t * w for t, w in zip(terms, weights, strict=True)))


# --- ISO 7064 MOD 11-2 (GB 11643 citizen ID) ---------------------------------------------------------

_MOD11_2_CHECK = "10X98765432"


def mod11_2_check(body: str) -> str:
    """Check character for a 17-digit body.

    The weights are 2^(17-i) mod 11, and 13 ≡ 2 (mod 11), so Σ dᵢ·2^(17-i) ≡ 2·int(body, 13) (mod 11).
    """
    return _MOD11_2_CHECK[2 * int(body, 13) % 11]


def mod11_2_expr(body: pl.Expr) -> pl.Expr:
    """Check character (upper-case) for a column of 17-digit bodies; reduce before doubling (no overflow)."""
    r = (body.str.to_integer(base=13, strict=False) % 11) * 2 % 11
    return r.replace_strict(list(range(11)), list(_MOD11_2_CHECK), default=None, return_dtype=pl.String)


# --- Luhn (bank cards, IMEI) --------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """Luhn check on a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_expr(digits: pl.Expr) -> pl.Expr:
    """Luhn check on a column of 1–20 ASCII digits.

    Left-padded with zeros to 20 digits and cut into two-digit chunks ``ab``: ``b`` counts as it is, ``a``
    doubled (minus 9 when the double exceeds 9). ``digits`` is referenced once, so passing a computed
    expression (``replace_all`` of separators) costs one evaluation, not one per digit.
    """
    chunks = digits.str.pad_start(20, "0").str.extract_all("[0-9]{2}")
    c = pl.element().cast(pl.Int64)
    return chunks.list.eval(c % 10 + c // 10 * 2 - (c >= 50).cast(pl.Int64) * 9).list.sum() % 10 == 0


# --- GB 11714 organisation code -----------------------------------------------------------------------

_GB11714_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# C9 = 11 - (Σ mod 11), written 0-9, X for 10, 0 for 11.
_GB11714_CHECK = {r: "0" if r == 0 else "X" if r == 1 else str(11 - r) for r in range(11)}


def gb11714_check(body: str) -> str:
    """Check character for the 8-character body of an organisation code."""
    total = sum(_GB11714_VALUES[c] * w for c, w in zip(body, _GB11714_WEIGHTS, strict=True))
    return _GB11714_CHECK[total % 11]


def gb11714_expr(code: pl.Expr, offset: int = 0) -> pl.Expr:
    """Check character for the 8-character body starting at ``offset`` in each cell."""
    total = weighted_sum_expr(code, _GB11714_WEIGHTS, _GB11714_VALUES, offset)
    return (total % 11).replace_strict(
        list(_GB11714_CHECK), list(_GB11714_CHECK.values()), default=None, return_dtype=pl.String
    )


# --- GB 32100 unified social credit code --------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28


def uscc_check(body: str) -> str:
    """Check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body[:17], _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_expr(code: pl.Expr) -> pl.Expr:
    """Check character for the first 17 characters of each cell."""
    total = weighted_sum_expr(code, _USCC_WEIGHTS, _USCC_VALUES)
    return ((31 - total % 31) % 31).replace_strict(
        list(range(31)), list(USCC_ALPHABET), default=None, return_dtype=pl.String
    )


# --- ISO 3779 vehicle identification number -----------------------------------------------------------

_VIN_VALUES = {str(d): d for d in range(10)} | dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9),
        strict=True,
    )
)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHECK = "0123456789X"


def vin_check(vin: str) -> str:
    """Check character (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    return _VIN_CHECK[total % 11]


def vin_expr(vin: pl.Expr) -> pl.Expr:
    """Check character (position 9) of each 17-character cell."""
    total = weighted_sum_expr(vin, _VIN_WEIGHTS, _VIN_VALUES)
    return (total % 11).replace_strict(list(range(11)), list(_VIN_CHECK), default=None, return_dtype=pl.String)


# --- numpy twins over the Arrow buffer, for Series of candidates ---------------------------------------
# The polars expressions above slice one character at a time; for fixed-width ASCII candidates a (n, width)
# byte matrix read straight from the Arrow buffer does the same arithmetic about ten times faster.


_SHARED = threading.local()


@contextlib.contextmanager
def shared_buffers() -> Iterator[None]:
    """Within the block, :func:`utf8_buffers` converts a Series object once on this thread, however many checks
    read it (the whitespace scan, a validator's digit test and matrix: each conversion is a copy of the
    column). The Series are kept alive until the block ends, so an ``id`` is not reused for another one."""
    outer = getattr(_SHARED, "table", None)
    if outer is None:
        _SHARED.table = {}
    try:
        yield
    finally:
        if outer is None:
            _SHARED.table = None


def utf8_buffers(s: pl.Series) -> tuple[pa.LargeStringArray, np.ndarray, np.ndarray]:
    """A text Series as an Arrow large-string array with its offsets and its values' bytes, both rebased to the
    first value (numpy views, no copy beyond Arrow's conversion). A null read from a file keeps no bytes, but one
    that polars made from a value (``replace``, ``when``) keeps that value's bytes: mask by validity where it
    matters."""
    table: dict[int, tuple[pl.Series, Any]] | None = getattr(_SHARED, "table", None)
    if table is not None:
        hit = table.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1]  # type: ignore[no-any-return]
    found = _utf8_buffers(s)
    if table is not None:
        table[id(s)] = (s, found)
    return found


def _utf8_buffers(s: pl.Series) -> tuple[pa.LargeStringArray, np.ndarray, np.ndarray]:
    arr = s.cast(pl.String).to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():  # (Array.cast imports pyarrow.compute: ~0.05 s of start-up)
        arr = arr.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data_buf = arr.buffers()[2]
    data = np.zeros(0, dtype=np.uint8) if data_buf is None else np.frombuffer(data_buf, dtype=np.uint8)
    return arr, offsets - offsets[0], data[offsets[0] : offsets[-1]]


def ascii_matrix(s: pl.Series, width: int) -> np.ndarray:
    """Values that are all exactly ``width`` ASCII bytes (no nulls) as an (n, width) uint8 matrix."""
    _, _, data = utf8_buffers(s)
    return data.reshape(len(s), width)


def _ascii_digits_only(s: pl.Series) -> bool:
    """Every byte of every value is an ASCII digit (a byte scan of the Arrow buffer, no regex)."""
    _, _, data = utf8_buffers(s)
    return bool(((data - np.uint8(48)) <= 9).all())


NON_DIGITS = "[^0-9]"
"""The usual ``strip`` of :func:`fixed_width_series`: separators in a number (checked without a regex)."""


def fixed_width_series(
    s: pl.Series,
    pattern: str,
    widths: Iterable[int],
    check: Callable[[np.ndarray], np.ndarray],
    strip: str | None = None,
    shaped: bool = False,
) -> pl.Series:
    """Boolean per value: fully matches ``pattern`` and ``check`` passes on its (separator-free) bytes.

    ``shaped``: the caller knows every non-null value matches ``pattern`` wholly (it ran that regex), so it is
    not run again."""
    out = np.zeros(len(s), dtype=bool)
    matched = s.is_not_null() if shaped else s.str.contains(f"^(?:{pattern})$").fill_null(False)
    # Separators are rare: skip the rewrite (a copy of the column) when no value has one.
    plain = strip == NON_DIGITS and _ascii_digits_only(s)
    text = s.str.replace_all(strip, "") if strip and not plain and s.str.contains(strip).any() else s
    lengths = text.str.len_bytes().fill_null(0)
    if len(s) and lengths.n_unique() == 1 and lengths[0] in set(widths) and matched.all():
        # The common case of a clean column: one width, every value shaped; no gather.
        return pl.Series(s.name, check(ascii_matrix(text, int(lengths[0]))), dtype=pl.Boolean)
    for width in widths:
        idx = np.flatnonzero((matched & (lengths == width)).to_numpy())
        if len(idx):
            out[idx] = check(ascii_matrix(text.gather(idx), width))
    return pl.Series(s.name, out, dtype=pl.Boolean)


# Weights are full-width vectors, zero for the columns not involved.


def digit_matrix(m: np.ndarray) -> np.ndarray:
    """(n, width) ASCII digits as uint8 digit values."""
    return m - np.uint8(48)


def weighted(d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row sums of ``d * w``; with a matrix of weight columns, one row of sums per column.

    A float32 matrix product: every sum here is an integer below 2**24, so float32 is exact, and BLAS does
    all weight columns in one pass (measured 4x faster than one integer ``einsum`` per column)."""
    out = (d.astype(np.float32) @ w.astype(np.float32)).astype(np.int32)
    return out if w.ndim == 1 else np.ascontiguousarray(out.T)


def _weights(width: int, placed: dict[int, int]) -> np.ndarray:
    w = np.zeros(width, dtype=np.int32)
    for i, v in placed.items():
        w[i] = v
    return w


def number_weights(width: int, start: int, size: int) -> np.ndarray:
    """Weights that read the decimal number in columns ``start:start+size``."""
    return _weights(width, {start + i: 10 ** (size - 1 - i) for i in range(size)})


def luhn_matrix(m: np.ndarray) -> np.ndarray:
    """Luhn check on (n, width) rows of ASCII digits: a doubled digit d counts 2d, less 9 when d >= 5."""
    width = m.shape[1]
    plain = _weights(width, {i: 1 for i in range(width - 1, -1, -2)})
    doubled = 1 - plain
    d = digit_matrix(m)
    total = weighted(d, plain + 2 * doubled) - 9 * weighted((d >= 5).view(np.uint8), doubled)
    return total % 10 == 0


def _lut(values: Mapping[str, int]) -> np.ndarray:
    table = np.zeros(256, dtype=np.uint8)
    for ch, v in values.items():
        table[ord(ch)] = v
    return table


_USCC_LUT = _lut(_USCC_VALUES)
_ORG_LUT = _lut(_GB11714_VALUES)
_USCC_W = _weights(18, dict(enumerate(_USCC_WEIGHTS)))
_ORG_W = _weights(8, dict(enumerate(_GB11714_WEIGHTS)))
_USCC_ALPHA = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_ORG_CHECK = np.frombuffer("".join(_GB11714_CHECK[r] for r in range(11)).encode(), dtype=np.uint8)


def _look_up(table: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``table[m]`` for a uint8 matrix and a 256-entry uint8 table: ``bytes.translate`` does it about four times as
    fast as numpy's fancy indexing (100,000 x 18 bytes: 0.8 against 3.3 ms)."""
    return np.frombuffer(m.tobytes().translate(table.tobytes()), dtype=np.uint8).reshape(m.shape)


def uscc_matrix(m: np.ndarray) -> np.ndarray:
    """GB 32100 check character and the embedded GB 11714 check character, on (n, 18) byte rows."""
    total = weighted(_look_up(_USCC_LUT, m), _USCC_W)
    org = weighted(_look_up(_ORG_LUT, m[:, 8:16]), _ORG_W)
    return (_USCC_ALPHA[(31 - total % 31) % 31] == m[:, 17]) & (_ORG_CHECK[org % 11] == m[:, 16])


MOD11_WEIGHTS = _weights(18, {i: pow(2, 17 - i, 11) for i in range(17)})  # 7 9 10 5 8 4 2 1 6 3 ...
MOD11_CHECKS = np.frombuffer(_MOD11_2_CHECK.encode(), dtype=np.uint8)
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_DAY_OK = np.zeros(1300, dtype=bool)  # MMDD -> a day that exists in some year (29 Feb: leap years)
for _month in range(1, 13):
    _MONTH_DAY_OK[_month * 100 + 1 : _month * 100 + _MONTH_DAYS[_month] + 1] = True


def date_ok_matrix(year: np.ndarray, month: np.ndarray, day: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """A real calendar date with ``lo <= year <= hi`` (vectorised, Gregorian leap years)."""
    month_day = np.clip(month * 100 + day, 0, 1299)
    ok = _MONTH_DAY_OK[month_day] & (year >= lo) & (year <= hi)
    feb29 = month_day == 229
    if feb29.any():
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        ok &= ~feb29 | leap
    return ok
