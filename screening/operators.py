"""Desensitisation operators: vectorised polars expressions for columns, scalar twins for free-text spans.

Every operator has both forms and they agree (tests/test_operators.py): the column path never loops over
cells in Python, except the keyed operators (``pseudonymize`` here, ``encrypt`` in ``screening.fpe``), which
compute each *distinct* value of a batch once.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from recognizers._common import alternation, load_words, utf8_buffers
from screening.errors import ConfigError

MASK_CHAR = "*"
_STARS = MASK_CHAR * 256
GENERIC_MASK: dict[str, Any] = {"style": "head_tail", "keep_head": 1, "keep_tail": 1}
KEY_ENV = "SCREENING_KEY"

KEYED = ("pseudonymize", "encrypt")
"""Operators that need ``SCREENING_KEY`` or ``--key-file``."""
PARAMS: dict[str, tuple[str, ...]] = {
    "mask": ("keep_head", "keep_tail", "mask_char", "bin", "scope"),
    "redact": ("drop",),
    "keep": (),
    "pseudonymize": ("hash", "scope"),
    "generalize": ("to", "width", "top", "bottom", "digits"),
    "encrypt": ("scope",),
}
"""The parameters each operator takes (``scope: spans`` is set by the policy for free-text columns)."""
GENERALIZE_TO = ("year", "month", "band", "province", "city", "district", "round")
HASHES = ("sha256", "sm3")


def check_params(operator: str, params: Mapping[str, Any], where: str = "") -> None:
    """Raise ConfigError for a parameter the operator does not take or a value it cannot use."""
    at = f"{where}: " if where else ""
    for name, value in params.items():
        if name not in PARAMS.get(operator, ()):
            takes = ", ".join(PARAMS.get(operator, ())) or "none"
            raise ConfigError(None, f"{at}{operator} takes no parameter {name!r} (parameters: {takes})")
        ok = True
        if name in ("keep_head", "keep_tail", "width", "digits"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= (1 if name == "width" else 0)
        elif name in ("top", "bottom"):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif name == "mask_char":
            ok = isinstance(value, str) and len(value) == 1
        elif name in ("bin", "drop"):
            ok = isinstance(value, bool)
        elif name == "to":
            ok = value in GENERALIZE_TO
        elif name == "hash":
            ok = value in HASHES
        elif name == "scope":
            ok = value == "spans"
        if not ok:
            raise ConfigError(None, f"{at}{operator}: {name}={value!r} is not usable")
    to = params.get("to")
    if "width" in params and to != "band" or "digits" in params and to != "round":
        raise ConfigError(None, f"{at}generalize: width goes with to=band, digits with to=round")
    if ("top" in params or "bottom" in params) and to != "band":
        raise ConfigError(None, f"{at}generalize: top and bottom go with to=band")
    if params.get("hash") == "sm3":
        _digest("sm3")


@cache
def compound_surnames() -> tuple[str, ...]:
    """Two-character surnames (欧阳, 司马 ...) from the PERSON recognizer's lexicon, longest first."""
    return tuple(sorted((w for w in load_words("surnames.txt") if len(w) >= 2), key=len, reverse=True))


# --------------------------------------------------------------------------------------------- mask
def _stars(n: pl.Expr) -> pl.Expr:
    return pl.lit(_STARS).str.slice(0, n.clip(lower_bound=0))


def _stars_of(star: str) -> Callable[[pl.Expr], pl.Expr]:
    """``n`` mask characters ``star`` per row (the default character's literal is built once)."""
    return _stars if star == MASK_CHAR else (lambda n: pl.lit(star * 256).str.slice(0, n.clip(lower_bound=0)))


