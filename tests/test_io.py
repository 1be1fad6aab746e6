"""screening.io: sniffing, streaming reads, bad input and atomic writes. Synthetic data only."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import io as io_module
from screening.errors import ConfigError, InputError, OutputError
from screening.io import (
    atomic_output,
    iter_batches,
    normalize_encoding,
    open_source,
    progress_total,
    sha256_file,
    unique_names,
    write_batches,
)

# A value that must never appear in an error message.
SECRET = "13900001111"


def put(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return p


def read(path: Path, batch_rows: int = 100_000, **kw: str) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    info = open_source(path, **kw)
    frames = list(iter_batches(info, batch_rows=batch_rows))
    return pl.concat(frames), frames


def input_error(path: Path, **kw: str) -> str:
    """The one-line message of the InputError that reading ``path`` raises."""
    with pytest.raises(InputError) as exc:
        read(path, **kw)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    assert SECRET not in msg
    return msg


# --------------------------------------------------------------------------------------------- encodings

TEXT = "姓名,手机号,备注\n张三,13800000000,住在北京\n李四,013800000001,\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gbk"),
        # '𠀀' and '㐀' are outside GBK: only GB18030 encodes them (as four bytes).
        (TEXT.replace("住在北京", "𠀀㐀").encode("gb18030"), "gb18030"),
    ],
)
def test_encoding_is_detected(tmp_path: Path, data: bytes, expected: str) -> None:
    p = put(tmp_path, "people.csv", data)
    info = open_source(p)
    assert info.encoding == expected
    assert info.columns == ("姓名", "手机号", "备注")  # no BOM left in the first name
    df, _ = read(p)
    assert df["姓名"].to_list() == ["张三", "李四"]
    assert df["手机号"].to_list() == ["13800000000", "013800000001"]
    assert df["备注"][0] in ("住在北京", "𠀀㐀")
    assert df["备注"][1] is None


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("utf8", "utf-8"), ("UTF-8", "utf-8"), ("UTF8-SIG", "utf-8-sig"), ("cp936", "gbk"), ("GB2312", "gbk")],
)
def test_encoding_aliases(alias: str, canonical: str) -> None:
    assert normalize_encoding(alias) == canonical


def test_encoding_override_alias_reads_gbk(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", TEXT, "gbk")
    assert open_source(p, encoding="cp936").encoding == "gbk"


def test_unsupported_encoding_is_a_config_error(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", TEXT)
    with pytest.raises(ConfigError, match="unsupported encoding 'latin-1'"):
        open_source(p, encoding="latin-1")


def test_utf8_override_on_gbk_file_suggests_gbk(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", TEXT, "gbk")
    p = put(tmp_path, "b.csv", "id,name\n1," + TEXT, "gbk")  # ASCII header, so the bad byte is further in
    msg = input_error(p, encoding="utf-8")
    assert "not valid utf-8 at byte 10; the file looks like gbk, try --encoding gbk" in msg


def test_gbk_override_on_utf8_file_is_refused(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", TEXT)
    assert "try --encoding utf-8" in input_error(p, encoding="gbk")


def test_gbk_override_trusted_when_utf8_validity_may_be_chance(tmp_path: Path) -> None:
    # b"\xc4\xa3" is one GBK character that is also valid UTF-8; a short GBK file may look like UTF-8.
    p = put(tmp_path, "a.csv", b"id,name\n1,\xc4\xa3\n")
    assert open_source(p, encoding="gbk").encoding == "gbk"
    assert read(p, encoding="gbk")[0]["name"].to_list() == [b"\xc4\xa3".decode("gbk")]


def test_utf8_override_on_bom_file_drops_the_bom(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", TEXT, "utf-8-sig")
    info = open_source(p, encoding="utf-8")
    assert info.encoding == "utf-8-sig"
    assert info.columns[0] == "姓名"


def test_bad_bytes_beyond_the_sample_name_byte_and_line(tmp_path: Path) -> None:
    # ~1.5 MB of ASCII first, so detection (head, middle and tail samples) sees only valid UTF-8.
    head = b"id,value\n" + b"0001,abc\n" * 170_000
    data = head + b"0002,\xff\xfe\n" + b"0003,abc\n" * 400_000
    p = put(tmp_path, "late.csv", data)
    assert open_source(p).encoding == "utf-8"
    msg = input_error(p)
    assert f"not valid utf-8 at byte {len(head) + 5} (line 170002)" in msg


@pytest.mark.parametrize("bad", [b"\xc0\x80", b"\xed\xa0\x80", b"\xe4\xb8", b"\x80", b"\xf4\x90\x80\x80"])
def test_bad_sequences_far_into_a_cjk_file_are_refused(tmp_path: Path, bad: bytes) -> None:
    # Overlong, surrogate, cut and stray bytes after ~5 MB of CJK text (more than one read block, between the
    # sampled windows): the reader checks every block it reads, not only the samples.
    head = b"id,remark\n" + "0001,中文备注，内容\n".encode() * 180_000
    p = put(tmp_path, "late.csv", head + b"0002,x" + bad + b"y\n" + "0003,中文\n".encode() * 20_000)
    assert open_source(p).encoding == "utf-8"
    assert "not valid utf-8 at byte" in input_error(p)


def _check_in_blocks(data: bytes, sizes: list[int]) -> None:
    carry, at = b"", 0
    for size in [*sizes, len(data)]:
        carry = io_module._check_utf8(carry, memoryview(data[at : at + size]))
        at += size
    assert io_module._check_utf8(carry, memoryview(b"")) == b""


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("a,\n中文𠀀éß€"), max_size=40),
    st.lists(st.integers(1, 9), max_size=12),  # (a read of 0 bytes is the end of the file)
    st.integers(0, 60),
    st.sampled_from([b"\xc0\x80", b"\xed\xa0\x80", b"\xe4\xb8", b"\x80", b"\xf4\x90\x80\x80", b"\xff"]),
)
def test_utf8_check_in_any_blocks_agrees_with_decode(text: str, sizes: list[int], at: int, bad: bytes) -> None:
    data = text.encode()
    _check_in_blocks(data, sizes)  # characters cut by block ends anywhere: whole text
    at = min(at, len(data))
    broken = data[:at] + bad + data[at:]
    try:
        broken.decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(UnicodeError):
            _check_in_blocks(broken, sizes)
    else:  # the bad bytes completed a character cut at ``at``
        _check_in_blocks(broken, sizes)


# -------------------------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    # Every row holds the other candidates inside a quoted field, so only quote-aware counting works.
    others = "".join(d for d in ",\t;|" if d != delimiter)
    rows = ["a", "b", "c"], ["1", f'"x{others}y"', "3"], ["4", "5", "6"], ["7", f'"{others}"', "9"]
    p = put(tmp_path, "d.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    info = open_source(p)
    assert info.delimiter == delimiter
    df, _ = read(p)
    assert df.columns == ["a", "b", "c"]
    assert df["b"].to_list() == [f"x{others}y", "5", others]


def test_single_column_file(tmp_path: Path) -> None:
    p = put(tmp_path, "one.txt", "备注\n你好\n\n再见\n")
    info = open_source(p)
    assert info.columns == ("备注",)
    assert info.delimiter == ","
    df, _ = read(p)
    assert df["备注"].to_list() == ["你好", None, "再见"]  # one column: a blank line is an empty value


def test_delimiter_override(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", "a;b,c\n1;2,3\n")
    assert open_source(p, delimiter=";").columns == ("a", "b,c")


def test_tsv_extension_prefers_tab(tmp_path: Path) -> None:
    p = put(tmp_path, "a.tsv", "a\tb,c\n1\t2,3\n")
    assert open_source(p).delimiter == "\t"


# ------------------------------------------------------------------------------------------ CSV structure


def test_quoted_newlines_and_crlf(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", 'id,addr\r\n1,"北京市\r\n朝阳区"\r\n2,"say ""hi"""\r\n3,plain\r\n')
    df, _ = read(p)
    assert df["addr"].to_list() == ["北京市\r\n朝阳区", 'say "hi"', "plain"]
    assert df["id"].to_list() == ["1", "2", "3"]  # no stray \r


