"""The ``encrypt`` operator: format-preserving encryption (FF3-1) that ``screening reveal`` undoes with the key.

FF3-1 (NIST SP 800-38G Rev. 1) comes from the ``ff3`` package (mysto/python-fpe), AES-256, 56-bit tweaks.
Keys: the user key (``SCREENING_KEY`` / ``--key-file``) never feeds AES directly. HKDF-SHA256 (RFC 5869, salt
``screening-encrypt-v1``) derives a 32-byte FF3-1 key (info ``ff3-1 key``) and a 64-byte AES-SIV key (info
``aes-siv key``). Tweaks are public and fixed per format (the first 7 bytes of SHA-256 of the format's name), so
the same value encrypts to the same ciphertext in every column, file and run with the same key.

The shape of a value chooses its format, and every format maps its shapes onto themselves, so ``reveal`` needs
nothing but the ciphertext and the key (no column types, no report); a mixed column works cell by cell:

- ``id18`` (17 digits + check ``0-9X``): the 6-digit region code is kept; a birth date between 1900-01-01 and
  2030-12-31 (the window is frozen: changing it would change every ciphertext) stays a real date in that window,
  spread uniformly over it, and the 3-digit sequence is encrypted together with it; a body that is not such a
  date is encrypted as 11 digits that are again not one. The check character keeps its offset from the MOD 11-2
  check of the body: a valid ID number gives a valid ID number, an invalid one an equally invalid one.
- ``id15`` (legacy 15 digits, ``YYMMDD`` of 19xx): region kept, date + sequence as above (1900-1999).
- ``phone`` (``1`` + 10 digits): the 3-digit segment (138, 199 ...) is kept, the last 8 digits are encrypted, so
  the result is still a plausible mobile number of the same carrier segment.
- ``luhn`` (16-19 digits, and 15 or 18 digits that pass Luhn but are not ID numbers): the 6-digit BIN is kept,
  the digits up to the last are encrypted, and the last digit keeps its offset from the Luhn check digit, so a
  card number stays a card number of the same issuer that passes Luhn.
- ``digits`` (any other value with at least 6 digits): the digits are encrypted in place, every other
  character stays where it is (``0571-88881234`` -> ``0571-xxxxxxxx``-shaped).
- ``token`` (fewer than 6 digits: names, addresses, e-mail addresses, short codes): FF3-1 needs a domain of at
  least 10^6, so these become ``e_`` + AES-SIV (RFC 5297, deterministic, authenticated) in a letters-only
  base32; reversible, the same value gives the same token, but the format is not preserved.

A format whose result could fall into another format's shapes (a Luhn-valid 18-digit ciphertext of an invalid
ID number, say) cycle-walks: it encrypts again until the result has the shape it started from. Full-width digits
(``１３８…``) are encrypted as digits and written back full-width at the same positions.

Cost: FF3-1 is Python per value (about 50 us per call here), so a column pays that once per *distinct* value of
each batch; see README (Operators) for measured figures.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from ff3 import FF3Cipher

from screening.errors import ConfigError, InputError

TOKEN_PREFIX = "e_"
_SALT = b"screening-encrypt-v1"
_FULL = "０１２３４５６７８９Ｘ"
_HALF = "0123456789X"
_TO_HALF = str.maketrans(_FULL, _HALF)
_TO_FULL = str.maketrans(_HALF, _FULL)
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEF"  # no digits: a token never has the shape of a digit format
_ENC_LETTERS, _DEC_LETTERS = str.maketrans(_B32, _LETTERS), str.maketrans(_LETTERS, _B32)
TOKEN_RE = re.compile(rf"{TOKEN_PREFIX}[{_LETTERS}]{{28,}}?(?={TOKEN_PREFIX}|[^{_LETTERS}]|$)")
"""A token in free text (17 bytes at least: a 16-byte SIV tag + one byte), up to the next token or non-letter."""

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = re.compile(r"[0-9]+")
_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOD11_CHARS = "10X98765432"  # check character for sum % 11 = 0, 1, 2 ...
_WINDOW18 = (dt.date(1900, 1, 1), dt.date(2030, 12, 31))
_WINDOW15 = (dt.date(1900, 1, 1), dt.date(1999, 12, 31))
_MAX_DIGITS = 56  # FF3-1 with radix 10: 2 * floor(96 / log2(10)) digits per call


# ------------------------------------------------------------------------------------------ helpers
def hkdf(key: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869) with this module's salt."""
    prk = hmac.new(_SALT, key, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + block, i + 1
    return out[:length]


def _mod11_index(body: str) -> int:
    """Index into ``_MOD11_CHARS`` of the valid check character of 17 digits."""
    return sum(w * int(c) for w, c in zip(_MOD11_WEIGHTS, body, strict=True)) % 11


def _luhn_digit(payload: str) -> int:
    """The digit that makes ``payload + digit`` pass Luhn."""
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c)
        if i % 2 == 0:  # doubled: these are the odd positions counted from the (missing) check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


