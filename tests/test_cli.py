"""The command line: output equals the library's result, exit codes, bad input, documentation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli import app
from screening.pipeline import Options, scan_file

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "samples"
runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def strip_timing(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "timing"}


def test_scan_json_equals_library_result() -> None:
    result = invoke("scan", SAMPLES / "customers.csv", "--quiet")
    assert result.exit_code == 0, result.output
    assert strip_timing(json.loads(result.stdout)) == strip_timing(scan_file(SAMPLES / "customers.csv", Options()))


def console(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The console script's own entry point (``cli.main``, which ends the process itself) in a fresh interpreter."""
    code = "import sys; sys.argv[0] = 'screening'; import cli; cli.main(); print('not reached')"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def test_console_script_flushes_its_output_and_keeps_exit_codes(tmp_path: Path) -> None:
    """main() skips the interpreter's teardown: the report on stdout and the files written are whole, and the exit
    codes 0, 1 and 2 pass through."""
    done = console("scan", SAMPLES / "customers.csv", "--quiet")
    assert done.returncode == 0 and "not reached" not in done.stdout
    assert strip_timing(json.loads(done.stdout)) == strip_timing(scan_file(SAMPLES / "customers.csv", Options()))
    assert console("scan", SAMPLES / "customers.csv", "--fail-on", "4", "-q").returncode == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    failed = console("scan", bad, "-q")
    assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1 and "bad.csv" in failed.stderr
    out = tmp_path / "out"
    written = console("run", SAMPLES / "customers.csv", "--out", out, "--quiet")
    assert written.returncode == 0, written.stderr
    report = json.loads((out / "customers.report.json").read_text(encoding="utf-8"))
    data = out / Path(report["output"]["path"]).name
    assert pl.read_csv(data, infer_schema=False).height == report["dataset"]["rows"]


def test_fail_on_sets_exit_code(tmp_path: Path) -> None:
    assert invoke("scan", SAMPLES / "customers.csv", "--fail-on", "4", "-q").exit_code == 1
    # merchants: no level-4 column, but name + phone + address raise the dataset to level 4
    merchants = invoke("scan", SAMPLES / "merchants.parquet", "--fail-on", "4", "-q")
    summary = json.loads(merchants.stdout)["summary"]
    assert merchants.exit_code == 1 and summary["max_level"] == 3 and summary["dataset_level"] == 4
    phones = tmp_path / "phones.csv"
    phones.write_text("手机号\n" + "\n".join(f"1381234{i:04d}" for i in range(50)) + "\n", encoding="utf-8")
    ok = invoke("scan", phones, "--fail-on", "4", "-q")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["summary"]["failed"] is False


def test_scan_markdown_to_file(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    result = invoke("scan", SAMPLES / "customers_gbk.csv", "--format", "md", "--output", out)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Screening report") and "CN_ID_CARD" in text


def test_scan_folder_one_report_per_file(tmp_path: Path) -> None:
    result = invoke("scan", SAMPLES, "--output", tmp_path / "reports", "-q")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert "customers.csv.report.json" in names and "merchants.parquet.report.json" in names


def test_run_of_a_folder_goes_on_past_a_bad_file_and_exits_2(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "mixed_ids.csv", folder / "mixed_ids.csv")
    (folder / "a_broken.csv").write_bytes(b"a,b\n1,2,3\n")  # read first, and unusable
    (folder / "b_empty.csv").write_bytes(b"")
    out = tmp_path / "out"
    result = invoke("run", folder, "--out", out, "-q", "--workers", "1", "--keep", "证件号码")
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("screening: error:")]
    assert len(errors) == 2 and "a_broken.csv: line 2 has 3 fields" in errors[0] and "b_empty.csv" in errors[1]
    assert "Traceback" not in result.output
    assert {p.name for p in out.iterdir()} == {"mixed_ids.csv", "mixed_ids.report.json", "mixed_ids.report.md"}
    alone = invoke("run", folder / "a_broken.csv", "--out", tmp_path / "alone", "-q")
    assert alone.exit_code == 2 and not (tmp_path / "alone" / "a_broken.csv").exists()


def test_run_writes_data_and_reports(tmp_path: Path) -> None:
    result = invoke("run", SAMPLES / "customers.csv", "--out", tmp_path, "-q", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {"customers.csv", "customers.report.json", "customers.report.md"}
    report = json.loads((tmp_path / "customers.report.json").read_text(encoding="utf-8"))
    assert report["residual"]["clean"] and report["output"]["rows"] == report["dataset"]["rows"]


def test_run_action_override_and_keep(tmp_path: Path) -> None:
    result = invoke("run", SAMPLES / "mixed_ids.csv", "--out", tmp_path, "-q", "--action", "证件号码=redact",
                    "--keep", "姓名")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "mixed_ids.csv", infer_schema=False)
    raw = pl.read_csv(SAMPLES / "mixed_ids.csv", infer_schema=False)
    assert out["证件号码"].null_count() == out.height
    assert out["姓名"].to_list() == raw["姓名"].to_list()


