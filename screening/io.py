"""Streaming readers (CSV, Parquet -> string-typed polars batches) and atomic writers.

Reading is bounded by the batch size, never the file size:

- CSV goes through pyarrow's streaming CSV reader in 4 MiB blocks. Unlike polars, which silently fills a
  short row with nulls, it rejects a row with too few *or* too many fields; GBK and GB18030 are transcoded
  inside that stream, so no temporary copy is written. Every column is read as text: leading zeros stay.
- Parquet goes through ``ParquetFile.iter_batches``; every column is cast to text (integers and integral
  floats as digits, dates and timestamps as ISO text, binary as UTF-8).

Error messages name the file and a position (byte, line, row, column), never a cell's value. When a problem is
found mid-stream, a slow second look (error path only) finds the line to report.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

if TYPE_CHECKING:  # pyarrow.compute and pyarrow.parquet cost ~0.1 s to import: only where a file needs them
    import pyarrow.parquet as pq

from screening.errors import ConfigError, InputError, OutputError
from screening.model import DatasetInfo

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
DELIMITERS = (",", "\t", ";", "|")

_HEAD = 1 << 20  # bytes sniffed from the start of a CSV
_HEAD_MAX = 16 << 20  # a header row longer than this is refused
_WINDOW = 64 << 10  # extra encoding samples from the middle and the end
_SNIFF_RECORDS = 200
_BLOCK = 4 << 20  # pyarrow CSV block: 4 MiB kept RSS flat from 1M to 3M rows, 16 MiB did not
_BLOCK_MAX = 256 << 20  # a single record may not exceed this
_CHUNK = 1 << 20

_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf_8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8-sig": "utf-8-sig",
    "utf_8_sig": "utf-8-sig",
    "gbk": "gbk",
    "cp936": "gbk",
    "ms936": "gbk",
    "936": "gbk",
    "gb2312": "gbk",  # GBK is a superset of GB2312
    "euc-cn": "gbk",
    "euccn": "gbk",
    "gb18030": "gb18030",
    "gb-18030": "gb18030",
}

_MAGIC = (
    (b"PAR1", "looks like a Parquet file; give it a .parquet extension"),
    (b"PK\x03\x04", "looks like a zip or Excel (.xlsx) file; export it as CSV first"),
    (b"\xd0\xcf\x11\xe0", "looks like an old Excel (.xls) file; export it as CSV first"),
    (b"\x1f\x8b", "is gzip-compressed; decompress it first"),
    (b"\xff\xfe", "is UTF-16 text; save it as UTF-8 (or GBK) CSV"),
    (b"\xfe\xff", "is UTF-16 text; save it as UTF-8 (or GBK) CSV"),
)


def normalize_encoding(name: str) -> str:
    """Map an encoding name or alias (utf8, UTF-8, cp936, gb2312...) to one of ENCODINGS."""
    key = name.strip().lower().replace(" ", "")
    canonical = _ALIASES.get(key) or _ALIASES.get(key.replace("_", "-"))
    if canonical is None:
        raise ConfigError(None, f"unsupported encoding {name!r}; use one of: {', '.join(ENCODINGS)}")
    return canonical


# --------------------------------------------------------------------------------------------- opening


def open_source(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> DatasetInfo:
    """Sniff and validate a CSV or Parquet file without reading it whole.

    ``encoding`` (CSV only) overrides detection; ``delimiter`` (CSV only) overrides sniffing.
    Raises InputError for unusable input, ConfigError for an unsupported encoding or delimiter.
    """
    p = Path(path)
    size = _check_file(p)
    suffix = p.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _open_parquet(p, size)
    if suffix in CSV_SUFFIXES:
        enc = normalize_encoding(encoding) if encoding else None
        if delimiter is not None and len(delimiter) != 1:
            raise ConfigError(None, f"a delimiter must be one character, got {len(delimiter)}")
        layout = _sniff_csv(p, size, enc, delimiter)
        columns, notes = unique_names(layout.header)
        return DatasetInfo(
            path=str(p),
            format="csv",
            bytes=size,
            columns=columns,
            encoding=layout.encoding,
            delimiter=layout.delimiter,
            notes=notes,
        )
    shown = suffix or "(none)"
    raise InputError(p, f"unsupported file type {shown}; expected .csv, .tsv, .txt or .parquet")


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def _check_file(p: Path) -> int:
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(p, "file not found") from None
    except OSError as e:
        raise InputError(p, f"cannot open: {_why(e)}") from None
    if p.is_dir():
        raise InputError(p, "is a directory, not a file")
    if not p.is_file():
        raise InputError(p, "is not a regular file")
    if st.st_size == 0:
        raise InputError(p, "file is empty (0 bytes)")
    if not os.access(p, os.R_OK):
        raise InputError(p, "cannot open: permission denied")
    return st.st_size


def unique_names(raw: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Make header names usable: strip them, name empty ones ``column_<n>``, suffix repeats ``_2``, ``_3``."""
    stripped = [str(r).strip() for r in raw]
    taken = {s for s in stripped if s}  # generated names must not collide with a later real name
    used: set[str] = set()
    names: list[str] = []
    notes: list[str] = []
    for i, name in enumerate(stripped, 1):
        if not name:
            new = _free_name(f"column_{i}", used, taken, first=True)
            notes.append(f"column {i} has no name; it is called '{new}'")
        elif name in used:
            new = _free_name(name, used, taken, first=False)
            notes.append(f"column {i} repeats the name '{name}'; it is called '{new}'")
        else:
            new = name
        used.add(new)
        names.append(new)
    return tuple(names), tuple(notes)


