"""CI outputs: SARIF 2.1.0 checked against the published schema, JUnit XML, the baseline and exit codes, the folder
index (parallel = serial), `screening report`, the example CI job and hooks, and no raw value in any format."""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from screening import baseline as bl
from screening.pipeline import Options, scan_file
from screening.render import render
from screening.render.junit import to_junit
from screening.render.sarif import sarif_log
from screening.synthetic import column

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "samples"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def strip_timing(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "timing"}


def assert_valid_sarif(log: dict) -> None:
    validator = jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="module")
def customers() -> dict:
    return scan_file(SAMPLES / "customers.csv", Options(ner_sample=100))


@pytest.fixture(scope="module")
def merchants() -> dict:
    return scan_file(SAMPLES / "merchants.parquet", Options(ner_sample=100))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """customers.csv through `run` with every report format, the manifest and a sample."""
    out = tmp_path_factory.mktemp("run")
    result = invoke("run", SAMPLES / "customers.csv", "--out", out, "-q", "--workers", "1", "--sample", "5",
                    "--report-format", "html", "--report-format", "sarif", "--report-format", "junit",
                    "--manifest", "--name", "客户订单")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


# ---------------------------------------------------------------------------------------------- SARIF
def test_the_shipped_schema_is_sarif_2_1_0() -> None:
    jsonschema.Draft7Validator.check_schema(SARIF_SCHEMA)
    assert SARIF_SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"result", "run", "location", "physicalLocation", "logicalLocation"} <= set(SARIF_SCHEMA["definitions"])


def test_sarif_validates_against_the_schema(customers: dict, merchants: dict) -> None:
    assert_valid_sarif(sarif_log([customers]))
    assert_valid_sarif(sarif_log([customers, merchants, customers]))  # a file given twice is one artifact
    assert_valid_sarif(sarif_log([customers], bl.load_keys(bl.create([merchants]))))
    left = copy.deepcopy(customers)
    left["residual"] = {"clean": False, "columns": [{"name": "身份证号", "entities": {"CN_ID_CARD": 3}}]}
    left["output"] = {"path": "/tmp/out/customers.csv", "format": "csv", "rows": 500, "sha256": "0" * 64}
    log = sarif_log([left])
    assert_valid_sarif(log)
    assert any(r["ruleId"] == "SCREENING-RESIDUAL" and r["level"] == "error" for r in log["runs"][0]["results"])


def test_sarif_result_per_finding_with_level_and_location(customers: dict) -> None:
    run = sarif_log([customers])["runs"][0]
    results = run["results"]
    findings = bl.findings(customers)
    assert len(results) == len(findings) > 0
    by_column = {r["properties"]["column"]: r for r in results}
    # the pack's top level or sensitive -> error, one level below -> warning, under that -> note
    assert by_column["身份证号"]["level"] == "error"
    assert by_column["手机号"]["level"] == "warning"
    assert by_column["性别"]["level"] == "note"
    loc = by_column["手机号"]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == (SAMPLES / "customers.csv").as_uri()  # absolute
    assert loc["physicalLocation"]["artifactLocation"]["index"] == 0
    assert loc["physicalLocation"]["region"] == {"startLine": 1}
    assert loc["logicalLocations"][0] == {
        "name": "手机号",
        "fullyQualifiedName": "customers.csv/手机号",
        "kind": "column",
    }
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert len({r["partialFingerprints"]["screeningFinding/v1"] for r in results}) == len(results)


def test_sarif_baseline_state(customers: dict) -> None:
    accepted = bl.load_keys(bl.create([customers]))
    accepted.discard(("customers.csv", "手机号", "CN_PHONE", 3))
    states = {
        r["properties"]["column"]: r["baselineState"] for r in sarif_log([customers], accepted)["runs"][0]["results"]
    }
    assert states["手机号"] == "new" and states["身份证号"] == "unchanged"