def test_run_policy_file_with_parameters(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "columns:\n  手机号: {operator: mask, keep_head: 3, keep_tail: 2}\n  姓名: keep\n  身份证号: redact\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    # --action wins over the file for the same column
    result = invoke("run", SAMPLES / "customers.csv", "--out", out, "-q", "--workers", "1", "--policy", policy,
                    "--action", "姓名=redact")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = pl.read_csv(out / "customers.csv", infer_schema=False)
    raw = pl.read_csv(SAMPLES / "customers.csv", infer_schema=False)
    phones = [(a, b) for a, b in zip(raw["手机号"].to_list(), data["手机号"].to_list(), strict=True) if a]
    assert phones and all("*" not in a for a, _ in phones)
    assert all(b == a[:3] + "*" * (len(a) - 5) + a[-2:] for a, b in phones)
    assert data["身份证号"].null_count() == data.height
    assert data["姓名"].null_count() == data.height
    report = json.loads((out / "customers.report.json").read_text(encoding="utf-8"))
    actions = {c["name"]: c["action"] for c in report["columns"]}
    assert actions["手机号"] == {"operator": "mask", "keep_head": 3, "keep_tail": 2}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("columns:\n  手机号: shred\n", "unknown operator 'shred'"),
        ("columns:\n  手机号: {operator: mask, keep_middle: 2}\n", "keep_middle"),
        ("actions:\n  手机号: mask\n", "one key, columns"),
        ("columns: [1, 2\n", "not a readable YAML policy file"),
        ("columns:\n  no_such_column: keep\n", "no_such_column"),
    ],
)
def test_bad_policy_file_exits_2(tmp_path: Path, content: str, message: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", SAMPLES / "mixed_ids.csv", "--out", out, "-q", "--policy", policy)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output and not out.exists() or not any(out.iterdir())


def test_pseudonymize_without_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENING_KEY", raising=False)
    result = invoke("run", SAMPLES / "mixed_ids.csv", "--out", tmp_path, "-q", "--action", "手机号=pseudonymize")
    assert result.exit_code == 2 and "SCREENING_KEY" in result.output
    assert not any(tmp_path.iterdir())


def test_pseudonymize_with_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "k" * 32
    monkeypatch.setenv("SCREENING_KEY", key)
    result = invoke("run", SAMPLES / "mixed_ids.csv", "--out", tmp_path, "-q", "--action", "姓名=pseudonymize")
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "mixed_ids.csv", infer_schema=False)
    assert all(v.startswith("p_") for v in out["姓名"].to_list())
    assert key not in (tmp_path / "mixed_ids.report.json").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ bad input
def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, list[str]]]:
    cases: dict[str, tuple[Path, list[str]]] = {}

    def put(name: str, data: bytes, *extra: str) -> None:
        p = tmp / name
        p.write_bytes(data)
        cases[name] = (p, list(extra))

    put("empty.csv", b"")
    put("ragged.csv", "姓名,手机号\n张伟,13800000000\n李娜,13800000001,多余\n".encode())
    put("garbage.csv", bytes(range(256)) * 40)
    put("wrong_encoding.csv", "姓名,手机号\n张伟,13800000000\n王芳,13800000002\n李娜,13800000001\n".encode("gbk"),
        "--encoding", "utf-8")  # fmt: skip
    put("truncated.parquet", b"")
    buf = pa.BufferOutputStream()
    pq.write_table(pa.table({"a": ["x"] * 100}), buf)
    put("truncated.parquet", buf.getvalue().to_pybytes()[:-40])
    nested = tmp / "nested.parquet"
    pq.write_table(pa.table({"n": [{"x": 1}], "phone": ["13800000000"]}), nested)
    cases["nested.parquet"] = (nested, [])
    cases["missing.csv"] = (tmp / "missing.csv", [])
    return cases


BAD = ["empty.csv", "ragged.csv", "garbage.csv", "wrong_encoding.csv", "truncated.parquet", "nested.parquet",
       "missing.csv"]  # fmt: skip


@pytest.mark.parametrize("name", BAD)
@pytest.mark.parametrize("command", ["scan", "run"])
def test_bad_input_one_line_exit_2_no_output(tmp_path: Path, name: str, command: str) -> None:
    path, extra = _bad_inputs(tmp_path)[name]
    before = path.read_bytes() if path.exists() else None
    out = tmp_path / "out"
    args = ["scan", path, "-o", out / "r.json", *extra] if command == "scan" else ["run", path, "--out", out, *extra]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert name in lines[0] and lines[0].startswith("screening: error:")
    assert not out.exists() or not any(out.rglob("*"))
    if before is not None:
        assert path.read_bytes() == before