def test_cr_only_line_endings(tmp_path: Path) -> None:
    df, _ = read(put(tmp_path, "a.csv", "a,b\r1,2\r3,4\r"))
    assert df.rows() == [("1", "2"), ("3", "4")]


def test_every_column_is_text_and_leading_zeros_stay(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", "phone,card,amount\n013800000000,0012,1.50\n13800000000,12,2\n")
    df, _ = read(p)
    assert df.schema == pl.Schema({"phone": pl.String, "card": pl.String, "amount": pl.String})
    assert df.row(0) == ("013800000000", "0012", "1.50")


def test_empty_fields_are_null(tmp_path: Path) -> None:
    df, _ = read(put(tmp_path, "a.csv", 'a,b,c\n1,,""\n,NULL,x\n'))
    assert df.rows() == [("1", None, None), (None, "NULL", "x")]


def test_header_only_gives_one_empty_frame(tmp_path: Path) -> None:
    for data in ("a,b\n", "a,b"):
        _, frames = read(put(tmp_path, "h.csv", data))
        assert len(frames) == 1
        assert frames[0].height == 0
        assert frames[0].schema == pl.Schema({"a": pl.String, "b": pl.String})


def test_batches_are_bounded(tmp_path: Path) -> None:
    lines = "".join(f"{i:06d},x{i}\n" for i in range(2500))
    df, frames = read(put(tmp_path, "a.csv", "id,v\n" + lines), batch_rows=1000)
    assert [f.height for f in frames] == [1000, 1000, 500]
    assert df["id"].to_list() == [f"{i:06d}" for i in range(2500)]


def test_one_megabyte_cell(tmp_path: Path) -> None:
    big = "长" * 400_000  # 1.2 MB in UTF-8
    df, _ = read(put(tmp_path, "a.csv", f'id,text\n1,"{big}"\n2,short\n'))
    assert df["text"].to_list() == [big, "short"]


def test_cell_larger_than_a_read_block(tmp_path: Path) -> None:
    big = "x" * 5_000_000  # bigger than the reader's blocks (256 KiB for a few rows, else 4 MiB): it restarts
    df, frames = read(put(tmp_path, "a.csv", f"id,text\n0,a\n1,{big}\n2,b\n"), batch_rows=1)
    assert [f.height for f in frames] == [1, 1, 1]
    assert df["id"].to_list() == ["0", "1", "2"]
    assert df["text"].str.len_chars().to_list() == [1, 5_000_000, 1]


def test_duplicate_and_empty_header_names(tmp_path: Path) -> None:
    info = open_source(put(tmp_path, "a.csv", "name,name,,phone, ,name_2\n1,2,3,4,5,6\n"))
    assert info.columns == ("name", "name_3", "column_3", "phone", "column_5", "name_2")
    assert info.notes == (
        "column 2 repeats the name 'name'; it is called 'name_3'",
        "column 3 has no name; it is called 'column_3'",
        "column 5 has no name; it is called 'column_5'",
    )
    df, _ = read(Path(info.path))
    assert df.columns == list(info.columns)
    assert df.row(0) == ("1", "2", "3", "4", "5", "6")


def test_unique_names_avoid_collisions() -> None:
    assert unique_names(["a", "a", "a", "column_2", ""]) == (
        ("a", "a_2", "a_3", "column_2", "column_5"),
        (
            "column 2 repeats the name 'a'; it is called 'a_2'",
            "column 3 repeats the name 'a'; it is called 'a_3'",
            "column 5 has no name; it is called 'column_5'",
        ),
    )


# --------------------------------------------------------------------------------------------- ragged rows


@pytest.mark.parametrize(
    ("bad_row", "fields"),
    [(f"3,{SECRET},extra", 3), (SECRET, 1)],
    ids=["more-fields", "fewer-fields"],
)
def test_ragged_row_names_the_line(tmp_path: Path, bad_row: str, fields: int) -> None:
    # The quoted newline makes line numbers differ from row numbers: the message names the physical line.
    p = put(tmp_path, "a.csv", f'id,phone\n1,"multi\nline"\n2,13800000000\n{bad_row}\n4,13800000002\n')
    msg = input_error(p)
    assert f"line 5 has {fields} field{'s' if fields > 1 else ''} but the header has 2" in msg


def test_ragged_row_far_into_the_file(tmp_path: Path) -> None:
    rows = "".join(f"{i},13800000000\n" for i in range(300_000))
    p = put(tmp_path, "a.csv", "id,phone\n" + rows + SECRET + "\n" + rows)
    assert "line 300002 has 1 field but the header has 2" in input_error(p)


def test_unclosed_quote(tmp_path: Path) -> None:
    msg = input_error(put(tmp_path, "a.csv", f'id,phone\n1,2\n"{SECRET},3\n4,5\n'))
    assert "line 3" in msg
    assert "quote" in msg


# ---------------------------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path: Path) -> None:
    assert input_error(tmp_path / "nope.csv").endswith("file not found")


def test_directory(tmp_path: Path) -> None:
    d = tmp_path / "data.csv"
    d.mkdir()
    assert "is a directory" in input_error(d)


def test_empty_file(tmp_path: Path) -> None:
    assert "empty (0 bytes)" in input_error(put(tmp_path, "a.csv", b""))


def test_a_file_of_only_a_byte_order_mark_is_empty(tmp_path: Path) -> None:
    assert input_error(put(tmp_path, "a.csv", b"\xef\xbb\xbf")).endswith(
        "file is empty (nothing but a byte-order mark)"
    )


@pytest.mark.parametrize("data", [b'"name,phone\n1,13812345678\n', b'"name\n', b'a,"b\n1,2\n'])
def test_a_header_quote_never_closed_is_an_error_not_an_empty_table(tmp_path: Path, data: bytes) -> None:
    assert "a quote in the header row is never closed" in input_error(put(tmp_path, "a.csv", data))


@pytest.mark.parametrize(
    ("data", "columns"),
    [
        ('"name","phone"\n"x,y",13812345678\n', ["name", "phone"]),
        ('"a\nb",c\n1,2\n', ["a\nb", "c"]),
        ("name\n", ["name"]),
    ],
)
def test_quoted_headers_that_close_are_read(tmp_path: Path, data: str, columns: list[str]) -> None:
    df, _ = read(put(tmp_path, "a.csv", data))
    assert df.columns == columns


def test_unsupported_extension(tmp_path: Path) -> None:
    assert "unsupported file type .xlsx" in input_error(put(tmp_path, "a.xlsx", b"a,b\n"))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (bytes(range(256)) * 40, "binary"),  # NUL bytes
        (bytes(range(0x80, 0x100)) * 40, "binary"),  # no NUL, undecodable in every candidate
        (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10" * 100, "binary"),  # decodable control characters
        (b"PK\x03\x04" + b"x" * 100, "Excel"),
        ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
        ("name,city\nJosé,Málaga\nRenée,Orléans\n".encode("latin-1"), "is text in an encoding other than"),
        (b"PAR1" + b"\x00" * 100, "Parquet"),
    ],
    ids=["nul", "high-bytes", "controls", "zip", "utf16", "latin1", "parquet-named-csv"],
)
def test_binary_garbage(tmp_path: Path, data: bytes, problem: str) -> None:
    assert problem in input_error(put(tmp_path, "garbage.csv", data))