# ---------------------------------------------------------------------------------------------- JUnit
def test_junit_mirrors_the_gate(customers: dict) -> None:
    root = ET.fromstring(to_junit([customers]))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == str(SAMPLES / "customers.csv")
    assert int(suite.get("tests", "0")) == len(customers["columns"]) + 1 + sum(
        1 for f in bl.findings(customers) if f["kind"] != "column"
    )
    assert root.get("failures") == "0"  # no --fail-on, no baseline: nothing fails, as the exit code says
    strict = ET.fromstring(to_junit([customers], fail_on=4))
    failed = {c.get("name") for c in strict.iter("testcase") if c.find("failure") is not None}
    assert "列 column 身份证号" in failed and "数据集级别 dataset level" in failed
    assert "列 column 手机号" not in failed  # level 3
    assert strict.get("failures") == str(len(failed))


def test_junit_text_is_xml_safe(tmp_path: Path) -> None:
    p = tmp_path / "ctl.csv"
    p.write_text("手机\x01号,x<&>\n13812345678,1\n", encoding="utf-8")
    text = to_junit([scan_file(p, Options())])
    ET.fromstring(text)  # parses: control characters replaced, markup escaped


# ------------------------------------------------------------------------------------- baseline, exit codes
def people(path: Path, n: int, kinds: dict[str, str], seed: int = 1) -> Path:
    rng = random.Random(seed)
    pl.DataFrame([column(kind, n, rng).alias(name) for name, kind in kinds.items()]).write_csv(path)
    return path


def test_baseline_fails_only_on_new_findings(tmp_path: Path) -> None:
    data = people(tmp_path / "people.csv", 200, {"姓名": "person_name", "手机号": "phone"})
    assert invoke("scan", data, "-q", "-o", tmp_path / "r.json").exit_code == 0
    made = invoke("baseline", "create", tmp_path / "r.json", "-o", tmp_path / "baseline.json")
    assert made.exit_code == 0, made.output
    base = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert {(f["column"], f["entity"]) for f in base["findings"]} >= {("姓名", "PERSON"), ("手机号", "CN_PHONE")}
    # the same data: nothing new
    assert invoke("scan", data, "-q", "--baseline", tmp_path / "baseline.json").exit_code == 0
    # an ID column appears: a new finding (and a new combination), exit 1, shown as new in SARIF
    people(data, 200, {"姓名": "person_name", "手机号": "phone", "身份证号": "id_card"})
    result = invoke("scan", data, "-q", "--baseline", tmp_path / "baseline.json", "-f", "sarif")
    assert result.exit_code == 1
    states = {r["properties"]["column"]: r["baselineState"] for r in json.loads(result.stdout)["runs"][0]["results"]}
    assert states["身份证号"] == "new" and states["手机号"] == "unchanged"
    # with --fail-on above every new finding's level, the new findings are tolerated
    ok = invoke("scan", data, "-q", "--baseline", tmp_path / "baseline.json", "--fail-on", "4", "-f", "junit")
    new_levels = [f["level"] for f in bl.new_findings(scan_file(data, Options()), bl.load(tmp_path / "baseline.json"))]
    assert ok.exit_code == (1 if max(new_levels) >= 4 else 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "not a readable JSON baseline"),
        ('{"findings": [{"file": "a.csv"}]}', "finding 1 needs file, column, entity and level"),
        ("[1, 2]", "not a baseline"),
    ],
)
def test_unusable_baseline_exits_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = invoke("scan", SAMPLES / "mixed_ids.csv", "-q", "--baseline", path)
    assert result.exit_code == 2 and message in result.output


def test_run_with_baseline_and_residual(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = invoke("run", SAMPLES / "mixed_ids.csv", "--out", out, "-q")
    assert first.exit_code == 0
    assert invoke("baseline", "create", out / "mixed_ids.report.json", "-o", tmp_path / "b.json").exit_code == 0
    again = invoke(
        "run", SAMPLES / "mixed_ids.csv", "--out", tmp_path / "out2", "-q", "--baseline", tmp_path / "b.json"
    )
    assert again.exit_code == 0, again.output


# ----------------------------------------------------------------------------------------- folder index
@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("submissions")
    shutil.copy(SAMPLES / "mixed_ids.csv", folder / "a <1>.csv")
    (folder / "sub").mkdir()
    shutil.copy(SAMPLES / "merchants.parquet", folder / "sub" / "merchants.parquet")
    shutil.copy(SAMPLES / "mixed_ids.csv", folder / "sub" / "mixed_ids.csv")
    (folder / "broken.csv").write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50)
    return folder