def _free_name(base: str, used: set[str], taken: set[str], *, first: bool) -> str:
    if first and base not in used and base not in taken:
        return base
    k = 2
    while f"{base}_{k}" in used or f"{base}_{k}" in taken:
        k += 1
    return f"{base}_{k}"


# ------------------------------------------------------------------------------------------ CSV sniffing


@dataclass(frozen=True)
class _CsvLayout:
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    leading_blank: int  # blank lines before the header that the reader will return as rows


def _sniff_csv(p: Path, size: int, encoding: str | None, delimiter: str | None) -> _CsvLayout:
    try:
        with open(p, "rb") as f:
            head = f.read(_HEAD)
            samples = _samples(f, head, size)
            enc = _choose_encoding(p, head, samples, encoding)
            text, at_eof = _decode_head(head, enc, size)
            records = _records(text, delimiter or ",", at_eof)
            # A huge first data row: read on so the delimiter is sniffed on at least one row.
            while len(records) < 2 and not at_eof and len(head) < _HEAD_MAX:
                f.seek(len(head))
                head += f.read(len(head))
                text, at_eof = _decode_head(head, enc, size)
                records = _records(text, delimiter or ",", at_eof)
    except OSError as e:
        raise InputError(p, f"cannot read: {_why(e)}") from None
    except UnicodeDecodeError as e:
        raise InputError(p, _bad_bytes_problem(enc, e.start, None)) from None
    if not records:
        if at_eof and not text.lstrip("\ufeff"):
            raise InputError(p, "file is empty (nothing but a byte-order mark)")
        raise InputError(p, f"the header row is longer than {_HEAD_MAX >> 20} MB, or a quote in it is never closed")
    delim = delimiter or _choose_delimiter(text, at_eof, p.suffix.lower() == ".tsv")
    recs = _records(text, delim, at_eof)
    if at_eof and len(recs) == 1 and _quote_left_open(text, delim):
        # The header's open quote took the rest of the file in: a report of 0 rows would be a silent misreading.
        raise InputError(p, "a quote in the header row is never closed (the whole file would be one header field)")
    lead = 0
    while lead < len(recs) and not recs[lead]:
        lead += 1
    if lead == len(recs):
        raise InputError(p, "has no header row (only blank lines)")
    header = tuple(recs[lead])
    # pyarrow skips blank lines only when there are several columns (see _iter_csv).
    return _CsvLayout(enc, delim, header, lead if len(header) == 1 else 0)


