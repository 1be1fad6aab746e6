"""Evidence manifest (digests, Merkle root, determinism, verify) and the registration prefill."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli import app
from screening import manifest
from screening.manifest import CHUNK, file_digests, merkle_root
from screening.pipeline import Options, after_run, run_file, scan_file
from screening.registration import measure, prefill, sample_rows

SAMPLES = Path(__file__).parents[1] / "samples"
runner = CliRunner()


def leaf(chunk: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + chunk).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


# ------------------------------------------------------------------------------------------- digests
def test_sm3_known_answer() -> None:
    # GB/T 32905-2016 Appendix A, example 1
    if not manifest.sm3_available():
        pytest.skip("this Python's OpenSSL has no SM3; the manifest says 'unavailable' instead")
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        # RFC 6962 2.1: the empty tree, one leaf, a power of two, and odd counts (the last node promoted)
        ([], lambda: hashlib.sha256(b"").digest()),
        ([b"a"], lambda: leaf(b"a")),
        ([b"a", b"b"], lambda: node(leaf(b"a"), leaf(b"b"))),
        ([b"a", b"b", b"c"], lambda: node(node(leaf(b"a"), leaf(b"b")), leaf(b"c"))),
        (
            [b"a", b"b", b"c", b"d", b"e"],
            lambda: node(node(node(leaf(b"a"), leaf(b"b")), node(leaf(b"c"), leaf(b"d"))), leaf(b"e")),
        ),
    ],
)
def test_merkle_root_construction(chunks: list[bytes], expected) -> None:
    assert merkle_root([leaf(c) for c in chunks]) == expected().hex()


def test_odd_node_is_promoted_not_duplicated() -> None:
    # duplicating the last node would give [a, b, c] and [a, b, c, c] the same root
    abc = merkle_root([leaf(c) for c in (b"a", b"b", b"c")])
    assert abc != merkle_root([leaf(c) for c in (b"a", b"b", b"c", b"c")])


def test_file_digests_one_pass(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10  # 2,560 bytes: three chunks of 1,024, the last one short
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    d = file_digests(p, chunk=1024)
    assert d["bytes"] == 2560 and d["chunks"] == 3
    assert d["sha256"] == hashlib.sha256(data).hexdigest()
    assert d["merkle_root"] == merkle_root([leaf(data[i : i + 1024]) for i in range(0, 2560, 1024)])
    if manifest.sm3_available():
        assert d["sm3"] == hashlib.new("sm3", data).hexdigest()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_digests(empty)["merkle_root"] == hashlib.sha256(b"").hexdigest()
    assert CHUNK == 1 << 20


def test_sm3_unavailable_is_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "sm3_available", lambda: False)
    p = tmp_path / "f"
    p.write_bytes(b"x")
    assert file_digests(p)["sm3"] == "unavailable"


def test_schema_digest_names_and_types(tmp_path: Path) -> None:
    s = manifest.schema_digest(SAMPLES / "merchants.parquet")
    assert all(len(c) == 2 for c in s["columns"]) and len(s["sha256"]) == 64
    csv = manifest.schema_digest(SAMPLES / "customers.csv")
    assert csv["columns"][0] == ["姓名", "string"]
    text = json.dumps(csv["columns"], ensure_ascii=False, separators=(",", ":"))
    assert csv["sha256"] == hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------------------ manifest
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("run")
    args = ["run", str(SAMPLES / "mixed_ids.csv"), "--out", str(out), "-q", "--workers", "1", "--manifest"]
    args += ["--sample", "3", "--report-format", "html"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    m1 = json.loads((out / "mixed_ids.manifest.json").read_text(encoding="utf-8"))
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    m2 = json.loads((out / "mixed_ids.manifest.json").read_text(encoding="utf-8"))
    return out, m1, m2


def test_manifest_lists_every_input_and_output(two_runs: tuple[Path, dict, dict]) -> None:
    out, m, _ = two_runs
    roles = {f["role"]: f for f in m["files"]}
    assert set(roles) == {"input", "output", "sample"}
    assert {Path(r["path"]).name for r in m["reports"]} == {
        "mixed_ids.report.json",
        "mixed_ids.report.md",
        "mixed_ids.report.html",
    }
    report = json.loads((out / "mixed_ids.report.json").read_text(encoding="utf-8"))
    assert roles["input"]["rows"] == report["dataset"]["rows"] == 300
    assert roles["input"]["sha256"] == report["dataset"]["sha256"]
    assert roles["output"]["sha256"] == report["output"]["sha256"]
    assert roles["sample"]["rows"] == 3
    for f in m["files"]:
        assert {"sha256", "sm3", "merkle_root", "bytes", "chunks", "rows", "schema"} <= set(f)
        assert (out / f["path"]).resolve().exists()
    assert m["rules"] == {k: report["rules"][k] for k in ("name", "version", "sha256")}
    assert m["tool"]["version"] == report["tool"]["version"]
    created = dt.datetime.fromisoformat(m["created_utc"].replace("Z", "+00:00"))
    assert created.utcoffset() == dt.timedelta(0)
    assert m["hashing"]["merkle"]["odd_node"].startswith("promoted")


def test_identical_inputs_give_identical_manifest_apart_from_time(two_runs: tuple[Path, dict, dict]) -> None:
    _, m1, m2 = two_runs
    same = ("manifest_version", "tool", "rules", "report_schema_sha256", "hashing", "files")
    assert {k: m1[k] for k in same} == {k: m2[k] for k in same}
    assert set(m1) - set(same) == {"created_utc", "reports"}
    # the reports record their own run time: only their paths are fixed
    assert [r["path"] for r in m1["reports"]] == [r["path"] for r in m2["reports"]]


def test_manifest_verify_detects_a_changed_byte(two_runs: tuple[Path, dict, dict], tmp_path: Path) -> None:
    out, _, _ = two_runs
    ok = runner.invoke(app, ["manifest", "verify", str(out / "mixed_ids.manifest.json")])
    assert ok.exit_code == 0, ok.output
    copy = tmp_path / "copy"
    copy.mkdir()
    m = json.loads((out / "mixed_ids.manifest.json").read_text(encoding="utf-8"))
    # a copy of the folder with the output altered: paths are relative to the manifest's folder
    for item in [*m["files"], *m["reports"]]:
        src = (out / item["path"]).resolve()
        if src.parent == out.resolve():
            (copy / item["path"]).write_bytes(src.read_bytes())
    m["files"] = [f for f in m["files"] if f["role"] != "input"]
    (copy / "m.json").write_text(json.dumps(m), encoding="utf-8")
    data = copy / "mixed_ids.csv"
    raw = bytearray(data.read_bytes())
    raw[-2] = ord("X") if raw[-2] != ord("X") else ord("Y")
    data.write_bytes(bytes(raw))
    bad = runner.invoke(app, ["manifest", "verify", str(copy / "m.json")])
    assert bad.exit_code == 1
    assert "mixed_ids.csv: sha256 differs" in bad.output and "merkle_root differs" in bad.output


# ------------------------------------------------------------------------------- registration prefill
def test_time_range_and_frequency_from_a_date_column(tmp_path: Path) -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(0, 60)]
    p = tmp_path / "orders.csv"
    pl.DataFrame(
        {
            "订单日期": [d.isoformat() for d in days],
            "出生日期": ["1990-05-0" + str(1 + i % 9) for i in range(60)],
            "更新时间": [f"{d.isoformat()} 08:30:00" for d in days[::7]] + [None] * (60 - len(days[::7])),
            "金额": [f"{i}.50" for i in range(60)],
            "数量": [str(i) for i in range(60)],
        }
    ).write_csv(p)
    report = scan_file(p, Options(batch_rows=1000))
    m = measure(report, batch_rows=25)  # several batches: the range runs over all of them
    assert m["types"] == {"订单日期": "date", "出生日期": m["types"]["出生日期"], "更新时间": "datetime",
                          "金额": "decimal", "数量": "integer"}  # fmt: skip
    t = m["time"]
    by = {c["column"]: c for c in t["columns"]}
    assert t["main_column"] == "订单日期" and (t["start"], t["end"]) == ("2024-01-01", "2024-02-29")
    assert t["frequency"]["en"] == "daily" and by["订单日期"]["days"] == 60
    assert by["更新时间"]["frequency"]["en"] == "weekly" and by["更新时间"]["start"] == "2024-01-01 08:30:00"
    if "出生日期" in by:  # dates of birth describe persons, not the data's time range
        assert by["出生日期"]["birth_dates"] and "start" not in by["出生日期"]


def test_run_measures_the_input_in_its_own_pass(tmp_path: Path) -> None:
    """``run`` takes the prefill's types and time range from the batches it desensitises: the same result as one
    more read of the input (``measure``), which it no longer makes; ``--name`` is applied after."""
    days = [dt.date(2023, 3, 1) + dt.timedelta(days=i) for i in range(90)]
    p = tmp_path / "orders.csv"
    pl.DataFrame(
        {
            "订单日期": [d.isoformat() for d in days],
            "手机号": [f"138{i:08d}" for i in range(90)],
            "金额": [f"{i}.50" for i in range(90)],
        }
    ).write_csv(p)
    opts = Options(batch_rows=20, ner_sample=0)
    report, _ = run_file(p, tmp_path, tmp_path / "out", opts)
    again = prefill(report, measure(report, batch_rows=20), None, sample_rows(report))
    assert report["registration"] == again
    assert report["registration"]["time"]["end"] == "2023-05-29"  # from the last batch
    assert after_run(report, "订单")["registration"]["name"] == "订单"


def test_prefill_fields_from_a_scan_report() -> None:
    report = scan_file(SAMPLES / "customers.csv", Options(ner_sample=100))
    reg = prefill(report, name="客户数据")
    assert reg["name"] == "客户数据" and reg["name_source"] == "option"
    assert reg["scale"]["rows"] == 500 and reg["scale"]["persons"]["count"] == 500
    assert [f["name"] for f in reg["structure"]] == [c["name"] for c in report["columns"]]
    assert all(not p["applied"] for p in reg["processing"])  # scan: planned, not applied
    assert reg["time"] is None and reg["sample"] is None
    texts = [a["en"] for a in reg["conclusion"]["actions"]]
    assert any(t.startswith("Desensitise") for t in texts)  # a scan still has to be run
    assert reg["conclusion"]["actions"][0]["severity"] in ("critical", "high")
