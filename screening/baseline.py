"""Findings of a report, the baseline of accepted findings, and the gate that decides exit code 1.

A finding is a column the report counts as personal or sensitive information, a combination rule the dataset
meets, or ID numbers of children under 14. Its identity is (file name, column, entity, level): the file's name
without its folder, so that a baseline made on one checkout matches another; for a combination the column is
its columns joined with ``+`` and the entity its rule id; for children, ``MINORS``. A change of level (a new
rule pack, more columns combined) is a new finding.

The gate: with a baseline, a report fails when it has a finding that is not in the baseline (at or above
``fail_on`` when that is given too); without one, when its dataset level reaches ``fail_on``. Raw values left
after desensitisation (``residual``) fail a run either way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from screening.errors import ConfigError

BASELINE_VERSION = 1
Key = tuple[str, str, str, int]


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding of one report, with what renderers need (rule, category, basis, action)."""
    file = Path(report["dataset"]["path"]).name
    s = report["summary"]
    personal = set(s.get("personal_columns", [])) | set(s.get("sensitive_columns", []))
    out = []
    for c in report["columns"]:
        if c["name"] in personal or c["sensitive"]:
            out.append(
                {
                    "file": file,
                    "column": c["name"],
                    "entity": c["entity"] or c["rule"],
                    "level": c["level"],
                    "kind": "column",
                    "rule": c["rule"],
                    "category": c["category"],
                    "sensitive": c["sensitive"],
                    "basis": c.get("basis", ""),
                    "action": c.get("action"),
                }
            )
    a = report.get("assessment") or {}
    for comb in a.get("combinations", []):
        out.append(
            {
                "file": file,
                "column": "+".join(comb["columns"]),
                "entity": comb["rule"],
                "level": a["level"],
                "kind": "combination",
                "rule": comb["rule"],
                "category": comb["name"],
                "sensitive": bool(a.get("sensitive")),
                "basis": comb["basis"],
                "action": None,
            }
        )
    m = a.get("minors")
    if m:
        out.append(
            {
                "file": file,
                "column": "+".join(m["columns"]),
                "entity": "MINORS",
                "level": a["level"],
                "kind": "minors",
                "rule": "DS-MINORS",
                "category": "不满十四周岁未成年人的个人信息 (children under 14)",
                "sensitive": True,
                "basis": m["basis"],
                "action": None,
            }
        )
    return out


def key(finding: dict[str, Any]) -> Key:
    return (finding["file"], finding["column"], finding["entity"], int(finding["level"]))


def create(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """A baseline accepting every finding of the reports (sorted, no time stamp: it diffs cleanly)."""
    keys = sorted({key(f) for r in reports for f in findings(r)})
    return {
        "baseline_version": BASELINE_VERSION,
        "findings": [{"file": f, "column": c, "entity": e, "level": lv} for f, c, e, lv in keys],
    }


def to_json(baseline: dict[str, Any]) -> str:
    return json.dumps(baseline, ensure_ascii=False, indent=2) + "\n"


def load(path: str | Path) -> set[Key]:
    """The accepted findings of a baseline file; a missing or malformed file is a ConfigError naming it."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(p, "baseline file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(p, f"not a readable JSON baseline ({e.__class__.__name__})") from None
    return load_keys(data, p)


def load_keys(data: Any, source: str | Path | None = None) -> set[Key]:
    """The accepted findings of a baseline's content (as ``create`` returns it)."""
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ConfigError(
            source, "not a baseline: expected an object with a 'findings' list (screening baseline create)"
        )
    keys: set[Key] = set()
    for i, f in enumerate(data["findings"]):
        try:
            keys.add((str(f["file"]), str(f["column"]), str(f["entity"]), int(f["level"])))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(source, f"finding {i + 1} needs file, column, entity and level") from None
    return keys


def new_findings(report: dict[str, Any], accepted: set[Key], fail_on: int | None = None) -> list[dict[str, Any]]:
    return [f for f in findings(report) if key(f) not in accepted and (fail_on is None or f["level"] >= fail_on)]


def gate(report: dict[str, Any], fail_on: int | None = None, accepted: set[Key] | None = None) -> dict[str, Any]:
    """Whether the report fails, and the findings that make it fail."""
    residual = report.get("residual")
    raw_left = bool(residual and not residual["clean"])
    if accepted is not None:
        failing = new_findings(report, accepted, fail_on)
        return {"failed": bool(failing) or raw_left, "findings": failing, "residual": raw_left}
    if fail_on is None:
        return {"failed": raw_left, "findings": [], "residual": raw_left}
    level = report["summary"].get("dataset_level", report["summary"]["max_level"])
    failing = [f for f in findings(report) if f["level"] >= fail_on]
    return {"failed": level >= fail_on or raw_left, "findings": failing, "residual": raw_left}
