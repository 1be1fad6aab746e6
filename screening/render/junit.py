"""JUnit XML: a test suite per file, a test case per column and per dataset-level finding.

A case fails when the gate (``screening.baseline.gate``) names its finding: new against the baseline, or at or
above ``--fail-on``. The case ``dataset level`` fails when the file fails without a baseline (dataset level at or
above ``--fail-on``), the case ``verification`` when a run left raw identifiers. So the suite's failures agree
with the exit code; without ``--fail-on`` or a baseline nothing fails and every case says what was found.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from screening import baseline as bl
from screening.render import words

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(value: Any) -> str:
    """Text XML 1.0 can carry: control characters (possible in column names) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def to_junit(reports: list[dict[str, Any]], accepted: set[bl.Key] | None = None, fail_on: int | None = None) -> str:
    suites = ET.Element("testsuites", name="screening")
    total = failures = 0
    seconds = 0.0
    for report in reports:
        d, s = report["dataset"], report["summary"]
        threshold = fail_on if fail_on is not None else s.get("fail_on")
        g = bl.gate(report, threshold, accepted)
        failing = {bl.key(f) for f in g["findings"]}
        name = Path(d["path"]).name
        t = float((report.get("timing") or {}).get("seconds", 0.0))
        seconds += t
        suite = ET.SubElement(suites, "testsuite", name=_x(d["path"]), time=f"{t:.3f}")
        props = ET.SubElement(suite, "properties")
        for k, v in (
            ("verdict", s["verdict"]),
            ("dataset_level", s.get("dataset_level", s["max_level"])),
            ("max_level", s["max_level"]),
            ("fail_on", "" if threshold is None else threshold),
            ("baseline", "yes" if accepted is not None else "no"),
            ("rows", d["rows"]),
            ("sha256", d["sha256"]),
        ):
            ET.SubElement(props, "property", name=k, value=_x(v))
        cases = fails = 0
        by_column = {f["column"]: f for f in bl.findings(report) if f["kind"] == "column"}
        for c in report["columns"]:
            cases += 1
            case = ET.SubElement(suite, "testcase", classname=_x(name), name=_x(f"列 column {c['name']}"), time="0")
            zh_e, en_e = words.entity(c["entity"])
            zh_op, en_op = words.operator(c["action"])
            detail = (
                f"{zh_e} / {en_e}; {c['category']}; level {c['level']}{'; sensitive' if c['sensitive'] else ''}; "
                f"{zh_op} / {en_op}; {c['reason']}"
            )
            f = by_column.get(c["name"])
            if f is not None and bl.key(f) in failing:
                fails += 1
                ET.SubElement(case, "failure", type=f"level-{c['level']}", message=_x(_message(f, accepted))).text = _x(
                    detail
                )
            else:
                ET.SubElement(case, "system-out").text = _x(detail)
        for f in bl.findings(report):
            if f["kind"] == "column":
                continue
            cases += 1
            case = ET.SubElement(
                suite, "testcase", classname=_x(name), name=_x(f"{f['entity']} {f['column']}"), time="0"
            )
            if bl.key(f) in failing:
                fails += 1
                ET.SubElement(case, "failure", type=f["kind"], message=_x(_message(f, accepted))).text = _x(f["basis"])
            else:
                ET.SubElement(case, "system-out").text = _x(f"{f['category']}: {f['basis']}")
        cases += 1
        case = ET.SubElement(suite, "testcase", classname=_x(name), name="数据集级别 dataset level", time="0")
        level = s.get("dataset_level", s["max_level"])
        if accepted is None and threshold is not None and level >= threshold:
            fails += 1
            ET.SubElement(
                case, "failure", type="fail-on", message=f"dataset level {level} >= --fail-on {threshold}"
            ).text = f"数据集级别 {level} 达到 --fail-on {threshold}"
        else:
            ET.SubElement(case, "system-out").text = f"dataset level {level}"
        residual = report.get("residual")
        if residual is not None:
            cases += 1
            case = ET.SubElement(suite, "testcase", classname=_x(name), name="复检 verification", time="0")
            if not residual["clean"]:
                fails += 1
                cols = ", ".join(r["name"] for r in residual["columns"])
                ET.SubElement(case, "failure", type="residual", message=_x(f"raw identifiers left in {cols}"))
        suite.set("tests", str(cases))
        suite.set("failures", str(fails))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += cases
        failures += fails
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("time", f"{seconds:.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _message(f: dict[str, Any], accepted: set[bl.Key] | None) -> str:
    why = "new finding, not in the baseline" if accepted is not None else "at or above --fail-on"
    return f"{f['entity']} level {f['level']}: {why}"