@pytest.mark.parametrize("fmt", ["html", "sarif"])
def test_scan_folder_writes_reports_and_index(submissions: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    result = invoke("scan", submissions, "--output", out, "-q", "-f", fmt, "--jobs", "2", "--fail-on", "4")
    assert result.exit_code == 2  # broken.csv cannot be read; the others are still reported
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f for f in index["files"]}
    assert set(files) == {"a <1>.csv", "broken.csv", "merchants.parquet", "mixed_ids.csv"}
    assert files["broken.csv"]["error"] and files["broken.csv"]["report"] is None
    for name in ("a <1>.csv", "merchants.parquet", "mixed_ids.csv"):
        f = files[name]
        assert (out / f["report"]).is_file() and (out / f["json"]).is_file()
        assert f["verdict"] and f["max_level"] >= 1 and f["dataset_level"] >= f["max_level"]
        report = json.loads((out / f["json"]).read_text(encoding="utf-8"))
        assert f["failed"] == report["summary"]["failed"]
    assert files["merchants.parquet"]["report"].startswith("sub/")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "a &lt;1&gt;.csv" in page and "a <1>" not in page
    assert 'href="a%20%3C1%3E.csv.report' in page  # the link is URL-quoted, then HTML-escaped
    assert index["summary"] == {"files": 4, "errors": 1, "failed": index["summary"]["failed"],
                                "verdicts": index["summary"]["verdicts"], "max_level": 4}  # fmt: skip
    if fmt == "sarif":
        assert_valid_sarif(json.loads((out / "screening.sarif").read_text(encoding="utf-8")))


def test_parallel_folder_scan_equals_serial(submissions: Path, tmp_path: Path) -> None:
    serial = invoke("scan", submissions, "-q", "--jobs", "1")
    parallel = invoke("scan", submissions, "-q", "--jobs", "2")
    assert serial.exit_code == parallel.exit_code == 2
    a, b = json.loads(serial.stdout), json.loads(parallel.stdout)
    assert [strip_timing(r) for r in a] == [strip_timing(r) for r in b] and len(a) == 3