def test_input_file_is_never_modified(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", TEXT, "gbk")
    os.utime(p, (1_600_000_000, 1_600_000_000))
    before = (p.read_bytes(), p.stat().st_mtime_ns)
    read(p)
    progress_total(open_source(p))
    sha256_file(p)
    assert (p.read_bytes(), p.stat().st_mtime_ns) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.csv"]  # no temporary files either


def test_file_changed_after_open(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", "a,b\n1,2\n")
    info = open_source(p)
    p.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(InputError, match="changed since it was opened"):
        list(iter_batches(info))


# ------------------------------------------------------------------------------------------------ Parquet


def test_parquet_columns_become_text(tmp_path: Path) -> None:
    p = tmp_path / "a.parquet"
    table = pa.table(
        {
            "phone": pa.array([13812345678, None], pa.int64()),
            "float_id": pa.array([13812345678.0, 1.5]),
            "day": pa.array([dt.date(2024, 1, 2), None]),
            "at": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), None], pa.timestamp("s")),
            "raw": pa.array(["备注".encode(), None], pa.binary()),
            "flag": pa.array([True, False]),
            "city": pa.array(["北京", "上海"]).dictionary_encode(),
            "amount": pa.array([12, -3], pa.int8()),
        }
    )
    pq.write_table(table, p)
    info = open_source(p)
    assert info.format == "parquet"
    assert info.encoding is None
    df, _ = read(p)
    assert all(t == pl.String for t in df.dtypes)
    assert df.row(0) == (
        "13812345678",
        "13812345678",
        "2024-01-02",
        "2024-01-02T03:04:05.000",
        "备注",
        "true",
        "北京",
        "12",
    )
    assert df.row(1) == (None, "1.5", None, None, None, "false", "上海", "-3")