def test_error_message_never_contains_cell_values(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("姓名,手机号\n张伟,13812345678\n李娜,13812345679,extra\n", encoding="utf-8")
    result = invoke("scan", path)
    assert result.exit_code == 2 and "13812345679" not in result.output and "李娜" not in result.output


def test_header_only_and_duplicate_names_are_reported(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text("姓名,手机号\n", encoding="utf-8")
    r = json.loads(invoke("scan", header_only).stdout)
    assert r["dataset"]["rows"] == 0 and {c["kind"] for c in r["columns"]} == {"empty"}
    dup = tmp_path / "d.csv"
    dup.write_text("手机号,手机号,\n13800000000,13800000001,x\n", encoding="utf-8")
    r = json.loads(invoke("scan", dup).stdout)
    assert len({c["name"] for c in r["columns"]}) == 3 and r["dataset"]["notes"]


def test_one_megabyte_cell(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("备注,手机号\n" + "客户留言" * 250_000 + ",13800000000\n", encoding="utf-8")
    result = invoke("scan", path, "--ner-sample", "0")
    assert result.exit_code == 0, result.output


def test_run_refuses_to_overwrite_input(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("手机号\n13800000000\n", encoding="utf-8")
    before = src.read_bytes()
    result = invoke("run", src, "--out", tmp_path)
    assert result.exit_code == 2 and "overwrite" in result.output
    assert src.read_bytes() == before


def test_output_folder_taken_by_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("keep me", encoding="utf-8")
    csv, parquet = SAMPLES / "customers.csv", SAMPLES / "customers.parquet"
    for args in (("run", csv, "--out", taken), ("scan", csv, parquet, "--output", taken)):
        result = invoke(*args, "--quiet")
        assert result.exit_code == 2
        expected = f"screening: error: {args[-2]} {taken}: is a file; give a folder (it is created if missing)"
        assert result.output.strip() == expected
        assert taken.read_text(encoding="utf-8") == "keep me"
    # a folder below a file: the file system's refusal, named, in one line
    result = invoke("run", csv, "--out", taken / "sub", "--quiet")
    assert result.exit_code == 2 and result.output.strip() == f"screening: error: {taken / 'sub'}: Not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_no_command_writes_over_its_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes((SAMPLES / "customers.csv").read_bytes())
    (tmp_path / "link.csv").symlink_to(src)
    before = src.read_bytes()
    for target in (src, tmp_path / "link.csv"):
        result = invoke("scan", src, "--output", target, "--quiet")
        assert result.exit_code == 2, result.output
        assert result.output.strip() == f"screening: error: --output {target}: is an input file; choose another path"
    assert src.read_bytes() == before
    report = tmp_path / "r.json"
    assert invoke("scan", src, "--output", report, "--quiet").exit_code == 0
    saved = report.read_bytes()
    for args in (("report", report, "-f", "json", "-o", report), ("baseline", "create", report, "-o", report)):
        result = invoke(*args)
        assert result.exit_code == 2 and "is an input file" in result.output
    assert report.read_bytes() == saved


def test_usage_errors_exit_2() -> None:
    assert invoke("scan", SAMPLES / "customers.csv", "--format", "xml").exit_code == 2
    assert invoke("scan", SAMPLES / "customers.csv", "--fail-on", "9").exit_code == 2
    assert invoke("scan").exit_code == 2


def test_every_command_has_help_and_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("scan", "run"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
        assert re.search(rf"screening {command}\b", readme)
        for option in re.findall(r"(--[a-z][a-z-]+)", result.output):
            if option != "--help":
                assert option in readme, f"{command} {option} is not documented in README"


def test_action_on_unknown_column_is_an_error(tmp_path: Path) -> None:
    result = invoke("run", SAMPLES / "mixed_ids.csv", "--out", tmp_path, "--keep", "no_such_column")
    assert result.exit_code == 2 and "no_such_column" in result.output
    assert not any(tmp_path.iterdir())


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert cli._progress(quiet=False) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli._progress(quiet=True) is None
    start = cli._progress(quiet=False)
    assert start is not None
    advance = start("scan x.csv", 100)
    advance(50)
    advance(100)  # reaching the total stops the bar


def test_the_markdown_report_counts_in_words(tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("姓名,手机\n张伟,13812345678\n", encoding="utf-8")
    result = invoke("scan", one, "--format", "md", "-q")
    assert "; 1 row, 2 columns, 33 bytes" in result.output, result.output