# ------------------------------------------------------------------------------------------ re-render
@pytest.mark.parametrize(
    ("fmt", "written"),
    [
        ("md", "customers.report.md"),
        ("html", "customers.report.html"),
        ("sarif", "customers.sarif"),
        ("json", "customers.report.json"),
    ],
)
def test_report_command_renders_the_json_again(run_dir: Path, fmt: str, written: str) -> None:
    result = invoke("report", run_dir / "customers.report.json", "-f", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout == (run_dir / written).read_text(encoding="utf-8")


def test_report_command_gate_and_errors(run_dir: Path, tmp_path: Path) -> None:
    assert invoke("report", run_dir / "customers.report.json", "-f", "junit", "--fail-on", "4").exit_code == 1
    (tmp_path / "x.json").write_text('{"a": 1}', encoding="utf-8")
    bad = invoke("report", tmp_path / "x.json")
    assert bad.exit_code == 2 and "not a screening report" in bad.output
    two = invoke("report", run_dir / "customers.report.json", run_dir / "customers.report.json", "-f", "html")
    assert two.exit_code == 2 and "--output FOLDER" in two.output
    (tmp_path / "pages").mkdir()  # an existing folder: the page goes inside it under the report's name
    pages = invoke("report", run_dir / "customers.report.json", "-f", "html", "-o", tmp_path / "pages",
                   "--name", "另一个名称")  # fmt: skip
    assert pages.exit_code == 0 and "另一个名称" in (tmp_path / "pages" / "customers.report.html").read_text("utf-8")


def test_render_formats_agree(customers: dict) -> None:
    assert json.loads(render([customers], "json")) == customers
    assert render([customers], "sarif") == render([customers], "sarif")  # deterministic
    with pytest.raises(ValueError):
        render([customers, customers], "html")


# --------------------------------------------------------------------------------------------- no leak
SENSITIVE_COLUMNS = ("姓名", "身份证号", "手机号", "邮箱", "住址", "银行卡号")
IN_TEXT = re.compile(r"\d{17}[\dXx]|1[3-9]\d{9}|\d{16,19}|[\w.+-]+@[\w-]+\.[\w.]+")


def raw_values() -> set[str]:
    raw = pl.read_csv(SAMPLES / "customers.csv", infer_schema=False)
    values = {v for name in SENSITIVE_COLUMNS for v in raw[name].drop_nulls().to_list()}
    for text in raw["备注"].drop_nulls().to_list():  # identifiers written inside the free-text remarks
        values |= set(IN_TEXT.findall(text))
    return {v for v in values if len(v) >= 2}


def test_no_raw_value_in_any_report_format(run_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert invoke("scan", SAMPLES, "-o", index_dir, "-q", "-f", "html").exit_code == 0
    assert invoke("scan", SAMPLES, "-o", tmp_path / "sarif", "-q", "-f", "junit").exit_code == 0
    texts = {
        p.name: p.read_text(encoding="utf-8")
        for folder in (run_dir, index_dir, tmp_path / "sarif")
        for p in folder.iterdir()
        if p.suffix in (".json", ".md", ".html", ".sarif", ".xml")
    }
    assert {"customers.report.json", "customers.report.md", "customers.report.html", "customers.sarif",
            "customers.junit.xml", "customers.manifest.json", "index.json", "index.html",
            "screening.junit.xml"} <= set(texts)  # fmt: skip
    values = raw_values()
    assert len(values) > 2500
    for name, text in texts.items():
        leaked = sorted(v for v in values if v in text)
        assert not leaked, f"{name} holds {len(leaked)} raw values, e.g. {leaked[0][:2]}…"


# ------------------------------------------------------------------------------- documentation and examples
def test_new_commands_have_help_and_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Reports and CI") :]
    for command in (["report"], ["baseline", "create"], ["manifest", "verify"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
        assert f"screening {' '.join(command)}" in section
        for option in re.findall(r"(--[a-z][a-z-]+)", result.output):
            if option != "--help":
                assert option in section, f"{' '.join(command)} {option} is not documented"
    for option in ("--baseline", "--jobs", "--report-format", "--manifest", "--name"):
        assert option in section
    for code in ("**0**", "**1**", "**2**"):
        assert code in section


def test_example_ci_jobs_and_hooks_use_real_options() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"screening", "screening-baseline"}
    lines = [f"{h['entry']} {' '.join(h.get('args', []))}" for h in hooks]
    for path in sorted((ROOT / "examples" / "ci").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        yaml.safe_load(text)
        lines += [m.group(0) for m in re.finditer(r"screening (scan|baseline create)[^\n#]*", text)]
    assert len(lines) >= 4
    help_text = {c: invoke(*c.split(), "--help").output for c in ("scan", "baseline create")}
    for line in lines:
        command = "baseline create" if line.startswith("screening baseline") else "scan"
        for option in re.findall(r"(--[a-z][a-z-]+)", line):
            assert option in help_text[command], f"{line!r}: {option} is not an option of {command}"


def test_sarif_relative_paths_stay_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "数据").mkdir()
    shutil.copy(SAMPLES / "mixed_ids.csv", tmp_path / "数据" / "客户 1.csv")
    monkeypatch.chdir(tmp_path)
    log = json.loads(invoke("scan", "数据/客户 1.csv", "-q", "-f", "sarif").stdout)
    assert_valid_sarif(log)
    assert log["runs"][0]["artifacts"][0]["location"]["uri"] == "%E6%95%B0%E6%8D%AE/%E5%AE%A2%E6%88%B7%201.csv"