def _luhn_ok(v: str) -> bool:
    return _luhn_digit(v[:-1]) == int(v[-1])


def _mod11_ok(v: str) -> bool:
    return _MOD11_CHARS[_mod11_index(v[:17])] == v[17]


def _day(yyyymmdd: str, window: tuple[dt.date, dt.date]) -> int | None:
    """Days since the window's start, or None when not a date inside the window."""
    try:
        day = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return day.toordinal() - window[0].toordinal() if window[0] <= day <= window[1] else None


def _date15_ok(v: str) -> bool:
    return _day("19" + v[6:12], _WINDOW15) is not None


def kind(v: str) -> str:
    """The format of a (half-width) value: id18, luhn, id15, phone, digits or token. See the module docstring."""
    if _ID18.fullmatch(v):
        return "luhn" if v[-1] != "X" and not _mod11_ok(v) and _luhn_ok(v) else "id18"
    if _DIGITS.fullmatch(v):
        n = len(v)
        if n == 11 and v[0] == "1":
            return "phone"
        if n == 15:
            return "id15" if _date15_ok(v) or not _luhn_ok(v) else "luhn"
        if 16 <= n <= 19:
            return "luhn"
    return "digits" if sum(c.isascii() and c.isdigit() for c in v) >= 6 else "token"


@cache
def _domain_shape(n: int) -> tuple[int, int]:
    """(radix, length) of the smallest FF3-1 domain of at least ``n`` (and 10^6) values: cycle-walking into
    ``n`` values then takes few extra calls (47,847,000 dates x sequences: radix 5, 11 digits, 1.02 calls)."""
    best: tuple[int, int, int] | None = None
    for radix in range(2, 37):
        length = 1
        while radix**length < max(n, 1_000_000):
            length += 1
        if best is None or radix**length < best[0]:
            best = (radix**length, radix, length)
    assert best is not None
    return best[1], best[2]


def _encode(x: int, radix: int, length: int) -> str:
    digits = []
    for _ in range(length):
        x, r = divmod(x, radix)
        digits.append(FF3Cipher.BASE62[r])
    return "".join(reversed(digits))


