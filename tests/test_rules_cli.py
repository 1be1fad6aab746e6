"""`screening rules list|show|validate`, and `--rules` (built-in, layered, malformed) through `screening scan`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from cli import app
from screening.report import schema as report_schema
from screening.rules import describe, load_pack

ROOT = Path(__file__).parents[1]
CUSTOMERS = ROOT / "samples" / "customers.csv"
runner = CliRunner()

OVERLAY = """\
name: acme
version: "1.0"
extends: default
entities:
  CN_PHONE:
    level: 4
    basis:
      level: our catalogue ranks contact numbers with ID numbers [I]
headers:
  CN_PHONE: [联系手机]
policy:
  levels:
    3: {operator: redact}
"""


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def column(report: dict, name: str) -> dict:
    return next(c for c in report["columns"] if c["name"] == name)


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("packs") / "acme.yaml"
    path.write_text(OVERLAY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finance_report() -> dict:
    result = invoke("scan", CUSTOMERS, "--rules", "finance", "-q")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def overlay_report(overlay: Path) -> dict:
    result = invoke("scan", CUSTOMERS, "--rules", overlay, "--format", "json", "-q")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ------------------------------------------------------------------------------------------ rules list / show
def test_rules_list_names_each_builtin_pack() -> None:
    result = invoke("rules", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.match(r"default\s+\S+\s+levels 1\.\.4\s+默认规则包", lines[0])
    assert re.match(r"finance\s+\S+\s+levels 1\.\.5\s+金融规则包", lines[1])
    rows = json.loads(invoke("rules", "list", "--format", "json").stdout)
    assert [(r["name"], r["levels"]) for r in rows] == [("default", "1..4"), ("finance", "1..5")]


@pytest.mark.parametrize("name", ["default", "finance"])
def test_rules_show_json_equals_the_library(name: str) -> None:
    result = invoke("rules", "show", name, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == describe(load_pack(name))


def test_rules_show_markdown_table() -> None:
    text = invoke("rules", "show", "default").stdout
    assert "| Entity | Rule | Category | Level | Sensitive | Basis |" in text
    row = next(line for line in text.splitlines() if line.startswith("| CN_ID_CARD |"))
    assert "| PI-ID-001 | 个人身份信息 | 4 | yes |" in row and "not by GB/T 45574-2025" in row
    finance = invoke("rules", "show", "finance").stdout
    assert "| Entity | Rule | Category | Class | Level | Sensitive | Basis |" in finance
    assert "- Class C3 用户鉴别信息 → level 4" in finance


def test_rules_show_a_layered_file(overlay: Path) -> None:
    text = invoke("rules", "show", overlay).stdout
    assert f"- Layers, base first: default 0.2.0 (rules/default.yaml) → acme 1.0 ({overlay})" in text
    assert "| level 3 | redact |" in text and "- CN_PHONE: 联系手机" in text


def test_rules_show_unknown_pack_exit_2() -> None:
    result = invoke("rules", "show", "nope")
    assert result.exit_code == 2 and "unknown rule pack 'nope'" in result.output


# ------------------------------------------------------------------------------------------ rules validate
def test_rules_validate_a_good_pack(overlay: Path) -> None:
    result = invoke("rules", "validate", overlay)
    assert result.exit_code == 0
    assert result.stdout == f"{overlay}: valid (26 entities, levels 1..4; extends default 0.2.0)\n"
    assert invoke("rules", "validate", ROOT / "rules" / "finance.yaml").stdout.endswith("levels 1..5)\n")


HEAD = 'name: bad\nversion: "1"\nextends: default\n'


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (HEAD + "entities:\n  CN_PHONE:\n    levle: 4\n", 6, "unknown key 'levle' (did you mean level?)"),
        (HEAD + "entities:\n  NOT_AN_ENTITY:\n    level: 4\n", 5, "unknown entity 'NOT_AN_ENTITY'"),
        (HEAD + "entities:\n  CN_PHONE:\n    level: 5\n", 6, "level: 5 is outside the pack's levels 1..4"),
        (HEAD + "entities:\n  EMAIL_ADDRESS:\n    rule: PI-BAS-001\n", 6, "rule id 'PI-BAS-001' already used"),
        (HEAD + "policy:\n  levels:\n    4: {operator: shred}\n", 6, "unknown operator 'shred'"),
        (HEAD + "entities:\n  CN_PHONE:\n    category: 个人基础资料\n", 6, "unknown category '个人基础资料'"),
    ],
)
def test_malformed_pack_exit_2_with_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    validated = invoke("rules", "validate", path)
    assert validated.exit_code == 2 and validated.stdout == ""
    assert validated.stderr.startswith(f"{path}:{line}: ") and message in validated.stderr
    scanned = invoke("scan", CUSTOMERS, "--rules", path, "-q")
    assert scanned.exit_code == 2 and scanned.stdout == ""
    assert scanned.stderr.startswith(f"screening: error: {path}:{line}: ") and message in scanned.stderr
    assert len(scanned.stderr.splitlines()) == 1 and "Traceback" not in scanned.output


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(HEAD + "entities:\n  NOPE:\n    level: 2\n  PERSON:\n    level: 7\n", encoding="utf-8")
    result = invoke("rules", "validate", path)
    assert result.exit_code == 2
    assert [line.split(": ")[0] for line in result.stderr.splitlines()] == [f"{path}:5", f"{path}:8"]


# ------------------------------------------------------------------------------------------ scan --rules
def test_scan_with_a_layered_pack(overlay: Path, overlay_report: dict) -> None:
    rules = overlay_report["rules"]
    assert (rules["name"], rules["version"], rules["source"]) == ("acme", "1.0", str(overlay))
    assert [layer["name"] for layer in rules["layers"]] == ["default", "acme"]
    assert rules["sha256"] == load_pack(overlay).sha256 != load_pack().sha256
    # the overridden level, cited to the overlay's basis
    phone = column(overlay_report, "手机号")
    assert (phone["level"], phone["rule"]) == (4, "PI-BAS-001")
    assert phone["cites"]["level"] == "our catalogue ranks contact numbers with ID numbers [I]"
    # the changed action: level 3 is redacted now, level 4 still masked
    assert column(overlay_report, "姓名")["action"] == {"operator": "redact"}
    assert phone["action"]["operator"] == "mask"
    jsonschema.validate(overlay_report, report_schema())


def test_default_scan_explains_every_column() -> None:
    report = json.loads(invoke("scan", CUSTOMERS, "-q").stdout)
    assert report["rules"]["name"] == "default" and len(report["rules"]["sha256"]) == 64
    assert report["rules"]["layers"] == [
        {"name": "default", "version": "0.2.0", "source": "rules/default.yaml", "sha256": report["rules"]["sha256"]}
    ]
    for c in report["columns"]:
        assert c["rule"] and {"category", "level", "sensitive"} <= set(c["cites"]), c["name"]
        assert c["class"] is None
    id_card = column(report, "身份证号")
    assert id_card["decided_by"].startswith("GB/T 35273-2020")
    assert {b["standard"] for b in id_card["bases"]} == {"GB/T 35273-2020", "GB/T 45574-2025"}
    jsonschema.validate(report, report_schema())


@pytest.mark.parametrize(
    ("header", "category", "pfi_class", "level", "sensitive"),
    [
        ("姓名", "个人身份信息", "C2", 3, False),
        ("性别", "个人身份信息", "C1", 2, False),
        ("身份证号", "个人身份信息", "C2", 3, True),
        ("手机号", "个人身份信息", "C2", 3, False),
        ("邮箱", "个人身份信息", "C2", 3, False),
        ("住址", "个人身份信息", "C2", 3, False),
        ("银行卡号", "账户信息", "C2", 3, True),
        ("开户行", "组织信息", None, 1, False),
        ("订单号", "未识别为个人信息", None, 1, False),
    ],
)
def test_finance_scan_by_header(
    finance_report: dict, header: str, category: str, pfi_class: str | None, level: int, sensitive: bool
) -> None:
    c = column(finance_report, header)
    assert (c["category"], c["class"], c["level"], c["sensitive"]) == (category, pfi_class, level, sensitive)
    if pfi_class:
        assert "JR/T 0171-2020" in c["cites"]["class"] and "JR/T 0197-2020" in c["cites"]["level"]


def test_finance_scan_reports_the_five_level_scale(finance_report: dict) -> None:
    assert finance_report["rules"]["name"] == "finance"
    assert list(finance_report["rules"]["levels"]) == ["1", "2", "3", "4", "5"]
    assert all(1 <= c["level"] <= 5 for c in finance_report["columns"])
    assert 1 <= finance_report["summary"]["max_level"] <= 5
    jsonschema.validate(finance_report, report_schema())


def test_fail_on_uses_the_pack_scale() -> None:
    assert invoke("scan", CUSTOMERS, "--rules", "finance", "--fail-on", "5", "-q").exit_code in (0, 1)
    too_high = invoke("scan", CUSTOMERS, "--rules", "finance", "--fail-on", "6", "-q")
    assert too_high.exit_code == 2 and "the pack's levels are 1..5" in too_high.stderr
    assert invoke("scan", CUSTOMERS, "--fail-on", "5", "-q").exit_code == 2


def test_rules_commands_have_help_and_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("list", "show", "validate"):
        result = invoke("rules", command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
        assert re.search(rf"screening rules {command}\b", readme)
        for option in re.findall(r"(--[a-z][a-z-]+)", result.output):
            if option != "--help":
                assert option in readme, f"rules {command} {option} is not documented in README"


def test_readme_example_pack_is_valid(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## Rule packs\n.*?```yaml\n(.*?)```", readme, re.S)
    assert example is not None
    path = tmp_path / "acme.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    pack = load_pack(path)
    assert (pack.entities["CN_PHONE"].level, pack.entities["CN_ID_CARD"].sensitive) == (4, False)
    assert pack.extra_headers["CN_PHONE"] == ("联系手机", "kehushouji")