def _samples(f: BinaryIO, head: bytes, size: int) -> list[tuple[int, bytes, bool]]:
    """(offset, bytes, at_eof) pieces for encoding detection, cut at line breaks so no character is split."""
    out = [(0, _cut_at_last_newline(head) if len(head) < size else head, len(head) >= size)]
    if size <= len(head):
        return out
    for start in sorted({max(len(head), size // 2), max(len(head), size - _WINDOW)}):
        f.seek(start)
        win = f.read(_WINDOW)
        # A newline byte never occurs inside a multi-byte character in any supported encoding.
        nl = win.find(b"\n")
        if nl < 0:
            continue
        at_eof = start + len(win) >= size
        piece = win[nl + 1 :] if at_eof else _cut_at_last_newline(win[nl + 1 :])
        out.append((start + nl + 1, piece, at_eof))
    return out


def _cut_at_last_newline(data: bytes) -> bytes:
    nl = data.rfind(b"\n")
    return data[: nl + 1] if nl >= 0 else data


def _choose_encoding(p: Path, head: bytes, samples: list[tuple[int, bytes, bool]], forced: str | None) -> str:
    has_bom = head.startswith(codecs.BOM_UTF8)
    if not has_bom:
        for magic, problem in _MAGIC:
            # "PAR1" could start a text header; the other magics hold control bytes no CSV starts with.
            if head.startswith(magic) and (magic != b"PAR1" or b"\x00" in head):
                raise InputError(p, problem)
    if any(b"\x00" in data for _, data, _ in samples):
        raise InputError(p, "contains NUL bytes; it looks like binary data, not a text CSV")
    if forced is None:
        candidates = ("utf-8-sig",) if has_bom else ("utf-8", "gbk", "gb18030")
        for enc in candidates:
            if _first_bad_byte(samples, enc) is None:
                return _check_text(p, samples, enc)
        if has_bom:
            bad = _first_bad_byte(samples, "utf-8-sig")
            raise InputError(p, f"starts with a UTF-8 byte-order mark but is not valid utf-8 at byte {bad}")
        head_text = samples[0][1]
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head_text)
        if head_text and printable >= 0.75 * len(head_text):  # text, with some bytes of another encoding
            bad = _first_bad_byte(samples, "utf-8")
            raise InputError(
                p,
                f"is text in an encoding other than utf-8, gbk or gb18030 (byte {bad} is not utf-8; Latin-1?); "
                "save it as UTF-8",
            )
        raise InputError(p, "is not text in utf-8, gbk or gb18030; it looks like binary data")
    enc = forced
    if has_bom and enc == "utf-8":
        enc = "utf-8-sig"
    if has_bom and enc in ("gbk", "gb18030"):
        raise InputError(p, f"starts with a UTF-8 byte-order mark, so it is not {enc}; try --encoding utf-8")
    if enc in ("gbk", "gb18030") and _looks_like_utf8(samples):
        raise InputError(p, f"is valid utf-8 with non-ASCII text, so it is not {enc}; try --encoding utf-8")
    bad = _first_bad_byte(samples, enc)
    if bad is not None:
        raise InputError(p, _bad_bytes_problem(enc, bad, _guess_encoding(samples, exclude=enc)))
    return _check_text(p, samples, enc)


def _first_bad_byte(samples: list[tuple[int, bytes, bool]], enc: str) -> int | None:
    for offset, data, at_eof in samples:
        dec = codecs.getincrementaldecoder(enc)("strict")
        try:
            dec.decode(data, final=at_eof)
        except UnicodeDecodeError as e:
            return offset + e.start
    return None


def _looks_like_utf8(samples: list[tuple[int, bytes, bool]]) -> bool:
    """Valid UTF-8 with a few non-ASCII characters: GBK text almost never is (one GBK character in ~12 is)."""
    if all(data.isascii() for _, data, _ in samples) or _first_bad_byte(samples, "utf-8") is not None:
        return False
    text = "".join(codecs.getincrementaldecoder("utf-8")().decode(d, final=e) for _, d, e in samples)
    return sum(not ch.isascii() for ch in text) >= 4


def _guess_encoding(samples: list[tuple[int, bytes, bool]], exclude: str) -> str | None:
    for enc in ("utf-8", "gbk", "gb18030"):
        if enc != exclude and _first_bad_byte(samples, enc) is None:
            return enc
    return None


def _bad_bytes_problem(enc: str, offset: int, guess: str | None, line: int | None = None) -> str:
    where = f"byte {offset}" + (f" (line {line})" if line is not None else "")
    if guess:
        return f"not valid {enc} at {where}; the file looks like {guess}, try --encoding {guess}"
    return f"not valid {enc} at {where}, and no supported encoding fits there; it looks damaged or binary"


def _check_text(p: Path, samples: list[tuple[int, bytes, bool]], enc: str) -> str:
    """Reject decodable but binary-looking input (many control characters)."""
    for _, data, at_eof in samples:
        text = codecs.getincrementaldecoder(enc)("replace").decode(data, final=at_eof)
        controls = sum(1 for _ in _CONTROL.finditer(text))
        if controls > 8 and controls * 100 > len(text):
            raise InputError(p, "contains many control characters; it looks like binary data, not a text CSV")
    return enc


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decode_head(head: bytes, enc: str, size: int) -> tuple[str, bool]:
    at_eof = len(head) >= size
    return codecs.getincrementaldecoder(enc)("strict").decode(head, final=at_eof), at_eof


def _records(text: str, delimiter: str, at_eof: bool) -> list[list[str]]:
    """The sample's first records; the last is dropped (it may be cut) unless the sample is the whole file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    out: list[list[str]] = []
    try:
        with _csv_field_limit(len(text) + 1):
            for rec in reader:
                out.append(rec)
                if len(out) > _SNIFF_RECORDS:
                    return out[:-1]
    except csv.Error:
        pass
    return out if at_eof else out[:-1]


def _quote_left_open(text: str, delimiter: str) -> bool:
    """The text ends inside a quoted field (read as the whole file: a quote that is never closed)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        with _csv_field_limit(len(text) + 1):
            for _ in reader:
                pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


def _choose_delimiter(text: str, at_eof: bool, tsv: bool) -> str:
    """The candidate that splits the header into >1 fields and most rows into as many; ',' if none does."""
    order = ("\t", ",", ";", "|") if tsv else DELIMITERS
    best: tuple[float, int, int] | None = None
    chosen = ","
    for rank, d in enumerate(order):
        recs = [r for r in _records(text, d, at_eof) if r]
        if not recs or len(recs[0]) < 2:
            continue
        n = len(recs[0])
        rows = recs[1:]
        share = sum(len(r) == n for r in rows) / len(rows) if rows else 1.0
        if share < 0.5:
            continue
        key = (share, n, -rank)
        if best is None or key > best:
            best, chosen = key, d
    return chosen


@contextlib.contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    # csv.field_size_limit is process-wide; only raise it, and restore it at once.
    old = csv.field_size_limit()
    if limit > old:
        csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


# ------------------------------------------------------------------------------------------- Parquet


def _open_parquet(p: Path, size: int) -> DatasetInfo:
    with _parquet_file(p) as pf:
        schema = pf.schema_arrow
    if len(schema) == 0:
        raise InputError(p, "the Parquet file has no columns")
    for i, field in enumerate(schema, 1):
        problem = _text_problem(field.type)
        if problem:
            raise InputError(p, f"column {i} '{field.name}' {problem}")
    columns, notes = unique_names(schema.names)
    return DatasetInfo(path=str(p), format="parquet", bytes=size, columns=columns, notes=notes)


def parquet_types(info: DatasetInfo) -> dict[str, pa.DataType]:
    """A Parquet input's columns whose text can be written back in their own type, with that type: integers,
    booleans, floats, decimals, dates and timestamps (their text, see :func:`_as_text`, casts back to the same
    text). Times, durations and the text types are not among them. Empty for a CSV input."""
    if info.format != "parquet":
        return {}
    with _parquet_file(Path(info.path)) as pf:
        types = pf.schema_arrow.types
    out: dict[str, pa.DataType] = {}
    for name, t in zip(info.columns, types, strict=True):
        if pa.types.is_dictionary(t):
            t = t.value_type
        if (
            pa.types.is_integer(t)
            or pa.types.is_boolean(t)
            or pa.types.is_floating(t)
            or pa.types.is_decimal(t)
            or pa.types.is_date(t)
            or pa.types.is_timestamp(t)
        ):
            out[name] = t
    return out


def _parquet_file(p: Path) -> pq.ParquetFile:
    import pyarrow.parquet as pq

    try:
        # Without pre-buffering, pyarrow reads column chunks through a small buffer instead of loading a
        # whole row group's bytes up front: peak Arrow memory fell from 329 MB to 64 MB on a 3M-row file.
        return pq.ParquetFile(p, pre_buffer=False, buffer_size=1 << 20)
    except OSError as e:
        if isinstance(e, FileNotFoundError | PermissionError):
            raise InputError(p, f"cannot open: {_why(e)}") from None
        raise InputError(p, f"not a readable Parquet file: {_parquet_reason(e)}") from None
    except pa.ArrowException as e:
        raise InputError(p, f"not a readable Parquet file: {_parquet_reason(e)}") from None


def _parquet_reason(e: BaseException) -> str:
    msg = str(e)
    if "magic bytes" in msg or "footer" in msg.lower():
        return "no valid footer (truncated, or not Parquet at all)"
    if "end of stream" in msg.lower() or "eof" in msg.lower() or "out of bounds" in msg.lower():
        return "data ends early (truncated)"
    return _sanitise(msg)


def _text_problem(t: pa.DataType) -> str | None:
    """Why a column of this type cannot be screened as text, or None."""
    if pa.types.is_dictionary(t):
        return _text_problem(t.value_type)
    if isinstance(t, pa.ExtensionType):
        return _text_problem(t.storage_type)
    if pa.types.is_nested(t):
        return f"is nested ({_short_type(t)}); flatten it before screening"
    try:
        pa.array([], type=t).cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        return f"has type {_short_type(t)}, which cannot be converted to text"
    return None


def _short_type(t: pa.DataType) -> str:
    s = re.sub(r" \('[^']*'\)", "", str(t).replace("\n", " "))  # pyarrow adds "('name')" inside map<>
    return s if len(s) <= 60 else s[:57] + "..."


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")


def _sanitise(msg: str) -> str:
    """A library message cut to one short line, with quoted content (possibly cell values) removed."""
    line = msg.strip().splitlines()[0] if msg.strip() else "unknown error"
    line = _QUOTED.sub("'…'", line)
    return line if len(line) <= 100 else line[:97] + "..."


# ------------------------------------------------------------------------------------------- reading


def progress_total(info: DatasetInfo) -> int:
    """Total progress units for iter_batches: bytes for CSV, rows for Parquet."""
    if info.format == "parquet":
        with _parquet_file(Path(info.path)) as pf:
            return int(pf.metadata.num_rows)
    return info.bytes


def iter_batches(
    info: DatasetInfo,
    batch_rows: int = 100_000,
    on_progress: Callable[[int], None] | None = None,
    first_rows: int | None = None,
) -> Iterator[pl.DataFrame]:
    """Stream the file as DataFrames of at most ``batch_rows`` rows; every column is pl.String, named as in
    ``info.columns``.

    Always yields at least one frame: a file without data rows gives one empty frame with the columns.
    CSV: empty fields (quoted or not) are null; blank lines are skipped unless the file has one column,
    where a blank line is an empty value. ``on_progress`` receives increasing units done out of
    ``progress_total(info)`` after each batch: bytes read for CSV (the parser reads a few blocks ahead),
    rows for Parquet. ``first_rows`` (CSV) makes the first frame smaller, so that a consumer can start on it
    while the reader goes on.
    Raises InputError for problems found while reading.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    p = Path(info.path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise InputError(p, f"cannot open: {_why(e)}") from None
    if size != info.bytes:
        raise InputError(p, "the file changed since it was opened")
    frames = (
        _iter_parquet(p, info, batch_rows)
        if info.format == "parquet"
        else _iter_csv(p, info, batch_rows, min(first_rows or batch_rows, batch_rows))
    )
    done = 0
    empty = True
    for frame, units in frames:
        if frame.height == 0:
            continue
        empty = False
        if on_progress is not None and units > done:
            done = units
            on_progress(done)
        yield frame
    if empty:
        yield pl.DataFrame(schema={c: pl.String for c in info.columns})
    total = size if info.format == "csv" else done
    if on_progress is not None and total > done:
        on_progress(total)


class _CountingReader(io.RawIOBase):
    """A read-only file that counts the bytes handed out, for progress, and with ``check_utf8`` validates
    them as UTF-8 before they are handed out.

    pyarrow's own UTF-8 check of every parsed field cost about a third of its CSV parse (1M rows: 0.35 of
    1.2 s, one thread); polars' check of the raw blocks costs about 0.14 s. So the blocks are checked here and
    the parser is told not to: no invalid byte ever reaches a string column."""

    def __init__(self, f: io.RawIOBase, check_utf8: bool = False) -> None:
        self._f = f
        self.count = 0
        self._carry: bytes | None = b"" if check_utf8 else None
        """The bytes of a character cut by the end of the last block (checked with the next one)."""
        self.stopped = False
        """Set when the reader is abandoned: from then on the file seems to end here (see ``_abandon``)."""
        self.busy = 0
        """Reads in progress (on pyarrow's read-ahead thread)."""

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        self.busy += 1
        try:
            if self.stopped:
                return self._finish_character(b)
            n = self._f.readinto(b) or 0
            self.count += n
            if self._carry is not None:
                self._carry = _check_utf8(self._carry, memoryview(b)[:n])
            return n
        finally:
            self.busy -= 1

    def close(self) -> None:
        self._f.close()
        super().close()

    def _finish_character(self, b: bytearray | memoryview) -> int:
        """After a stop, the rest of a UTF-8 character that the last block cut, then nothing (the end of the file).
        The row cut by the stop is short of fields, and pyarrow decodes a short row's text before it calls the
        invalid-row handler: bytes that end inside a character made it print "Exception ignored … UnicodeDecodeError"
        on stderr."""
        carry, self._carry = self._carry, None
        if not carry:
            return 0
        lead = carry[0]
        size = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if 0xF0 <= lead < 0xF8 else 1
        need = min(size - len(carry), len(b))
        if need <= 0:
            return 0
        rest = self._f.read(need) or b""
        b[: len(rest)] = rest
        return len(rest)


def _check_utf8(carry: bytes, block: memoryview) -> bytes:
    """Check ``carry + block`` as UTF-8 up to the block's last character start (raising UnicodeError), and return
    the bytes from there on, for the next block. An empty block is the end of the file: everything is checked.

    ``carry`` is one character start and at most three more bytes. The block itself is copied once: joining
    it to the carry (a copy of 4 MB per block, and fresh pages every time) cost more than the check."""
    n = len(block)
    if not n:
        if carry:
            _utf8_or_raise(carry)
        return b""
    start = 0
    if carry:  # the carried character ends where the block's first character starts
        start = next((i for i in range(min(n, 4)) if block[i] & 0xC0 != 0x80), -1)
        if start < 0:
            joined = carry + block.tobytes()
            if len(joined) <= 4:  # a tiny block: the character may go on in the next one
                return joined
            _utf8_or_raise(joined)  # more than 4 bytes without a character start: raises
            return b""
        _utf8_or_raise(carry + block[:start].tobytes())
    # The last byte that starts a character (not 10xxxxxx) among the last four: a character may be cut there.
    cut = next((i for i in range(n - 1, max(n - 5, start - 1), -1) if block[i] & 0xC0 != 0x80), n)
    if cut > start:
        _utf8_or_raise(block[start:cut].tobytes())
    return block[cut:].tobytes()


def _utf8_or_raise(data: bytes) -> None:
    try:
        pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:
        raise UnicodeError("not valid UTF-8") from None


@dataclass(frozen=True)
class _RaggedRow:
    expected: int
    actual: int


def _iter_csv(p: Path, info: DatasetInfo, batch_rows: int, first_rows: int) -> Iterator[tuple[pl.DataFrame, int]]:
    assert info.encoding is not None and info.delimiter is not None
    layout = _sniff_csv(p, info.bytes, info.encoding, info.delimiter)
    n = len(info.columns)
    if len(layout.header) != n:
        raise InputError(p, "the file changed since it was opened")
    internal = [f"c{i}" for i in range(n)]
    # The header is read as an ordinary row and dropped: pyarrow's skip_rows is not quote-aware.
    discard = layout.leading_blank + 1
    pulled = 0  # rows received from pyarrow, across restarts
    # A reader asked for a few rows (the registration sample) parses one small block, not 4 MiB of them.
    block = _BLOCK if batch_rows >= 1000 else _BLOCK >> 4
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    yielded = 0  # frames handed out: the first has ``first_rows`` rows
    while True:
        ragged: list[_RaggedRow] = []

        def on_invalid(row: pacsv.InvalidRow, ragged: list[_RaggedRow] = ragged) -> str:
            ragged.append(_RaggedRow(row.expected_columns, row.actual_columns))
            return "error"

        utf8 = info.encoding.startswith("utf-8")
        # Another encoding is transcoded by Python's codec, whose output is valid UTF-8.
        source = _CountingReader(open(p, "rb", buffering=0), check_utf8=utf8)  # noqa: SIM115 - closed in finally
        skip = pulled  # after a restart, rows already received are skipped
        reader: pacsv.CSVStreamingReader | None = None
        read_to_end = False
        try:
            reader = pacsv.open_csv(
                source,
                read_options=pacsv.ReadOptions(
                    block_size=block,
                    use_threads=True,
                    column_names=internal,
                    encoding="utf8" if utf8 else info.encoding,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=info.delimiter,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=n > 1,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in internal},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    check_utf8=False,  # checked by the source (see _CountingReader)
                ),
            )
            for rb in reader:
                if skip:
                    cut = min(skip, rb.num_rows)
                    skip -= cut
                    rb = rb.slice(cut)
                pulled += rb.num_rows
                if discard:
                    cut = min(discard, rb.num_rows)
                    discard -= cut
                    rb = rb.slice(cut)
                if rb.num_rows == 0:
                    continue
                pending.append(rb)
                pending_rows += rb.num_rows
                while pending_rows >= (want := first_rows if yielded == 0 else batch_rows):
                    table = pa.Table.from_batches(pending)
                    yield _frame(table.slice(0, want), info.columns), source.count
                    yielded += 1
                    rest = table.slice(want)
                    pending, pending_rows = rest.to_batches(), rest.num_rows
            read_to_end = True
            break
        except pa.ArrowInvalid as e:
            if ragged:
                raise _ragged_error(p, layout, ragged[0]) from None
            msg = str(e)
            if "straddl" in msg and block < _BLOCK_MAX:
                block *= 4  # a record larger than a block: restart with bigger blocks
                continue
            if "straddl" in msg:
                raise InputError(
                    p,
                    f"a row after data row {max(pulled - 1, 0)} is larger than {_BLOCK_MAX >> 20} MB, "
                    "or a quote is never closed",
                ) from None
            if "UTF8" in msg or "UTF-8" in msg:
                raise _encoding_error(p, info.encoding) from None
            raise InputError(p, f"cannot parse the CSV after data row {max(pulled - 1, 0)}") from None
        except UnicodeError:
            raise _encoding_error(p, info.encoding) from None
        except OSError as e:
            raise InputError(p, f"cannot read: {_why(e)}") from None
        finally:
            if reader is not None and not read_to_end:
                _abandon(reader, source)
            source.close()
    if pending_rows:
        yield _frame(pa.Table.from_batches(pending), info.columns), info.bytes


def _abandon(reader: pacsv.CSVStreamingReader, source: _CountingReader) -> None:
    """Let go of a CSV reader left before its end (a caller that wanted the first rows only, an error).

    pyarrow reads ahead on a thread of its own, which calls ``source.readinto`` under the GIL. Dropping the reader
    while that thread waits for the GIL deadlocks; a thread still reading when the interpreter exits aborts it. So
    the source ends the file here, and the reader is read to that end (the few blocks it had read ahead), which
    waits for its thread without holding the GIL."""
    source.stopped = True
    with contextlib.suppress(Exception):  # StopIteration at the end; a row cut by the early end: ArrowInvalid
        while True:
            reader.read_next_batch()
    # A read that began before the stop may still be finishing on pyarrow's thread (when the parser stopped at an
    # error): wait for it to leave Python, then a moment for the thread to hand the GIL back.
    deadline = time.monotonic() + 10
    while source.busy and time.monotonic() < deadline:
        time.sleep(0.001)
    reader.close()
    time.sleep(0.005)


def _frame(table: pa.Table, columns: Sequence[str]) -> pl.DataFrame:
    """One chunk per column: a CSV batch arrives as the 7-8 record batches of its read blocks, and every later
    gather, ``to_numpy`` and Arrow export of a chunked column joins it again. Joining once here costs less than
    it saves (1M rows with free text, six in-process scans each, alternating: 2.37 -> 2.23 s, 3.91 -> 3.77 CPU-s;
    ``run`` without free text within the noise)."""
    df = pl.from_arrow(table.rename_columns(list(columns)))
    assert isinstance(df, pl.DataFrame)
    return df.rechunk()


def _iter_parquet(p: Path, info: DatasetInfo, batch_rows: int) -> Iterator[tuple[pl.DataFrame, int]]:
    pf = _parquet_file(p)
    names = list(info.columns)
    types = pf.schema_arrow.types
    done = 0
    try:
        for rb in pf.iter_batches(batch_size=batch_rows):
            arrays = [_as_text(p, rb.column(i), types[i], names[i], done) for i in range(len(names))]
            table = pa.Table.from_arrays(arrays, names=names)
            done += rb.num_rows
            yield _frame(table, names), done
    except InputError:
        raise
    except (OSError, pa.ArrowException) as e:
        raise InputError(p, f"not a readable Parquet file: {_parquet_reason(e)} (after row {done})") from None
    finally:
        pf.close()


def _as_text(p: Path, arr: pa.Array, t: pa.DataType, name: str, offset: int) -> pa.Array:
    """A Parquet column as strings: ints and integral floats as digits, times as ISO text, binary as UTF-8."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if isinstance(arr.type, pa.ExtensionType):
        arr = arr.storage
    at = arr.type
    if pa.types.is_string(at) or pa.types.is_large_string(at) or pa.types.is_string_view(at):
        return arr
    import pyarrow.compute as pc

    if pa.types.is_floating(at):
        wide = arr.cast(pa.float64())
        whole = pc.and_(pc.is_finite(wide), pc.equal(pc.floor(wide), wide))
        whole = pc.fill_null(pc.and_(whole, pc.less_equal(pc.abs(wide), 2.0**53)), False)
        digits = pc.if_else(whole, wide, 0.0).cast(pa.int64()).cast(pa.string())
        return pc.if_else(whole, digits, arr.cast(pa.string()))
    if pa.types.is_timestamp(at):
        return pc.replace_substring(arr.cast(pa.string()), " ", "T", max_replacements=1)
    if (
        pa.types.is_binary(at)
        or pa.types.is_large_binary(at)
        or pa.types.is_fixed_size_binary(at)
        or pa.types.is_binary_view(at)
    ):
        try:
            return arr.cast(pa.string())
        except pa.ArrowInvalid:
            row = next((i for i, v in enumerate(arr.to_pylist()) if v is not None and not _is_utf8(v)), 0)
            raise InputError(
                p, f"column '{name}' row {offset + row + 1} holds binary data that is not UTF-8 text"
            ) from None
    try:
        return arr.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        raise InputError(p, f"column '{name}' has type {_short_type(t)}, which cannot be converted to text") from None


def _is_utf8(v: bytes) -> bool:
    try:
        v.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ----------------------------------------------------- locating a problem (error path only: slow but exact)


def _ragged_error(p: Path, layout: _CsvLayout, row: _RaggedRow) -> InputError:
    n = len(layout.header)
    found = _locate_ragged(p, layout)
    if found is None:
        return InputError(p, f"a data row has {row.actual} fields but the header has {n}")
    line, fields, to_eof = found
    if fields is None:
        return InputError(p, f"line {line}: a quoted field is never closed, or is larger than {_BLOCK_MAX >> 20} MB")
    hint = " (possibly a quote that is never closed)" if to_eof else ""
    return InputError(
        p,
        f"line {line} has {fields} field{'s' if fields != 1 else ''} but the header has {n}{hint}; "
        "values would land in the wrong columns",
    )


def _locate_ragged(p: Path, layout: _CsvLayout) -> tuple[int, int | None, bool] | None:
    """(first line, field count, reaches EOF) of the first record whose count differs from the header's."""
    n = len(layout.header)
    try:
        with (
            _csv_field_limit(_BLOCK_MAX),
            open(p, encoding=layout.encoding, newline="", errors="strict") as f,
        ):
            reader = csv.reader(f, delimiter=layout.delimiter, quotechar='"', strict=False)
            prev = 0
            seen_header = False
            try:
                for rec in reader:
                    start, prev = prev + 1, reader.line_num
                    if not rec:
                        continue
                    if not seen_header:
                        seen_header = True
                        continue
                    if len(rec) != n:
                        spans = reader.line_num > start
                        return start, len(rec), spans and next(reader, None) is None
            except csv.Error:
                return prev + 1, None, True
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _encoding_error(p: Path, enc: str) -> InputError:
    """Find the first undecodable byte (and its line) and say which encoding would fit there."""
    try:
        with open(p, "rb") as f:
            buf = b""
            offset = 0  # file offset of buf[0]
            lines = 1
            while True:
                chunk = f.read(_CHUNK)
                buf += chunk
                # Decode whole lines only: a newline byte is never inside a multi-byte character.
                cut = len(buf) if not chunk else max(buf.rfind(b"\n"), buf.rfind(b"\r")) + 1
                if cut == 0 and len(buf) < _BLOCK_MAX:
                    continue
                part = buf[:cut] if cut else buf
                try:
                    part.decode(enc if offset == 0 else enc.replace("-sig", ""))
                except UnicodeDecodeError as e:
                    bad = offset + e.start
                    line = lines + part.count(b"\n", 0, e.start)
                    return InputError(p, _bad_bytes_problem(enc, bad, _guess_near(f, bad, enc), line))
                if not chunk:
                    break
                lines += part.count(b"\n")
                offset += len(part)
                buf = buf[len(part) :]
    except OSError as e:
        return InputError(p, f"cannot read: {_why(e)}")
    return InputError(p, f"holds text that is not valid {enc}")


def _guess_near(f: BinaryIO, bad: int, enc: str) -> str | None:
    start = max(bad - _WINDOW // 2, 0)
    f.seek(start)
    win = f.read(_WINDOW)
    first = win.find(b"\n") + 1 if start else 0
    return _guess_encoding([(start + first, _cut_at_last_newline(win[first:]), False)], exclude=enc)


# ------------------------------------------------------------------------------------------- writing


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        raise InputError(p, "file not found") from None
    except OSError as e:
        raise InputError(p, f"cannot read: {_why(e)}") from None


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


@contextlib.contextmanager
def atomic_output(final_path: str | Path, protect: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a hidden temporary path next to ``final_path``; rename it there on success, delete it on error.

    Refuses (OutputError) when ``final_path`` is, or links to, one of the ``protect`` files.
    """
    final = Path(final_path)
    for q in protect:
        if _same_file(final, Path(q)):
            raise OutputError(final, "refusing to overwrite an input file; choose another output path")
    if final.is_dir():
        raise OutputError(final, "is a directory; give a file name")
    parent = final.parent
    if not parent.is_dir():
        raise OutputError(final, "the output folder does not exist")
    tmp = _create_temp(final)
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    try:
        os.replace(tmp, final)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(final, f"cannot move the finished file into place: {_why(e)}") from None


def _create_temp(final: Path) -> Path:
    for _ in range(100):
        tmp = final.with_name(f".{final.name}.tmp-{secrets.token_hex(4)}")
        try:
            # O_EXCL: never reuse someone else's file; mode 0o666 so the umask applies as for any new file.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise OutputError(final, f"cannot write in the output folder: {_why(e)}") from None
        os.close(fd)
        return tmp
    raise OutputError(final, "cannot create a temporary file in the output folder")


def write_batches(
    batches: Iterable[pl.DataFrame],
    final_path: str | Path,
    fmt: str,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    protect: Iterable[str | Path] = (),
    columns: Sequence[str] = (),
    digest: Any = None,
    types: Mapping[str, pa.DataType] | None = None,
) -> int:
    """Write batches atomically to ``final_path`` as CSV (header once) or Parquet (string columns, but those in
    ``types`` in that type: columns left as they were in a Parquet input, see :func:`parquet_types`).

    Returns the number of rows written. ``digest`` (a ``hashlib`` object, CSV only) is updated with every byte
    written, so that the file's hash needs no second read.

    ``columns`` gives the header or schema when no batch arrives. ``encoding`` and ``delimiter`` apply to CSV;
    a character the encoding cannot represent raises OutputError naming its row and column.
    """
    final = Path(final_path)
    if fmt not in ("csv", "parquet"):
        raise ConfigError(None, f"unknown output format {fmt!r}; use csv or parquet")
    enc = normalize_encoding(encoding)
    if len(delimiter) != 1:
        raise ConfigError(None, "a delimiter must be one character")
    with atomic_output(final, protect) as tmp:
        try:
            if fmt == "csv":
                return _write_csv(batches, tmp, final, enc, delimiter, columns, digest)
            return _write_parquet(batches, tmp, final, columns, types or {})
        except OSError as e:
            raise OutputError(final, f"cannot write: {_why(e)}") from None


def _as_strings(df: pl.DataFrame, expected: list[str] | None, final: Path, index: int) -> pl.DataFrame:
    if expected is not None and df.columns != expected:
        raise OutputError(final, f"batch {index + 1} has different columns from the first batch")
    if all(dt == pl.String for dt in df.dtypes):
        return df
    return df.select(pl.all().cast(pl.String))


def _cast_back(text: pa.ChunkedArray, t: pa.DataType, final: Path, name: str) -> pa.ChunkedArray | None:
    """``text`` in type ``t`` if that gives back exactly the same text (see :func:`_as_text`), else None."""
    try:
        typed = text.cast(t)
        return typed if _as_text(final, typed, t, name, 0).equals(text) else None
    except (pa.ArrowException, InputError):
        return None


def _typed(table: pa.Table, schema: pa.Schema, final: Path) -> pa.Table:
    """The batch's text in the schema's types, each column checked to give back exactly the text it was made from."""
    arrays = []
    for i, field in enumerate(schema):
        text = table.column(i)
        typed = text if field.type == pa.string() else _cast_back(text, field.type, final, field.name)
        if typed is None:  # not expected: the first batch came back, and the reader made all the text from this type
            raise OutputError(final, f"column '{field.name}' cannot be written back as {_short_type(field.type)}")
        arrays.append(typed)
    return pa.Table.from_arrays(arrays, schema=schema)


class _HashingWriter(io.RawIOBase):
    """A write-only file that hashes what passes through it."""

    def __init__(self, f: BinaryIO, digest: Any) -> None:
        self._f, self._digest = f, digest

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self._digest.update(b)
        return self._f.write(b)


def _write_csv(
    batches: Iterable[pl.DataFrame],
    tmp: Path,
    final: Path,
    enc: str,
    delimiter: str,
    columns: Sequence[str],
    digest: Any = None,
) -> int:
    rows = 0
    expected: list[str] | None = None
    with open(tmp, "wb") as raw:
        out: Any = raw if digest is None else _HashingWriter(raw, digest)
        if enc == "utf-8-sig":
            out.write(codecs.BOM_UTF8)
        for i, df in enumerate(batches):
            df = _as_strings(df, expected, final, i)
            header = expected is None
            if enc.startswith("utf-8"):
                df.write_csv(out, include_header=header, separator=delimiter, null_value="")
            else:
                text = df.write_csv(None, include_header=header, separator=delimiter, null_value="")
                try:
                    out.write(text.encode(enc))
                except UnicodeEncodeError:
                    raise _unencodable(final, df, enc, rows) from None
            expected = df.columns
            rows += df.height
        if expected is None and columns:
            empty = pl.DataFrame(schema={c: pl.String for c in columns})
            try:
                out.write(empty.write_csv(None, separator=delimiter).encode(enc.replace("-sig", "")))
            except UnicodeEncodeError:
                raise _unencodable(final, empty, enc, 0) from None
    return rows


def _unencodable(final: Path, df: pl.DataFrame, enc: str, offset: int) -> OutputError:
    """Which cell (by position, never by value) the encoding cannot represent."""
    advice = "write utf-8 or gb18030 instead"
    for j, name in enumerate(df.columns, 1):
        if not _encodable(name, enc):
            return OutputError(final, f"the name of column {j} cannot be written in {enc}; {advice}")
    for name in df.columns:
        for row, v in enumerate(df.get_column(name).to_list(), offset + 1):
            if v is not None and not _encodable(v, enc):
                return OutputError(final, f"column '{name}' row {row} has a character {enc} cannot encode; {advice}")
    return OutputError(final, f"a character cannot be encoded in {enc}; {advice}")


def _encodable(s: str, enc: str) -> bool:
    try:
        s.encode(enc)
    except UnicodeEncodeError:
        return False
    return True


def _write_parquet(
    batches: Iterable[pl.DataFrame], tmp: Path, final: Path, columns: Sequence[str], types: Mapping[str, pa.DataType]
) -> int:
    import pyarrow.parquet as pq

    rows = 0
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    try:
        for i, df in enumerate(batches):
            df = _as_strings(df, schema.names if schema is not None else None, final, i)
            table = df.to_arrow().cast(pa.schema([(c, pa.string()) for c in df.columns]))
            if schema is None:
                # A type the first batch does not come back in (a cast pyarrow lacks) is written as text throughout.
                back = {c: _cast_back(table[c], t, final, c) for c, t in types.items() if c in df.columns}
                types = {c: t for c, t in types.items() if back.get(c) is not None}
                schema = pa.schema([(c, types.get(c, pa.string())) for c in df.columns])
                writer = pq.ParquetWriter(tmp, schema)
                if types:
                    table = pa.Table.from_arrays(
                        [back[c] if c in types else table[c] for c in df.columns], schema=schema
                    )
            elif types:
                table = _typed(table, schema, final)
            assert writer is not None
            writer.write_table(table)
            rows += df.height
        if writer is None:
            schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
            writer = pq.ParquetWriter(tmp, schema)
    finally:
        if writer is not None:
            writer.close()
    return rows