# ------------------------------------------------------------------------------------------- cipher
class Cipher:
    """FF3-1 formats + AES-SIV tokens under one user key; ``encrypt`` and ``decrypt`` are inverse."""

    def __init__(self, key: bytes) -> None:
        self._ff3_key = hkdf(key, b"ff3-1 key", 32).hex()
        self._siv = AESSIV(hkdf(key, b"aes-siv key", 64))
        self._ciphers: dict[tuple[str, int], FF3Cipher] = {}

    def _ff3(self, name: str, radix: int) -> FF3Cipher:
        c = self._ciphers.get((name, radix))
        if c is None:
            tweak = hashlib.sha256(f"screening-fpe/{name}".encode()).digest()[:7].hex()
            c = self._ciphers[(name, radix)] = FF3Cipher(self._ff3_key, tweak, radix)
        return c

    def _digits(self, name: str, s: str, back: bool, keep: Callable[[str], bool] | None = None) -> str:
        """Radix-10 FF3-1 of a digit string (cycle-walking until ``keep``); long strings in chunks."""
        if len(s) > _MAX_DIGITS:
            k = -(-len(s) // _MAX_DIGITS)
            cuts = [len(s) * i // k for i in range(k + 1)]
            return "".join(
                self._digits(f"{name}/{i}", s[a:b], back) for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))
            )
        c = self._ff3(name, 10)
        step = c.decrypt if back else c.encrypt
        s = step(s)
        while keep is not None and not keep(s):
            s = step(s)
        return s

    def _below(self, name: str, n: int, x: int, back: bool) -> int:
        """A permutation of range(n): FF3-1 on the smallest radix^length >= n, cycle-walking."""
        radix, length = _domain_shape(n)
        c = self._ff3(name, radix)
        step = c.decrypt if back else c.encrypt
        s = _encode(x, radix, length)
        while True:
            s = step(s)
            y = int(s, radix)
            if y < n:
                return y

    def _date_seq(self, name: str, s: str, window: tuple[dt.date, dt.date], century: str, back: bool) -> str:
        """Birth date + 3-digit sequence: a date in the window stays one, anything else stays anything else."""
        date, seq = century + s[:-3], s[-3:]
        day = _day(date, window)
        if day is None:
            return self._digits(f"{name}/other", s, back, lambda t: _day(century + t[:-3], window) is None)
        days = window[1].toordinal() - window[0].toordinal() + 1
        y = self._below(f"{name}/date", days * 1000, day * 1000 + int(seq), back)
        new = dt.date.fromordinal(window[0].toordinal() + y // 1000).strftime("%Y%m%d")
        return new[len(century) :] + f"{y % 1000:03d}"

    def _step(self, k: str, v: str, back: bool) -> str:
        """One application of format ``k``'s permutation (the caller cycle-walks back into ``k``)."""
        if k == "id18":
            body = v[:6] + self._date_seq("id18", v[6:17], _WINDOW18, "", back)
            offset = _MOD11_CHARS.index(v[17]) - _mod11_index(v[:17])
            return body + _MOD11_CHARS[(_mod11_index(body) + offset) % 11]
        if k == "id15":
            return v[:6] + self._date_seq("id15", v[6:], _WINDOW15, "19", back)
        if k == "phone":
            return v[:3] + self._digits("phone", v[3:], back)
        if k == "luhn":
            payload = v[:6] + self._digits(f"luhn{len(v)}", v[6:-1], back)
            return payload + str((_luhn_digit(payload) + int(v[-1]) - _luhn_digit(v[:-1])) % 10)
        # digits: every ASCII digit, in order, as one number; the other characters stay in place
        spots = [i for i, c in enumerate(v) if c.isascii() and c.isdigit()]
        new = iter(self._digits("digits", "".join(v[i] for i in spots), back))
        chars = list(v)
        for i in spots:
            chars[i] = next(new)
        return "".join(chars)

    def _apply(self, value: str, back: bool) -> str:
        if not value:
            return value
        half = value.translate(_TO_HALF)
        k = kind(half)
        if k == "token":
            return self.untoken(value) if back else self.token(value)
        out = self._step(k, half, back)
        while kind(out) != k:  # cycle-walk: the permutation of this format's shapes ends back in them
            out = self._step(k, out, back)
        if half == value:
            return out
        return "".join(o.translate(_TO_FULL) if h != c else o for o, h, c in zip(out, half, value, strict=True))

    def encrypt(self, value: str) -> str:
        return self._apply(value, back=False)

    def decrypt(self, value: str) -> str:
        """The inverse of :meth:`encrypt`; raises ValueError for a token this key did not write."""
        return self._apply(value, back=True)

    def token(self, value: str) -> str:
        """``e_`` + AES-SIV of the UTF-8 value, base32 in letters only (deterministic, authenticated)."""
        sealed = self._siv.encrypt(value.encode("utf-8"), None)  # the 16-byte SIV tag, then the ciphertext
        return TOKEN_PREFIX + base64.b32encode(sealed).decode("ascii").rstrip("=").translate(_ENC_LETTERS)

    def untoken(self, token: str) -> str:
        if not token.startswith(TOKEN_PREFIX):
            raise ValueError("not an encrypt token")
        text = token[len(TOKEN_PREFIX) :].translate(_DEC_LETTERS)
        try:
            plain = self._siv.decrypt(base64.b32decode(text + "=" * (-len(text) % 8)), None)
        except (ValueError, InvalidTag):  # binascii.Error is a ValueError
            raise ValueError("not an encrypt token of this key") from None
        return plain.decode("utf-8")

    def reveal_text(self, text: str) -> str:
        """Free text: every token found in it decrypted (a token glued to following letters is trimmed)."""

        def one(m: re.Match[str]) -> str:
            t = m.group(0)
            for cut in range(len(t), max(len(t) - 8, 29), -1):
                try:
                    return self.untoken(t[:cut]) + t[cut:]
                except ValueError:
                    continue
            raise ValueError("not an encrypt token of this key")

        return TOKEN_RE.sub(one, text)


@cache
def cipher_for(key: bytes) -> Cipher:
    return Cipher(key)


def encrypt_series(s: pl.Series, key: bytes) -> pl.Series:
    """Encrypt each distinct non-empty value of a column once."""
    return _map_distinct(s, cipher_for(key).encrypt)


def _map_distinct(s: pl.Series, fn: Callable[[str], str]) -> pl.Series:
    uniq = s.drop_nulls().unique()
    uniq = uniq.filter(uniq.str.len_bytes() > 0)
    out = pl.Series([fn(v) for v in uniq.to_list()], dtype=pl.String)
    return s.replace_strict(uniq, out, default=s, return_dtype=pl.String).alias(s.name)


# ------------------------------------------------------------------------------------------- reveal
def report_path(data: Path) -> Path:
    """The JSON report ``screening run`` writes beside its data file."""
    return data.with_name(data.stem + ".report.json")


def reveal_plan(
    data: Path, columns: Sequence[str] | None, present: Sequence[str], key: bytes | None = None
) -> dict[str, str]:
    """Column -> ``value`` (each cell encrypted whole) or ``text`` (tokens inside free text). With ``key``, a
    report that names the key of its run (``output.key_id``) must name this one."""
    report = report_path(data)
    entries: dict[str, dict[str, Any]] = {}
    if report.is_file():
        try:
            doc = json.loads(report.read_text(encoding="utf-8"))
            entries = {c["name"]: c for c in doc["columns"]}
            wanted = (doc.get("output") or {}).get("key_id")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigError(report, "not a screening report (cannot read its columns)") from None
        if key is not None and wanted:
            from screening.operators import key_id

            if key_id(key) != wanted:
                raise ConfigError(
                    data,
                    f"this key is not the one the file was written with (key id {key_id(key)}; "
                    f"the report names {wanted})",
                )
    elif not columns:
        raise ConfigError(data, f"no report beside it ({report.name}); name the encrypted columns with --columns")

    def mode(name: str) -> str:
        return "text" if entries.get(name, {}).get("kind") == "free_text" else "value"

    if columns:
        missing = [c for c in columns if c not in present]
        if missing:
            raise ConfigError(data, f"--columns: no column named {missing[0]!r}")
        return {c: mode(c) for c in columns}
    chosen = [n for n, c in entries.items() if (c.get("action") or {}).get("operator") == "encrypt" and n in present]
    if not chosen:
        raise ConfigError(report, "the report lists no column desensitised with encrypt; use --columns")
    return {c: mode(c) for c in chosen}


def reveal_file(
    data: str | Path,
    out: str | Path,
    key: bytes,
    columns: Sequence[str] | None = None,
    *,
    encoding: str | None = None,
    batch_rows: int = 100_000,
) -> dict[str, Any]:
    """Decrypt the ``encrypt``-ed columns of a file written by ``screening run`` into ``out`` (atomically)."""
    from screening import io

    src, dst = Path(data), Path(out)
    info = io.open_source(src, encoding=encoding)
    plan = reveal_plan(src, columns, info.columns, key)
    cipher = cipher_for(key)
    suffix = dst.suffix.lower()
    fmt = "parquet" if suffix in (".parquet", ".pq") else "csv" if suffix in (".csv", ".tsv", ".txt") else info.format
    done = 0

    def revealed(batch: pl.DataFrame) -> pl.DataFrame:
        nonlocal done
        cols = []
        for name, how in plan.items():
            s = batch.get_column(name)
            try:
                cols.append(_map_distinct(s, cipher.decrypt if how == "value" else cipher.reveal_text))
            except ValueError:
                bad = _first_failure(s, cipher.decrypt if how == "value" else cipher.reveal_text)
                raise InputError(
                    src, f"column {name!r}, row {done + bad + 1}: not written by encrypt with this key"
                ) from None
        done += batch.height
        return batch.with_columns(cols)

    rows = io.write_batches(
        (revealed(b) for b in io.iter_batches(info, batch_rows=batch_rows)),
        dst,
        fmt,
        encoding=info.encoding or "utf-8",
        delimiter=info.delimiter or ",",
        protect=[src],
        columns=info.columns,
    )
    return {"path": str(dst), "format": fmt, "rows": rows, "columns": plan}


def _first_failure(s: pl.Series, fn: Callable[[str], str]) -> int:
    for i, v in enumerate(s.to_list()):
        if v:
            try:
                fn(v)
            except ValueError:
                return i
    return 0
