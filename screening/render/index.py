"""The index of a folder scan: every file with its verdict, levels, state and a link to its report."""

from __future__ import annotations

import json
from typing import Any


def file_entry(report: dict[str, Any], link: str, json_link: str, failed: bool, new: int | None) -> dict[str, Any]:
    s, d = report["summary"], report["dataset"]
    return {
        "path": d["path"],
        "report": link,
        "json": json_link,
        "verdict": s["verdict"],
        "max_level": s["max_level"],
        "dataset_level": s.get("dataset_level", s["max_level"]),
        "rows": d["rows"],
        "sensitive_columns": len(s.get("sensitive_columns", [])),
        "failed": failed,
        "new_findings": new,
        "error": None,
    }


def error_entry(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "report": None, "json": None, "error": message, "failed": True}


def build_index(
    entries: list[dict[str, Any]], rules: dict[str, Any] | None, fail_on: int | None = None, baseline: bool = False
) -> dict[str, Any]:
    """Entries in input order; no time stamp, so the same inputs give the same index."""
    from screening import __version__

    ok = [f for f in entries if not f["error"]]
    verdicts: dict[str, int] = {}
    for f in ok:
        verdicts[f["verdict"]] = verdicts.get(f["verdict"], 0) + 1
    return {
        "index_version": 1,
        "tool": {"name": "screening", "version": __version__},
        "rules": {k: rules[k] for k in ("name", "version", "sha256")} if rules else None,
        "gate": {"fail_on": fail_on, "baseline": baseline},
        "files": entries,
        "summary": {
            "files": len(entries),
            "errors": len(entries) - len(ok),
            "failed": sum(1 for f in ok if f["failed"]),
            "verdicts": verdicts,
            "max_level": max((f["max_level"] for f in ok), default=None),
        },
    }


def to_json(index: dict[str, Any]) -> str:
    return json.dumps(index, ensure_ascii=False, indent=2) + "\n"
