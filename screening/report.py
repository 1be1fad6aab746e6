"""Report dict (the stable JSON interface) and its Markdown rendering. No raw sensitive value ever enters."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from screening.model import Action, Classification, ColumnProfile, DatasetInfo
from screening.rules import RulePack

SCHEMA_VERSION = "1.0"
VERDICTS = ("clean", "personal_information", "sensitive_personal_information")


def schema() -> dict[str, Any]:
    """The JSON Schema of the report, shipped in the package."""
    return json.loads((resources.files("screening.schema") / "report.schema.json").read_text(encoding="utf-8"))


def column_entry(p: ColumnProfile, c: Classification, a: Action | None) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": p.kind,
        "entity": p.entity,
        "entities": dict(p.entities),
        "confidence": p.confidence,
        "reason": p.reason,
        "category": c.category,
        "level": c.level,
        "sensitive": c.sensitive,
        "rule": c.rule,
        "basis": c.basis,
        "cites": dict(c.cites),
        "decided_by": c.decided_by,
        "bases": list(c.bases),
        "class": c.pfi_class,
        "action": a.as_dict() if a is not None else None,
        "non_null": p.non_null,
        "header_entity": p.header_entity,
        "masked": dict(p.masked),
        "examples": list(p.examples),
        "sampled": p.sampled,
        "errors": list(p.errors),
    }


def build_report(
    info: DatasetInfo,
    rows: int,
    sha256: str,
    columns: list[dict[str, Any]],
    pack: RulePack,
    fail_on: int | None,
    seconds: float,
    assessment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    max_level = max((c["level"] for c in columns), default=min(pack.levels))
    dataset_level = assessment["level"] if assessment else max_level
    sensitive = [c["name"] for c in columns if c["sensitive"]]
    personal = [c["name"] for c in columns if c["rule"] != pack.unidentified.rule and c["category"] in _personal(pack)]
    any_sensitive = bool(sensitive) or bool(assessment and assessment["sensitive"])
    verdict = VERDICTS[2] if any_sensitive else VERDICTS[1] if personal else VERDICTS[0]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "screening", "version": _version()},
        "dataset": {
            "path": info.path,
            "format": info.format,
            "encoding": info.encoding,
            "delimiter": info.delimiter,
            "rows": rows,
            "columns": len(info.columns),
            "bytes": info.bytes,
            "sha256": sha256,
            "notes": list(info.notes),
        },
        "rules": {
            "name": pack.name,
            "version": pack.version,
            "title": pack.title,
            "sha256": pack.sha256,
            "source": pack.source,
            "levels": {str(k): v for k, v in sorted(pack.levels.items())},
            "layers": [layer.as_dict() for layer in pack.layers],
        },
        "columns": columns,
        "assessment": assessment,
        "summary": {
            "max_level": max_level,
            "dataset_level": dataset_level,
            "sensitive_columns": sensitive,
            "personal_columns": personal,
            "verdict": verdict,
            "fail_on": fail_on,
            "failed": fail_on is not None and dataset_level >= fail_on,
        },
        "timing": {"seconds": round(seconds, 3)},
    }


def _assessment_lines(a: dict[str, Any] | None) -> list[str]:
    if not a:
        return []
    lines = ["", "## Dataset", "", f"- Level {a['level']} (highest field level {a['field_max_level']}): {a['basis']}"]
    for c in a["combinations"]:
        lines.append(f"- Combination {c['rule']} {c['name']} in {', '.join(c['columns'])}: {c['basis']}")
    p = a["persons"]
    if p:
        lines.append(f"- Distinct persons: {p['count']:,} by {p['by']} in {', '.join(p['columns'])} ({p['method']})")
    for f in a["scale_flags"]:
        lines.append(f"- Scale: {f['flag']} ({f['basis']})")
    m = a["minors"]
    if m:
        lines.append(
            f"- Minors: {m['count']:,} ID numbers of persons under 14 on {m['on']} in {', '.join(m['columns'])}: "
            f"{m['basis']}"
        )
    for c in a["important_data_candidates"]:
        lines.append(f"- Candidate 重要数据 for review: {c['reason']} ({c['basis']})")
    if a["important_data_candidates"]:
        lines.append(f"- {a['important_data_note']}")
    return lines


def _personal(pack: RulePack) -> set[str]:
    return {r.category for e, r in pack.entities.items() if r.level >= 2 and not r.rule.startswith("ORG")}


def _version() -> str:
    from screening import __version__

    return __version__


def to_json(report: dict[str, Any] | list[dict[str, Any]]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def _cell(x: Any) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _count(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1,000 rows``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def to_markdown(report: dict[str, Any]) -> str:
    d, s = report["dataset"], report["summary"]
    lines = [
        f"# Screening report: `{d['path']}`",
        "",
        f"- Format: {d['format']}"
        + (f", encoding {d['encoding']}" if d.get("encoding") else "")
        + f"; {_count(d['rows'], 'row')}, {_count(d['columns'], 'column')}, {_count(d['bytes'], 'byte')}",
        f"- SHA-256: `{d['sha256']}`",
        f"- Rule pack: {report['rules']['name']} {report['rules']['version']} "
        f"(sha256 `{report['rules']['sha256'][:12]}…`)",
        f"- Verdict: **{s['verdict']}**; dataset level {s.get('dataset_level', s['max_level'])}, "
        f"highest field level {s['max_level']}"
        + (
            f"; fail-on level {s['fail_on']}: {'FAILED' if s['failed'] else 'passed'}"
            if s["fail_on"] is not None
            else ""
        ),
        f"- Sensitive columns: {', '.join(s['sensitive_columns']) or 'none'}",
    ]
    for note in d.get("notes", []):
        lines.append(f"- Note: {note}")
    lines += [
        "",
        "| Column | Kind | Entity | Category | Level | Sensitive | Rule | Action | Confidence | Examples (masked) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in report["columns"]:
        action = c["action"]
        act = (
            ""
            if action is None
            else action["operator"] + "".join(f" {k}={v}" for k, v in action.items() if k != "operator")
        )
        ents = c["entity"] or "—"
        if len(c["entities"]) > 1:
            ents += " (" + ", ".join(f"{k} {v}" for k, v in c["entities"].items()) + ")"
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    c["name"],
                    c["kind"],
                    ents,
                    c["category"],
                    c["level"],
                    "yes" if c["sensitive"] else "no",
                    c["rule"],
                    act or "—",
                    f"{c['confidence']:.2f}",
                    ", ".join(c["examples"]) or "—",
                )
            )
            + " |"
        )
    lines += _assessment_lines(report.get("assessment"))
    lines += ["", "## Why", ""]
    for c in report["columns"]:
        lines.append(f"- **{_cell(c['name'])}**: {c['reason']}. Basis: {c['basis']}")
        for err in c.get("errors", []):
            lines.append(f"  - recognizer error (value counted as not matching): {err}")
    if "output" in report:
        o = report["output"]
        lines += [
            "",
            "## Desensitised output",
            "",
            f"- Written: `{o['path']}` ({o['format']}, {o['rows']} rows)",
            f"- SHA-256: `{o['sha256']}`",
        ]
    if "residual" in report:
        r = report["residual"]
        lines += [f"- Verification re-scan: **{'clean' if r['clean'] else 'RAW VALUES LEFT'}**"]
        for item in r["columns"]:
            lines.append(f"  - {item['name']}: {', '.join(f'{k} {v}' for k, v in item['entities'].items())}")
    if "sample" in report:
        sm = report["sample"]
        lines.append(f"- Registration sample: `{sm['path']}` ({_count(sm['rows'], 'row')}, {sm['mode']})")
    lines += _risk_lines(report.get("risk"))
    # reports and CI: the registration prefill (screening/render/markdown.py)
    from screening.render.markdown import registration_lines

    lines += registration_lines(report)
    return "\n".join(lines) + "\n"


def _risk_lines(risk: dict[str, Any] | None) -> list[str]:
    if not risk:
        return []
    if not risk["quasi_identifiers"]:
        return ["", "## Re-identification risk", "", "- No quasi-identifier found or declared (--qi)."]
    qis = ", ".join(q["name"] for q in risk["quasi_identifiers"])
    lines = ["", "## Re-identification risk", "", f"- Quasi-identifiers: {qis}; threshold k = {risk['threshold']}"]
    for when in ("before", "after"):
        s = risk[when]
        if s:
            line = (
                f"- {when.capitalize()} desensitisation: minimum k {s['min_k']}, {s['groups']} groups, "
                f"{s['records_below']} records ({100 * s['share_below']:.1f}%) in groups below k"
            )
            if "l_diversity" in s:
                line += f"; l-diversity of {s['l_diversity']['attribute']}: minimum l {s['l_diversity']['min_l']}"
            lines.append(line)
    for step in risk["suggestion"]:
        lines.append(
            f"  - then {step['quasi_identifier']} → {step['generalize_to']}: minimum k {step['min_k']}, "
            f"{100 * step['share_below']:.1f}% below"
        )
    return lines