def test_parquet_batches_and_empty(tmp_path: Path) -> None:
    p = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": [f"{i:05d}" for i in range(2500)]}), p, row_group_size=700)
    df, frames = read(p, batch_rows=1000)
    assert max(f.height for f in frames) <= 1000
    assert df["id"].to_list() == [f"{i:05d}" for i in range(2500)]
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.int64())}), empty)
    _, frames = read(empty)
    assert len(frames) == 1
    assert frames[0].height == 0
    assert frames[0].schema == pl.Schema({"id": pl.String})


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        (pa.array([{"a": 1}]), "struct<a: int64>"),
        (pa.array([[1, 2]]), "list<element: int64>"),
        (pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64())), "map<string, int64>"),
    ],
)
def test_parquet_nested_column(tmp_path: Path, column: pa.Array, kind: str) -> None:
    p = tmp_path / "n.parquet"
    pq.write_table(pa.table({"id": ["1"], "x": column}), p)
    msg = input_error(p)
    assert f"column 2 'x' is nested ({kind}); flatten it before screening" in msg


def test_truncated_parquet(tmp_path: Path) -> None:
    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({"phone": [SECRET] * 100}), p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    assert "not a readable Parquet file: no valid footer" in input_error(p)


def test_corrupt_parquet_pages(tmp_path: Path) -> None:
    p = tmp_path / "c.parquet"
    pq.write_table(pa.table({"phone": [SECRET] * 100}), p, compression="none")
    data = bytearray(p.read_bytes())
    data[4:40] = b"\xff" * 36  # the first page header
    p.write_bytes(bytes(data))
    assert "not a readable Parquet file" in input_error(p)


