"""SARIF 2.1.0: one result per finding, for code-scanning dashboards and CI.

Level: ``error`` for a finding at the pack's top level or a sensitive one, ``warning`` one level below,
``note`` under that. Location: the data file (``artifactLocation``, line 1 = the CSV header) and the column
(a ``logicalLocation`` of kind ``column``). Raw identifiers left after desensitisation are ``error`` results of
the rule ``SCREENING-RESIDUAL``. With a baseline, each result's ``baselineState`` is ``new`` or ``unchanged``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from screening import baseline as bl
from screening.render import words

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
RESIDUAL_RULE = "SCREENING-RESIDUAL"


def level_of(finding: dict[str, Any], top: int) -> str:
    if finding["sensitive"] or finding["level"] >= top:
        return "error"
    return "warning" if finding["level"] == top - 1 else "note"


def to_sarif(reports: list[dict[str, Any]], accepted: set[bl.Key] | None = None) -> str:
    return json.dumps(sarif_log(reports, accepted), ensure_ascii=False, indent=2) + "\n"


def sarif_log(reports: list[dict[str, Any]], accepted: set[bl.Key] | None = None) -> dict[str, Any]:
    from screening import __version__

    rules: dict[str, dict[str, Any]] = {}
    artifacts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for report in reports:
        d = report["dataset"]
        uri = _uri(d["path"])
        artifact = {
            "location": {"uri": uri},
            "length": d["bytes"],
            "hashes": {"sha-256": d["sha256"]},
            "roles": ["analysisTarget"],
        }
        if artifact not in artifacts:  # the schema wants run.artifacts unique: a file given twice is one artifact
            artifacts.append(artifact)
        index = artifacts.index(artifact)
        top = max((int(k) for k in (report["rules"].get("levels") or {})), default=4)
        for f in bl.findings(report):
            rule = rules.setdefault(f["rule"], _rule(f, len(rules)))
            zh_ent, en_ent = words.entity(f["entity"]) if f["kind"] == "column" else (f["category"], f["category"])
            text = (
                f"{d['path']} 列 {f['column']}：{zh_ent}，{f['category']}，第{f['level']}级"
                f"{'，敏感个人信息' if f['sensitive'] else ''} | column {f['column']}: {en_ent}, level {f['level']}"
                f"{', sensitive' if f['sensitive'] else ''}"
            )
            if f["action"]:
                zh_op, en_op = words.operator(f["action"])
                text += f" | 处理 action: {zh_op} / {en_op}"
            result: dict[str, Any] = {
                "ruleId": f["rule"],
                "ruleIndex": rule["_index"],
                "level": level_of(f, top),
                "message": {"text": text},
                "locations": [_location(uri, index, d["format"], f["column"], d["path"])],
                "partialFingerprints": {"screeningFinding/v1": _fingerprint(bl.key(f))},
                "properties": {
                    "file": f["file"],
                    "column": f["column"],
                    "entity": f["entity"],
                    "level": f["level"],
                    "category": f["category"],
                    "sensitive": f["sensitive"],
                    "kind": f["kind"],
                },
            }
            if accepted is not None:
                result["baselineState"] = "unchanged" if bl.key(f) in accepted else "new"
            results.append(result)
        residual = report.get("residual")
        for item in residual["columns"] if residual else []:
            rule = rules.setdefault(RESIDUAL_RULE, _residual_rule(len(rules)))
            counts = ", ".join(f"{k} {v}" for k, v in item["entities"].items())
            out_path = (report.get("output") or {}).get("path", d["path"])
            results.append(
                {
                    "ruleId": RESIDUAL_RULE,
                    "ruleIndex": rule["_index"],
                    "level": "error",
                    "message": {
                        "text": f"{out_path} 列 {item['name']}：脱敏后仍有原始标识符 ({counts}) | "
                        f"column {item['name']}: raw identifiers left after desensitisation ({counts})"
                    },
                    "locations": [_location(_uri(out_path), None, d["format"], item["name"], out_path)],
                }
            )
    driver_rules = [{k: v for k, v in r.items() if k != "_index"} for r in sorted(rules.values(), key=_index)]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "screening", "version": __version__, "rules": driver_rules}},
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True}],
        "properties": {
            "files": [
                {
                    "path": r["dataset"]["path"],
                    "verdict": r["summary"]["verdict"],
                    "dataset_level": r["summary"].get("dataset_level", r["summary"]["max_level"]),
                }
                for r in reports
            ]
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _index(rule: dict[str, Any]) -> int:
    return int(rule["_index"])


def _rule(f: dict[str, Any], index: int) -> dict[str, Any]:
    name = f["category"]
    return {
        "_index": index,
        "id": f["rule"],
        "name": f["rule"].replace("-", ""),
        "shortDescription": {"text": name},
        "fullDescription": {"text": f["basis"] or name},
        "properties": {"category": f["category"], "kind": f["kind"]},
    }


def _residual_rule(index: int) -> dict[str, Any]:
    return {
        "_index": index,
        "id": RESIDUAL_RULE,
        "name": "ResidualRawValues",
        "shortDescription": {"text": "脱敏后仍有原始标识符 Raw identifiers left after desensitisation"},
        "defaultConfiguration": {"level": "error"},
    }


def _location(uri: str, index: int | None, fmt: str, column: str, path: str) -> dict[str, Any]:
    artifact: dict[str, Any] = {"uri": uri}
    if index is not None:
        artifact["index"] = index
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if fmt == "csv":
        physical["region"] = {"startLine": 1}  # the header row names the column
    return {
        "physicalLocation": physical,
        "logicalLocations": [{"name": column, "fullyQualifiedName": f"{Path(path).name}/{column}", "kind": "column"}],
    }


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix(), safe="/")


def _fingerprint(k: bl.Key) -> str:
    text = json.dumps(list(k), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