def _head_tail_keep(length: int, head: int, tail: int) -> tuple[int, int]:
    # Leave at least three characters masked: short values reveal at most a quarter at each end.
    if length - (head + tail) < 3:
        head, tail = min(head, length // 4), min(tail, length // 4)
    return head, tail


def mask_value(value: str, spec: dict[str, Any] | None = None) -> str:
    """Mask one value after a display convention (``style`` + parameters)."""
    spec = spec or GENERIC_MASK
    style = spec.get("style", "head_tail")
    star = spec.get("mask_char", MASK_CHAR)
    if style == "name":
        keep = next((len(s) for s in compound_surnames() if value.startswith(s) and len(value) > len(s)), 1)
        keep = min(keep, max(len(value) - 1, 0))
        return value[:keep] + star * (len(value) - keep)
    if style == "address":
        return _ADDRESS_RE.sub(lambda m: m.group(1) + star * 4, value, count=1)
    if style == "email":
        local, at, domain = value.partition("@")
        return (local[:1] + star * 3 + at + domain) if at else mask_value(value, {**GENERIC_MASK, "mask_char": star})
    if style == "ip":
        if ":" in value:
            return value.split(":", 1)[0] + (":" + star) * 7
        return value.split(".", 1)[0] + ("." + star) * 3
    head, tail = _head_tail_keep(len(value), int(spec.get("keep_head", 1)), int(spec.get("keep_tail", 1)))
    return value[:head] + star * (len(value) - head - tail) + (value[len(value) - tail :] if tail else "")


def mask_expr(e: pl.Expr, spec: dict[str, Any] | None = None) -> pl.Expr:
    """The vectorised twin of :func:`mask_value`."""
    spec = spec or GENERIC_MASK
    style = spec.get("style", "head_tail")
    star = spec.get("mask_char", MASK_CHAR)
    stars = _stars_of(star)
    n = e.str.len_chars().cast(pl.Int64)  # unsigned lengths would wrap below zero
    if style == "name":
        compound = "|".join(compound_surnames())
        keep = pl.when(e.str.contains(f"^(?:{compound}).") if compound else pl.lit(False)).then(2).otherwise(1)
        keep = pl.min_horizontal(keep, (n - 1).clip(lower_bound=0))
        return pl.concat_str([e.str.slice(0, keep), stars(n - keep)])
    if style == "address":  # the cut by a DFA match (address_cut), then the mask characters; no cut: as it is
        # (one reference to the cut: an eager select would run it once per reference)
        return pl.concat_str([address_cut(e), pl.lit(star * 4)]).fill_null(e)
    if style == "email":
        return e.map_batches(lambda s: _email_masks(s, star), return_dtype=pl.String)
    if style == "ip":
        return e.map_batches(lambda s: _ip_masks(s, star), return_dtype=pl.String)
    head, tail = int(spec.get("keep_head", 1)), int(spec.get("keep_tail", 1))
    if len(star.encode()) == 1:  # identifiers are ASCII: masked in their bytes (see _mask_ascii)
        return e.map_batches(lambda s: _mask_head_tail(s, head, tail, star), return_dtype=pl.String)
    return _head_tail_expr(e, head, tail, star)


# E-mail and IP masks work on the materialised column (map_batches): an eager select evaluates an expression once
# per reference, and a when/then/otherwise evaluates both branches on every value.
def _email_masks(s: pl.Series, star: str) -> pl.Series:
    """Local part and domain split at the first @ (str.partition, no regex); a value without @: the generic mask."""
    parts = s.str.splitn("@", 2).struct.unnest()
    local, domain = parts.get_column("field_0"), parts.get_column("field_1")
    out = local.str.slice(0, 1) + (star * 3 + "@") + domain
    bare = np.flatnonzero((domain.is_null() & s.is_not_null()).to_numpy())
    if len(bare):
        rest = s.gather(bare).to_frame("v").select(mask_expr(pl.col("v"), {**GENERIC_MASK, "mask_char": star}))
        out = out.scatter(bare, rest.to_series())
    return out.alias(s.name)


def _ip_masks(s: pl.Series, star: str) -> pl.Series:
    """IPv4: the first number, then three masked ones; IPv6 (a colon): the first group, then seven masked."""
    out = s.str.splitn(".", 2).struct.field("field_0") + ("." + star) * 3
    v6 = np.flatnonzero(s.str.contains(":", literal=True).fill_null(False).to_numpy())
    if len(v6):
        out = out.scatter(v6, s.gather(v6).str.splitn(":", 2).struct.field("field_0") + (":" + star) * 7)
    return out.alias(s.name)


def _head_tail_expr(e: pl.Expr, head: int, tail: int, star: str = MASK_CHAR) -> pl.Expr:
    stars = _stars_of(star)
    n = e.str.len_chars().cast(pl.Int64)  # unsigned lengths would wrap below zero
    short = (n - (head + tail)) < 3
    h = pl.when(short).then(pl.min_horizontal(pl.lit(head), n // 4)).otherwise(pl.lit(head))
    t = pl.when(short).then(pl.min_horizontal(pl.lit(tail), n // 4)).otherwise(pl.lit(tail))
    tail_part = pl.when(t > 0).then(e.str.slice(n - t)).otherwise(pl.lit(""))
    return pl.concat_str([e.str.slice(0, h), stars(n - h - t), tail_part])


def _mask_head_tail(s: pl.Series, head: int, tail: int, star: str) -> pl.Series:
    masked = _mask_ascii(s, head, tail, star)
    if masked is not None:
        return masked
    return s.to_frame("v").select(_head_tail_expr(pl.col("v"), head, tail, star)).to_series().alias(s.name)


def _mask_ascii(s: pl.Series, head: int, tail: int, star: str) -> pl.Series | None:
    """The head/tail mask of a column whose values are all ASCII, written into a copy of its bytes with numpy: the
    same lengths, so the offsets and nulls carry over (None when a value is not ASCII). The rule is
    :func:`_head_tail_keep`'s, per value."""
    arr, offsets, data = utf8_buffers(s)
    if len(data) and data.max() >= 0x80:
        return None
    lengths = np.diff(offsets)
    short = lengths - (head + tail) < 3
    keep_head = np.where(short, np.minimum(head, lengths // 4), head)
    keep_tail = np.where(short, np.minimum(tail, lengths // 4), tail)
    width = int(lengths[0]) if len(lengths) else 0
    if len(lengths) and (lengths == width).all():  # one width (an ID or phone column): a matrix, columns masked
        matrix = data.reshape(len(lengths), width).copy()
        cols = np.arange(width)
        matrix[(cols >= keep_head[:, None]) & (cols < width - keep_tail[:, None])] = ord(star)
        out = matrix.reshape(-1)
    else:
        pos = np.arange(len(data)) - np.repeat(offsets[:-1], lengths)
        inner = (pos >= np.repeat(keep_head, lengths)) & (pos < np.repeat(lengths - keep_tail, lengths))
        out = np.where(inner, np.uint8(ord(star)), data)
    rebased = pa.py_buffer(offsets.tobytes())
    valid = None if arr.null_count == 0 else arr.is_valid()
    if valid is not None and valid.offset:
        return None  # a sliced bitmap: the polars expression handles it
    bitmap = None if valid is None else valid.buffers()[1]
    masked = pa.LargeStringArray.from_buffers(len(arr), rebased, pa.py_buffer(out.tobytes()), bitmap, arr.null_count)
    result = pl.from_arrow(masked)
    assert isinstance(result, pl.Series)
    return result.alias(s.name)


# Address levels, matched from the start of the value. A province (from the list of GB/T 2260 provincial
# divisions, with its 省/市/自治区 suffix if written) may lead; then the district or county ends with 区/县/旗
# within 16 characters (自治区 and 特别行政区 are provinces and 地区 a prefecture, not districts: the character
# before 区 must not be 治, 政 or 地); the city is the first 市/盟/自治州/地区 within 12 characters, before any
# district. Leftmost-first alternation and lazy repeats give the same captures in Python's re and in Rust's.
_PROVINCE = f"{alternation(load_words('provinces.txt'))}(?:维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|省|市)?"
_DISTRICT = f"(?:{_PROVINCE})?(?:[^区县旗]{{0,15}}[^区县旗治政地]区|[^区县旗]{{1,16}}[县旗])"
_CITY = f"(?:{_PROVINCE})?[^市盟区县旗]{{1,12}}?(?:市|盟|自治州|地区)"
_PROVINCE_ANY = f"{_PROVINCE}|[^省]{{1,8}}省"
# The mask cuts after the district or county, else the city, else the province, else two characters;
# something must follow the cut, and a value of two characters or fewer is left as it is.
ADDRESS_KEEP = f"(?s)^({_DISTRICT}|{_CITY}|[^省]{{1,8}}省|.{{2}}).+$"
_ADDRESS_RE = re.compile(ADDRESS_KEEP)
_ADDRESS_HEAD = f"(?s)^(?:{_DISTRICT}|{_CITY}|[^省]{{1,8}}省|.{{2}})"
"""The cut of ADDRESS_KEEP alone: with no capture group to fill, Rust's regex finds it with a DFA, about 8x faster."""


def _address_cuts(values: pl.Series) -> pl.Series:
    """Per value, the part ADDRESS_KEEP's group 1 keeps (null where it does not match).

    The leftmost-first match of the cut alone is ADDRESS_KEEP's group 1 whenever a character is left after it;
    where the cut takes the whole value, ADDRESS_KEEP backtracks to a shorter cut, and those few values go
    through ADDRESS_KEEP itself."""
    cut = values.str.extract(_ADDRESS_HEAD, 0)
    whole = (cut.str.len_bytes() >= values.str.len_bytes()).fill_null(False).to_numpy()
    if whole.any():
        idx = np.flatnonzero(whole)
        cut = cut.scatter(idx, values.gather(idx).str.extract(ADDRESS_KEEP, 1))
    return cut


def address_cut(e: pl.Expr) -> pl.Expr:
    """The vectorised ``ADDRESS_KEEP`` group 1: what an address mask keeps (its district, city or province)."""
    return e.map_batches(_address_cuts, return_dtype=pl.String)


_ADDRESS_LEVEL = {
    "district": f"^({_DISTRICT}|{_CITY}|{_PROVINCE_ANY})",
    "city": f"^({_CITY}|{_PROVINCE_ANY})",
    "province": f"^({_PROVINCE_ANY})",
}
_ADDRESS_LEVEL_RE = {k: re.compile(v) for k, v in _ADDRESS_LEVEL.items()}


# ------------------------------------------------------------------------------------ pseudonymize
def load_key(key_file: str | Path | None = None) -> bytes | None:
    """The key of the keyed operators from ``--key-file`` or the ``SCREENING_KEY`` environment variable."""
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(key_file, f"cannot read key file ({exc.__class__.__name__})") from None
        if len(key) < 16:
            raise ConfigError(key_file, "key is shorter than 16 bytes")
        return key
    env = os.environ.get(KEY_ENV)
    if env:
        if len(env.encode()) < 16:
            raise ConfigError(None, f"{KEY_ENV} is shorter than 16 bytes")
        return env.encode()
    return None


KEY_ID_CONTEXT = b"screening key id v1"


def key_id(key: bytes) -> str:
    """A public fingerprint of the key (16 hex characters of an HMAC of a fixed text under it): it tells whether two
    runs used the same key, and lets ``reveal`` refuse another key, without saying anything about the key. Its
    context text differs from every value ``pseudonymize`` is given, so it is no pseudonym of a real value."""
    return hmac.new(key, KEY_ID_CONTEXT, hashlib.sha256).hexdigest()[:16]


@cache
def _digest(name: str) -> Any:
    if name == "sha256":
        return hashlib.sha256
    try:
        hashlib.new(name)
    except ValueError:
        raise ConfigError(
            None, f"pseudonymize hash {name}: not provided by this Python's OpenSSL; use sha256"
        ) from None
    return name


def pseudonym(value: str, key: bytes, hash: str = "sha256") -> str:
    """Keyed HMAC token (SHA-256 or SM3): same value + key -> same token; unreadable without the key."""
    return "p_" + hmac.new(key, value.encode("utf-8"), _digest(hash)).hexdigest()[:20]


def pseudonymize_series(s: pl.Series, key: bytes, hash: str = "sha256") -> pl.Series:
    uniq = s.drop_nulls().unique()
    tokens = pl.Series([pseudonym(v, key, hash) for v in uniq.to_list()], dtype=pl.String)
    return s.replace_strict(uniq, tokens, default=None, return_dtype=pl.String)


# -------------------------------------------------------------------------------------- generalize
_YEAR = r"^((?:19|20)[0-9]{2})"
_MONTH = r"^(?:19|20)[0-9]{2}[-/.年]?([01]?[0-9])"
_NUMBER = r"^(-?[0-9]+(?:\.[0-9]+)?)"
_FULL_DIGITS = [chr(0xFF10 + i) for i in range(10)]
_HALF_DIGITS = [str(i) for i in range(10)]
_TO_HALF = str.maketrans(dict(zip(_FULL_DIGITS, _HALF_DIGITS, strict=True)))
_BAND_LIMIT = 1e15  # integers beyond 2**53 lose exactness in floats; such "ages" are not generalised


def _round_pattern(digits: int) -> tuple[str, str]:
    """Regex + replacement that cut every decimal number to ``digits`` decimals (the grid cell it lies in)."""
    return (rf"([0-9]+\.[0-9]{{{digits}}})[0-9]+", "1") if digits else (r"([0-9]+)\.[0-9]+", "1")


def generalize_expr(e: pl.Expr, to: str = "year", **params: Any) -> pl.Expr:
    """Dates -> year or year-month; numbers -> bands; addresses -> province/city/district; decimals -> cut.

    Values that do not have the shape become null (``round`` leaves them as they are)."""
    if to in ("year", "month", "band"):
        e = e.str.replace_many(_FULL_DIGITS, _HALF_DIGITS)
    if to in _ADDRESS_LEVEL:
        return e.str.extract(_ADDRESS_LEVEL[to], 1)
    if to == "round":
        pattern, group = _round_pattern(int(params.get("digits", 2)))
        return e.str.replace_all(pattern, "${" + group + "}")
    if to == "band":
        width = int(params.get("width", 10))
        x = e.str.replace_all(",", "", literal=True).str.extract(_NUMBER, 1).cast(pl.Float64, strict=False)
        x = pl.when(x.abs() < _BAND_LIMIT).then(x)
        lo = ((x / width).floor() * width).cast(pl.Int64)
        out = pl.concat_str([lo.cast(pl.String), pl.lit("-"), (lo + width - 1).cast(pl.String)])
        if "top" in params:
            out = pl.when(x >= params["top"]).then(pl.lit(f"{_num(params['top'])}+")).otherwise(out)
        if "bottom" in params:
            out = pl.when(x < params["bottom"]).then(pl.lit(f"<{_num(params['bottom'])}")).otherwise(out)
        return out
    year = e.str.extract(_YEAR, 1)
    if to == "year":
        return year
    month = e.str.extract(_MONTH, 1).str.zfill(2)
    return pl.when(month.is_not_null()).then(pl.concat_str([year, pl.lit("-"), month])).otherwise(year)


def generalize_value(value: str | None, to: str = "year", **params: Any) -> str | None:
    """The scalar twin of :func:`generalize_expr`."""
    if value is None:
        return None
    if to in ("year", "month", "band"):
        value = value.translate(_TO_HALF)
    if to in _ADDRESS_LEVEL_RE:
        m = _ADDRESS_LEVEL_RE[to].match(value)
        return m.group(1) if m else None
    if to == "round":
        pattern, group = _round_pattern(int(params.get("digits", 2)))
        return re.sub(pattern, "\\" + group, value)
    if to == "band":
        width = int(params.get("width", 10))
        m = re.match(_NUMBER, value.replace(",", ""))
        x = float(m.group(1)) if m else None
        if x is None or not abs(x) < _BAND_LIMIT:
            return None
        if "bottom" in params and x < params["bottom"]:
            return f"<{_num(params['bottom'])}"
        if "top" in params and x >= params["top"]:
            return f"{_num(params['top'])}+"
        lo = math.floor(x / width) * width
        return f"{lo}-{lo + width - 1}"
    y = re.match(_YEAR, value)
    if y is None or to == "year":
        return y.group(1) if y else None
    m = re.match(_MONTH, value)
    return f"{y.group(1)}-{m.group(1).zfill(2)}" if m else y.group(1)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