def test_parquet_binary_that_is_not_text(tmp_path: Path) -> None:
    p = tmp_path / "b.parquet"
    pq.write_table(pa.table({"blob": pa.array([b"ok", b"\xff\xfe"], pa.binary())}), p)
    assert "column 'blob' row 2 holds binary data that is not UTF-8 text" in input_error(p)


def test_csv_named_parquet(tmp_path: Path) -> None:
    assert "not a readable Parquet file" in input_error(put(tmp_path, "a.parquet", "a,b\n1,2\n"))


# ----------------------------------------------------------------------------------------------- progress


def test_progress_csv_in_bytes(tmp_path: Path) -> None:
    p = put(tmp_path, "a.csv", "id,v\n" + "".join(f"{i},{i}\n" for i in range(5000)))
    info = open_source(p)
    seen: list[int] = []
    list(iter_batches(info, batch_rows=1000, on_progress=seen.append))
    assert progress_total(info) == p.stat().st_size
    assert seen == sorted(set(seen))
    assert seen[-1] == progress_total(info)


def test_progress_parquet_in_rows(tmp_path: Path) -> None:
    p = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(2500)]}), p, row_group_size=1000)
    info = open_source(p)
    seen: list[int] = []
    list(iter_batches(info, batch_rows=1000, on_progress=seen.append))
    assert seen == [1000, 2000, 2500]
    assert progress_total(info) == 2500


