"""Markdown sections added to ``screening.report.to_markdown``: the registration prefill (数据知识产权登记)."""

from __future__ import annotations

from typing import Any

from screening.registration import TYPES, prefill
from screening.render import words


def _cell(x: Any) -> str:
    return ("—" if x is None else str(x)).replace("|", "\\|").replace("\n", " ")


def registration_lines(report: dict[str, Any]) -> list[str]:
    """The application's fields, from the report's ``registration`` (``run``) or derived from the report alone."""
    reg = report.get("registration") or prefill(report)
    sc, fmt, time = reg["scale"], reg["format"], reg.get("time")
    p = sc.get("persons")
    scale = f"{sc['rows']:,} 行 rows · {sc['bytes']:,} 字节 bytes · {sc['columns']} 字段 fields"
    scale += (
        f" · {p['count']:,} 个不同个人 distinct persons ({p['method']})" if p else " · 不同个人：无法计数 no person id"
    )
    form = fmt["format"].upper() + (f" · {fmt['encoding']}" if fmt.get("encoding") else "")
    form += f" · 分隔符 delimiter `{fmt['delimiter']}`" if fmt.get("delimiter") else ""
    if time is None:
        span = freq = "未测量（由 screening run 测量） not measured (screening run measures it)"
    elif time.get("start"):
        span = f"{time['start']} — {time['end']} (依据列 from column {time['main_column']})"
        f = time.get("frequency")
        freq = (
            f"{f['zh']} {f['en']} (相邻日期间隔中位数 median gap {f['median_gap_days']:g} 天 days; 估计值，请确认 "
            "an estimate, to confirm)"
            if f
            else "只有一天的数据 a single day"
        )
    else:
        span = freq = "无时间列 no date or time column"
    lines = [
        "",
        "## 登记信息预填 Registration prefill",
        "",
        "| 栏目 Field | 内容 Content |",
        "|---|---|",
        f"| 数据名称 Data name | {_cell(reg['name'])} ({reg['name_source']}) |",
        f"| 数据规模 Scale | {_cell(scale)} |",
        f"| 数据格式 Format | {_cell(form)} |",
        f"| 时间范围 Time range | {_cell(span)} |",
        f"| 更新频率 Update frequency | {_cell(freq)} |",
        "",
        "### 数据结构与处理规则 Structure and processing",
        "",
        "| 字段 Field | 类型 Type | 类别 Category | 级别 Level | 处理 Processing |",
        "|---|---|---|---|---|",
    ]
    actions = {x["name"]: x for x in reg["processing"]}
    for f in reg["structure"]:
        t = f.get("type")
        zh_t, en_t = TYPES.get(t, (t, t)) if t else words.KIND.get(f["kind"], (f["kind"], f["kind"]))
        cat = f["category"] + (f" · {words.entity(f['entity'])[0]}" if f.get("entity") else "")
        cat += " · 敏感 sensitive" if f["sensitive"] else ""
        proc = actions.get(f["name"], {})
        zh_op, en_op = words.operator(proc.get("action"))
        state = ("已执行 applied" if proc.get("applied") else "计划 planned") if proc else ""
        lines.append(
            f"| {_cell(f['name'])} | {zh_t} {en_t} | {_cell(cat)} | {_cell(words.level(report, f['level']))} | "
            f"{_cell(f'{zh_op} {en_op} ({state})')} |"
        )
    sample = reg.get("sample")
    lines += ["", "### 样例数据 Sample data", ""]
    if sample and sample.get("columns"):
        lines.append("| " + " | ".join(_cell(c) for c in sample["columns"]) + " |")
        lines.append("|" + "---|" * len(sample["columns"]))
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in sample["rows"]]
        if sample.get("hidden"):
            why = {"free_text": "自由文本 free text", "kept_personal": "保留原值的个人信息 personal, kept as is"}
            hidden = ", ".join(f"{_cell(n)} ({why.get(r, r)})" for n, r in sample["hidden"].items())
            lines += ["", f"未展示的列 Columns not shown: {hidden}"]
    else:
        shown = [c for c in report["columns"] if c.get("examples")]
        lines += [f"- {_cell(c['name'])}: {', '.join(c['examples'])}" for c in shown] or ["无样例 no sample"]
    c = reg["conclusion"]
    zh, en = words.verdict(c["verdict"])
    lines += ["", "### 结论 Conclusion", "", f"**{zh} {en}**; 数据集级别 dataset level {c['dataset_level']}", ""]
    for i, a in enumerate(c["actions"], 1):
        sev = words.SEVERITY.get(a["severity"], (a["severity"], a["severity"]))
        lines.append(f"{i}. [{sev[0]} {sev[1]}] {a['zh']} {a['en']}")
    return lines