def test_sha256_file(tmp_path: Path) -> None:
    data = os.urandom(3_000_000)
    assert sha256_file(put(tmp_path, "a.bin", data)) == hashlib.sha256(data).hexdigest()


# -------------------------------------------------------------------------------------------- atomic output


def test_atomic_output_renames_on_success(tmp_path: Path) -> None:
    final = tmp_path / "out.csv"
    with atomic_output(final) as tmp:
        assert tmp.parent == tmp_path
        assert re.fullmatch(r"\.out\.csv\.tmp-[0-9a-f]{8}", tmp.name)
        tmp.write_text("done")
        assert not final.exists()
    assert final.read_text() == "done"
    assert [x.name for x in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_output_cleans_up_on_error(tmp_path: Path) -> None:
    final = tmp_path / "out.csv"
    final.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(final) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("boom")
    assert final.read_text() == "old"  # untouched
    assert [x.name for x in tmp_path.iterdir()] == ["out.csv"]  # no temp file left


def test_atomic_output_without_existing_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_output(tmp_path / "out.csv") as tmp:
        tmp.write_text("partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_protects_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = put(tmp_path, "in.csv", "a\n1\n")
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    monkeypatch.chdir(tmp_path / "sub")
    for target in (src, Path("../in.csv"), link, hard):
        with (
            pytest.raises(OutputError, match="refusing to overwrite an input file"),
            atomic_output(target, protect=[src]),
        ):
            pass
    assert src.read_text() == "a\n1\n"


def test_atomic_output_missing_folder(tmp_path: Path) -> None:
    with (
        pytest.raises(OutputError, match="folder does not exist"),
        atomic_output(tmp_path / "no" / "out.csv"),
    ):
        pass


# -------------------------------------------------------------------------------------------- write_batches

TRICKY = pl.DataFrame(
    {
        "手机号": ["013800000000", "13800000001", None],
        "备注": ["含,逗号", '引号"在内', "换行\n在内"],
        "amount": ["1.50", "", "0"],
    }
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_write_csv_round_trip(tmp_path: Path, encoding: str) -> None:
    out = tmp_path / "out.csv"
    batches = [TRICKY.head(2), TRICKY.tail(1)]
    assert write_batches(batches, out, "csv", encoding=encoding) == 3
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    info = open_source(out, encoding=encoding)
    assert info.columns == tuple(TRICKY.columns)
    df, _ = read(out, encoding=encoding)
    # Empty strings come back as null: CSV cannot tell them apart.
    expected = TRICKY.with_columns(pl.col("amount").replace("", None))
    assert df.rows() == expected.rows()


def test_write_gb18030_keeps_characters_outside_gbk(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    write_batches([pl.DataFrame({"名": ["𠀀㐀"]})], out, "csv", encoding="gb18030")
    assert read(out)[0]["名"].to_list() == ["𠀀㐀"]


def test_write_gbk_refuses_unencodable_without_leaking_it(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    batches = [pl.DataFrame({"id": ["1", "2"], "名": ["张三", SECRET + "𠀀"]})]
    with pytest.raises(OutputError) as exc:
        write_batches(batches, out, "csv", encoding="gbk")
    assert "column '名' row 2 has a character gbk cannot encode" in str(exc.value)
    assert SECRET not in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_write_tsv(tmp_path: Path) -> None:
    out = tmp_path / "out.tsv"
    write_batches([TRICKY], out, "csv", delimiter="\t")
    assert out.read_text().splitlines()[0] == "手机号\t备注\tamount"
    assert read(out)[0].columns == TRICKY.columns


def test_write_parquet_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    frames = [TRICKY, TRICKY.with_columns(pl.lit(7).alias("amount"))]  # a non-string column is cast to text
    assert write_batches(frames, out, "parquet") == 6
    table = pq.read_table(out)
    assert table.schema == pa.schema([(c, pa.string()) for c in TRICKY.columns])
    assert table.column("手机号").to_pylist()[:3] == ["013800000000", "13800000001", None]
    assert table.column("amount").to_pylist()[3:] == ["7", "7", "7"]


def test_write_without_batches_uses_columns(tmp_path: Path) -> None:
    write_batches([], tmp_path / "a.csv", "csv", columns=["a", "b"])
    assert (tmp_path / "a.csv").read_text() == "a,b\n"
    write_batches([], tmp_path / "a.parquet", "parquet", columns=["a", "b"])
    assert pq.read_table(tmp_path / "a.parquet").column_names == ["a", "b"]


def test_write_refuses_the_input_and_bad_options(tmp_path: Path) -> None:
    src = put(tmp_path, "in.csv", "a\n1\n")
    with pytest.raises(OutputError, match="refusing"):
        write_batches(iter_batches(open_source(src)), src, "csv", protect=[src])
    assert src.read_text() == "a\n1\n"
    with pytest.raises(ConfigError, match="unknown output format"):
        write_batches([], tmp_path / "a.xlsx", "xlsx")


def test_reader_error_mid_write_leaves_no_output(tmp_path: Path) -> None:
    rows = "".join(f"{i},13800000000\n" for i in range(300_000))
    src = put(tmp_path, "in.csv", "id,phone\n" + rows + "1,2,3\n")
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match="line 300002 has 3 fields"):
        write_batches(iter_batches(open_source(src), batch_rows=10_000), out, "csv", protect=[src])
    assert sorted(x.name for x in tmp_path.iterdir()) == ["in.csv"]


_LEAVE_EARLY = """
import sys, time
from pathlib import Path
from screening import io

slow = io._CountingReader.readinto
def readinto(self, b):  # a slow disk: pyarrow's read-ahead thread is inside a read when the reader is left
    time.sleep(0.02)
    return slow(self, b)
io._CountingReader.readinto = readinto
batches = io.iter_batches(io.open_source(Path(sys.argv[1])), batch_rows=1000)
print(next(batches).height)
batches.close()
print("closed")
"""


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_reader_left_before_the_end_neither_hangs_nor_aborts(tmp_path: Path, encoding: str) -> None:
    """A caller that wants only the first rows (the registration sample) closes the reader while pyarrow's
    read-ahead thread is still calling back into Python: that deadlocked, or aborted the interpreter at exit."""
    rows = 300_000
    path = tmp_path / "big.csv"
    pl.DataFrame({"编号": [f"{i:012d}" for i in range(rows)], "备注": ["已回访客户"] * rows}).write_csv(path)
    if encoding == "gbk":
        path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    for _ in range(3):  # the abort at exit was a race: about one run in two
        _leave_early(path)


def _leave_early(path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _LEAVE_EARLY, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=path.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split() == ["1000", "closed"]


def test_a_reader_left_mid_character_reports_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaving a reader ends its file where the reading stopped. When that was inside a UTF-8 character of a field
    before the last, the short row reached pyarrow's invalid-row handler as bytes it could not decode, and
    ``screening run`` printed "Exception ignored … UnicodeDecodeError" on stderr (about one run in three)."""
    import sys

    reported: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(repr(u.exc_value)))
    body = "张三李四王五赵六钱七,1\n" * 400_000  # 3-byte characters in the first field: most places cut one
    for pad in range(6):  # where the reader stops moves with the padding
        path = put(tmp_path, f"t{pad}.csv", "姓名,编号\n" + "张" * pad + ",0\n" + body)
        batches = iter_batches(open_source(path), batch_rows=5)
        assert next(batches).height == 5
        batches.close()
    assert reported == []
