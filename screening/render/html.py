"""One self-contained HTML page per report, and one for a folder's index.

No script, no web font, no external resource: the style sheet is in the page, the charts are inline SVG drawn
here, and a Content-Security-Policy forbids any fetch, so the page reads the same offline, printed or
archived. Chinese first with English beside it. Every value from the report goes through ``html.escape``
(column names come from users' files).
"""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from screening.registration import TYPES, prefill
from screening.render import words

LEVEL_COLOURS = {1: "#2e7d32", 2: "#1565c0", 3: "#ef6c00", 4: "#c62828"}
OTHER_LEVEL = "#6a1b9a"
VERDICT_CLASS = {
    "clean": "v-clean",
    "personal_information": "v-personal",
    "sensitive_personal_information": "v-sensitive",
}

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 margin:0;padding:24px 32px;color:#1c1c1c;background:#fafafa;line-height:1.55;font-size:15px}
main{max-width:1180px;margin:0 auto}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 10px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.en{color:#555;font-weight:normal;font-size:.88em}
.sub{color:#555;margin:0 0 16px}
.verdict{border-radius:8px;padding:16px 20px;color:#fff}
.verdict .big{font-size:28px;font-weight:bold}.verdict .en{color:#fff;opacity:.92;font-size:17px}
.verdict ul{margin:10px 0 0;padding-left:20px}
.v-clean{background:#1b5e20}.v-personal{background:#e65100}.v-sensitive{background:#b71c1c}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px}
th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:"Noto Sans Mono CJK SC",monospace;background:#f3f3f3;padding:0 3px;border-radius:3px;font-size:.92em}
.badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:.85em;white-space:nowrap}
.badge .en,.sev .en{color:inherit}
.wide{overflow-x:auto}.nowrap td,.nowrap th{white-space:nowrap}
.sev{display:inline-block;min-width:5.5em;border-radius:4px;padding:0 6px;color:#fff;font-size:.85em;margin-right:6px}
.sev-critical{background:#b71c1c}.sev-high{background:#e65100}.sev-medium{background:#f9a825;color:#222}
.sev-info{background:#607d8b}
ol.fix li{margin:6px 0}
.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{background:#fff;border:1px solid #ddd;padding:8px 12px}
svg text{font-family:inherit;font-size:13px;fill:#222}
details summary{cursor:pointer;color:#1565c0}
.muted{color:#777}
.ok{color:#1b5e20;font-weight:bold}.bad{color:#b71c1c;font-weight:bold}
footer{margin-top:40px;color:#777;font-size:13px}
@media print{body{background:#fff;padding:0}details{display:block}}
"""


def e(x: Any) -> str:
    return escape("" if x is None else str(x), quote=True)


def bi(zh: str, en: str) -> str:
    """Chinese, then English beside it."""
    return f'{e(zh)} <span class="en">{e(en)}</span>'


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # no fetch of any kind: the page must read the same offline
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            f"<title>{e(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body><main>",
            *body,
            "</main></body>",
            "</html>",
            "",
        ]
    )


def _colour(level: int) -> str:
    return LEVEL_COLOURS.get(level, OTHER_LEVEL)


def _level_badge(report: dict[str, Any], level: int) -> str:
    return f'<span class="badge" style="background:{_colour(level)}">{e(words.level(report, level))}</span>'


# ---------------------------------------------------------------------------------------------- report
def to_html(report: dict[str, Any]) -> str:
    """The report as one page: verdict, what to fix first, charts, dataset flags, columns, registration, file."""
    d = report["dataset"]
    reg = report.get("registration") or prefill(report)
    name = Path(d["path"]).name
    body = [
        f'<h1>数据筛查报告 <span class="en">Screening report</span> · {e(name)}</h1>',
        f'<p class="sub">{e(d["path"])} · {e(report["rules"]["name"])} {e(report["rules"]["version"])}</p>',
        *_verdict(report),
        *_fix_first(reg["conclusion"]["actions"]),
        *_charts(report),
        *_dataset(report),
        *_columns(report),
        *_registration(report, reg),
        *_file(report),
        f"<footer>screening {e((report.get('tool') or {}).get('version', ''))} · "
        "本页为离线自包含文件，不加载任何外部资源 · a self-contained page: nothing is loaded from elsewhere</footer>",
    ]
    return _page(f"数据筛查报告 Screening report · {name}", body)


def _verdict(report: dict[str, Any]) -> list[str]:
    s, d = report["summary"], report["dataset"]
    zh, en = words.verdict(s["verdict"])
    level = s.get("dataset_level", s["max_level"])
    personal = set(s.get("personal_columns", [])) | set(s.get("sensitive_columns", []))
    facts = [
        f"{bi('数据集级别', 'Dataset level')}：<b>{e(level)}</b> · {e(words.level(report, level))}",
        f"{bi('最高字段级别', 'Highest field level')}：{e(s['max_level'])}",
        f"{bi('行', 'rows')} {d['rows']:,} · {bi('列', 'columns')} {d['columns']} · "
        f"{bi('含个人信息的列', 'personal columns')} {len(personal)} · "
        f"{bi('敏感列', 'sensitive columns')} {len(s.get('sensitive_columns', []))}",
    ]
    if s.get("fail_on") is not None:
        state = bi("未通过", "FAILED") if s.get("failed") else bi("通过", "passed")
        facts.append(f"--fail-on {e(s['fail_on'])}：{state}")
    residual = report.get("residual")
    if residual is not None:
        state = bi("干净", "clean") if residual["clean"] else bi("仍有原始标识符", "RAW VALUES LEFT")
        facts.append(f"{bi('脱敏后复检', 'Verification of the output')}：{state}")
    return [
        '<h2>结论 <span class="en">Verdict</span></h2>',
        f'<section class="verdict {VERDICT_CLASS.get(s["verdict"], "v-personal")}">',
        f'<div class="big">{e(zh)}</div><div class="en">{e(en)}</div>',
        "<ul>" + "".join(f"<li>{f}</li>" for f in facts) + "</ul>",
        "</section>",
    ]


def _fix_first(actions: list[dict[str, str]]) -> list[str]:
    items = []
    for a in actions:
        zh, en = words.SEVERITY.get(a["severity"], (a["severity"], a["severity"]))
        items.append(
            f'<li><span class="sev sev-{e(a["severity"])}">{e(zh)} · {e(en)}</span>{e(a["zh"])}'
            f'<br><span class="en">{e(a["en"])}</span></li>'
        )
    return [
        '<h2>先处理什么 <span class="en">What to fix first</span></h2>',
        '<ol class="fix">' + "".join(items) + "</ol>",
    ]


def _charts(report: dict[str, Any]) -> list[str]:
    cols = report["columns"]
    levels = sorted({int(k) for k in (report["rules"].get("levels") or {})} | {c["level"] for c in cols})
    per_level = Counter(c["level"] for c in cols)
    by_level = [(f"第{lv}级 level {lv}", per_level[lv], _colour(lv)) for lv in levels]
    per_cat: Counter[str] = Counter(c["category"] for c in cols)
    top: dict[str, int] = {}
    for c in cols:
        top[c["category"]] = max(top.get(c["category"], 0), c["level"])
    by_cat = [
        (cat, n, _colour(top[cat])) for cat, n in sorted(per_cat.items(), key=lambda x: (-top[x[0]], -x[1], x[0]))
    ]
    return [
        '<h2>列的分布 <span class="en">Columns by level and by category</span></h2>',
        '<div class="charts">',
        f'<div class="chart"><h3>{bi("按级别", "By level")}</h3>{bar_chart("按级别 By level", by_level)}</div>',
        f'<div class="chart"><h3>{bi("按类别", "By category")}</h3>{bar_chart("按类别 By category", by_cat)}</div>',
        "</div>",
    ]


def bar_chart(title: str, items: list[tuple[str, int, str]], width: int = 520) -> str:
    """Horizontal bars as inline SVG: (label, count, colour) per bar."""
    row, label_w = 30, 200
    longest = max((n for _, n, _ in items), default=0) or 1
    span = width - label_w - 60
    height = row * max(len(items), 1) + 8
    out = [
        f'<svg role="img" aria-label="{e(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{e(title)}</title>",
    ]
    for i, (label, n, colour) in enumerate(items):
        y = 4 + i * row
        w = round(span * n / longest) if n else 0
        short = label if len(label) <= 16 else label[:15] + "…"
        out.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end">{e(short)}</text>')
        out.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 1) if n else 0}" height="{row - 10}" rx="3" '
            f'fill="{e(colour)}"><title>{e(label)}: {n}</title></rect>'
        )
        out.append(f'<text x="{label_w + w + 6}" y="{y + 19}">{n}</text>')
    out.append("</svg>")
    return "".join(out)


def _dataset(report: dict[str, Any]) -> list[str]:
    a = report.get("assessment")
    out = ['<h2>数据集级别的标志与风险 <span class="en">Dataset-level flags and risk</span></h2>']
    if not a:
        out.append(
            f'<p class="muted">{bi("报告中没有数据集级评估。", "The report has no dataset-level assessment.")}</p>'
        )
    else:
        rows = [
            (bi("数据集级别", "Dataset level"), f"{_level_badge(report, a['level'])} {e(a.get('basis', ''))}"),
            (bi("最高字段级别", "Highest field level"), e(a["field_max_level"])),
        ]
        p = a.get("persons")
        rows.append(
            (
                bi("不同个人数", "Distinct persons"),
                f"{p['count']:,} · {e(words.entity(p['by'])[0])} {e(p['by'])} · {e('、'.join(p['columns']))} · "
                f"{e(p['method'])}"
                if p
                else bi("未找到可计数的个人标识", "no person identifier to count by"),
            )
        )
        m = a.get("minors")
        rows.append(
            (
                bi("不满十四周岁", "Children under 14"),
                f'<span class="bad">{m["count"]:,}</span> · {e("、".join(m["columns"]))} · {e(m.get("on", ""))} · '
                f"{e(m['basis'])}"
                if m
                else bi("无", "none"),
            )
        )
        flags = a.get("scale_flags", [])
        rows.append(
            (
                bi("规模标志", "Scale flags"),
                "<br>".join(f'{e(f["flag"])} <span class="muted">{e(f["basis"])}</span>' for f in flags)
                or bi("无", "none"),
            )
        )
        cands = a.get("important_data_candidates", [])
        rows.append(
            (
                bi("疑似重要数据（需人工评估）", "Candidate important data (for human review)"),
                "<br>".join(f'{e(c["reason"])} <span class="muted">{e(c["basis"])}</span>' for c in cands)
                + (f'<br><span class="muted">{e(a.get("important_data_note", ""))}</span>' if cands else "")
                or bi("无", "none"),
            )
        )
        out.append("<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>")
        combos = a.get("combinations", [])
        if combos:
            out.append(f"<h3>{bi('提升级别的组合', 'Combinations that raise the level')}</h3>")
            out.append(
                "<table><tr>"
                + "".join(f"<th>{h}</th>" for h in (bi("规则", "Rule"), bi("组合", "Combination"), bi("列", "Columns")))
                + f"<th>{bi('依据', 'Basis')}</th></tr>"
                + "".join(
                    f"<tr><td><code>{e(c['rule'])}</code></td><td>{e(c['name'])}</td>"
                    f"<td>{e('、'.join(c['columns']))}</td><td>{e(c['basis'])}</td></tr>"
                    for c in combos
                )
                + "</table>"
            )
    out += _risk(report.get("risk"))
    return out


def _risk(risk: dict[str, Any] | None) -> list[str]:
    if not risk:
        return []
    out = [f"<h3>{bi('重识别风险（k-匿名）', 'Re-identification risk (k-anonymity)')}</h3>"]
    qis = risk.get("quasi_identifiers") or []
    if not qis:
        return [
            *out,
            f"<p>{bi('未找到或未声明准标识符（--qi）。', 'No quasi-identifier found or declared (--qi).')}</p>",
        ]
    out.append(
        f"<p>{bi('准标识符', 'Quasi-identifiers')}：{e('、'.join(q['name'] for q in qis))} · "
        f"{bi('阈值', 'threshold')} k = {e(risk['threshold'])}</p>"
    )
    head = (
        bi("阶段", "Stage"),
        bi("最小 k", "Minimum k"),
        bi("分组数", "Groups"),
        bi("小于 k 的记录", "Records below k"),
        bi("占比", "Share"),
        bi("l-多样性", "l-diversity"),
    )
    rows = []
    for when, zh, en in (("before", "脱敏前", "before"), ("after", "脱敏后", "after")):
        s = risk.get(when)
        if not s:
            continue
        ld = s.get("l_diversity")
        l_text = f"{e(ld['attribute'])}: l ≥ {e(ld['min_l'])}" if ld else "—"
        k_cls = "ok" if s["min_k"] >= risk["threshold"] else "bad"
        rows.append(
            f'<tr><td>{bi(zh, en)}</td><td class="num {k_cls}">{e(s["min_k"])}</td><td class="num">'
            f'{s["groups"]:,}</td><td class="num">{s["records_below"]:,}</td><td class="num">'
            f"{100 * s['share_below']:.1f}%</td><td>{l_text}</td></tr>"
        )
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>")
    steps = risk.get("suggestion") or []
    if steps:
        out.append(f"<p>{bi('逐步泛化的效果（依次叠加）', 'Generalisation steps, applied in order')}：</p><ol>")
        out += [
            f"<li>{e(x['quasi_identifier'])} → {e(x['generalize_to'])}: k = {e(x['min_k'])}, "
            f"{100 * x['share_below']:.1f}% {bi('低于 k', 'below k')}</li>"
            for x in steps
        ]
        out.append("</ol>")
    return out


def _columns(report: dict[str, Any]) -> list[str]:
    applied = "output" in report
    head = (
        bi("列名", "Column"),
        bi("判定", "Decision"),
        bi("证据", "Evidence"),
        bi("处理", "Action"),
        bi("示例（已脱敏）", "Examples (masked)"),
    )
    rows = []
    order = sorted(report["columns"], key=lambda c: (-c["level"], not c["sensitive"]))
    for c in order:
        zh_e, en_e = words.entity(c["entity"])
        zh_k, en_k = words.KIND.get(c["kind"], (c["kind"], c["kind"]))
        decision = (
            f"<b>{bi(zh_e, en_e)}</b><br>{e(c['category'])}<br>{_level_badge(report, c['level'])}"
            + (
                f' <span class="badge" style="background:#b71c1c">{bi("敏感", "sensitive")}</span>'
                if c["sensitive"]
                else ""
            )
            + f"<br>{bi('置信度', 'confidence')} {c['confidence']:.2f} · <code>{e(c['rule'])}</code>"
            + f"<details><summary>{bi('依据', 'basis')}</summary>{e(c.get('basis', ''))}</details>"
        )
        zh_op, en_op = words.operator(c["action"])
        state = bi("已执行", "applied") if applied else bi("计划", "planned")
        examples = " ".join(f"<code>{e(x)}</code>" for x in c.get("examples", [])) or '<span class="muted">—</span>'
        rows.append(
            f'<tr><td><b>{e(c["name"])}</b><br><span class="muted">{bi(zh_k, en_k)}</span></td>'
            f'<td>{decision}</td><td>{_evidence(c)}</td><td>{bi(zh_op, en_op)}<br><span class="muted">{state}'
            f"</span></td><td>{examples}</td></tr>"
        )
    return [
        '<h2>逐列结果 <span class="en">Column by column</span></h2>',
        "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>",
    ]


def _evidence(c: dict[str, Any]) -> str:
    nn = c.get("non_null") or 0
    lines = [f"{bi('非空值', 'non-empty')} {nn:,}"]
    shaped = c.get("shaped") or {}
    for ent, n in c["entities"].items():
        share = f" ({100 * n / nn:.1f}%)" if nn else ""
        what = bi("含此类信息", "contain it") if c["kind"] == "free_text" else bi("命中并通过校验", "hit and valid")
        line = f"<code>{e(ent)}</code> {n:,}{share} {what}"
        if shaped.get(ent):
            line += f" · {bi('校验通过率', 'validation')} {100 * n / shaped[ent]:.1f}%"
        lines.append(line)
    for ent, n in (c.get("masked") or {}).items():
        lines.append(f"<code>{e(ent)}</code> {n:,} {bi('已是掩码', 'already masked')}")
    if c.get("header_entity"):
        agree = c["header_entity"] == c["entity"]
        lines.append(
            f"{bi('表头指向', 'header says')} {e(words.entity(c['header_entity'])[0])}"
            + (f" · {bi('与数值一致', 'agrees')}" if agree else f" · {bi('与数值不一致', 'values disagree')}")
        )
    else:
        lines.append(bi("表头未指明", "header names nothing"))
    if c.get("sampled") is not None:
        lines.append(f"{bi('模型抽样单元格', 'cells seen by the name model')} {c['sampled']:,}")
    for err in c.get("errors", []):
        lines.append(f'<span class="bad">{bi("识别器错误", "recognizer error")}</span> {e(err)}')
    lines.append(f'<span class="muted">{e(c["reason"])}</span>')
    return "<br>".join(lines)


def _registration(report: dict[str, Any], reg: dict[str, Any]) -> list[str]:
    sc = reg["scale"]
    p = sc.get("persons")
    scale = f"{bi('行', 'rows')} {sc['rows']:,} · {bi('字节', 'bytes')} {sc['bytes']:,} · "
    scale += f"{bi('字段', 'fields')} {sc['columns']}"
    scale += (
        f" · {bi('不同个人', 'distinct persons')} {p['count']:,} ({e(p['method'])})"
        if p
        else f" · {bi('不同个人：无法计数', 'distinct persons: nothing to count by')}"
    )
    fmt = reg["format"]
    fmt_text = e(fmt["format"].upper())
    if fmt.get("encoding"):
        fmt_text += f" · {bi('编码', 'encoding')} {e(fmt['encoding'])}"
    if fmt.get("delimiter"):
        fmt_text += f" · {bi('分隔符', 'delimiter')} <code>{e(fmt['delimiter'])}</code>"
    time = reg.get("time")
    if time is None:
        time_text = freq_text = bi("未测量（由 screening run 测量）", "not measured (screening run measures it)")
    elif time.get("start"):
        time_text = f"{e(time['start'])} — {e(time['end'])} ({bi('依据列', 'from column')} {e(time['main_column'])})"
        f = time.get("frequency")
        freq_text = (
            f"{bi(f['zh'], f['en'])} · {bi('相邻日期间隔中位数', 'median gap between dates')} "
            f"{f['median_gap_days']:g} {bi('天', 'days')} · {bi('估计值，请确认', 'an estimate, to confirm')}"
            if f
            else bi("只有一天的数据", "a single day")
        )
    else:
        time_text = freq_text = bi("无时间列", "no date or time column")
    rows = [
        (bi("数据名称", "Data name"), f'{e(reg["name"])} <span class="muted">({e(reg["name_source"])})</span>'),
        (bi("数据规模", "Scale"), scale),
        (bi("数据结构", "Structure"), _structure(report, reg)),
        (bi("数据格式", "Format"), fmt_text),
        (bi("时间范围", "Time range"), time_text),
        (bi("更新频率", "Update frequency"), freq_text),
        (bi("处理规则", "Processing rules"), _processing(reg)),
        (bi("样例数据", "Sample data"), _sample(report, reg)),
        (bi("结论", "Conclusion"), _conclusion(reg)),
    ]
    return [
        '<h2>登记信息预填 <span class="en">Registration prefill</span></h2>',
        '<p class="muted">数据知识产权登记申请表各栏的建议内容，提交前请核对。 '
        '<span class="en">Suggested content for the registration form; check before submitting.</span></p>',
        "<table>" + "".join(f'<tr><th style="width:14em">{k}</th><td>{v}</td></tr>' for k, v in rows) + "</table>",
    ]


def _structure(report: dict[str, Any], reg: dict[str, Any]) -> str:
    head = (bi("字段", "Field"), bi("类型", "Type"), bi("类别", "Category"), bi("级别", "Level"))
    rows = []
    for f in reg["structure"]:
        t = f.get("type")
        zh_t, en_t = TYPES.get(t, (t, t)) if t else words.KIND.get(f["kind"], (f["kind"], f["kind"]))
        ent = f" · {e(words.entity(f['entity'])[0])}" if f.get("entity") else ""
        sens = f" · {bi('敏感', 'sensitive')}" if f["sensitive"] else ""
        rows.append(
            f"<tr><td>{e(f['name'])}</td><td>{bi(zh_t, en_t)}</td><td>{e(f['category'])}{ent}{sens}</td>"
            f"<td>{_level_badge(report, f['level'])}</td></tr>"
        )
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"


def _processing(reg: dict[str, Any]) -> str:
    rows = []
    for p in reg["processing"]:
        zh, en = words.operator(p["action"])
        state = bi("已执行", "applied") if p["applied"] else bi("计划", "planned")
        rows.append(f"<tr><td>{e(p['name'])}</td><td>{bi(zh, en)}</td><td>{state}</td></tr>")
    head = (bi("字段", "Field"), bi("处理", "Processing"), bi("状态", "State"))
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"


def _sample(report: dict[str, Any], reg: dict[str, Any]) -> str:
    sample = reg.get("sample")
    info = report.get("sample")
    where = (
        f"{bi('样例文件', 'sample file')} <code>{e(Path(info['path']).name)}</code> · {info['rows']:,} "
        f"{bi('行', 'rows')} · {e(info['mode'])}<br>"
        if info
        else ""
    )
    if not sample or not sample.get("columns"):
        shown = [
            f"<tr><td>{e(c['name'])}</td><td>{' '.join(f'<code>{e(x)}</code>' for x in c['examples'])}</td></tr>"
            for c in report["columns"]
            if c.get("examples")
        ]
        if not shown:
            return where + bi("无样例", "no sample")
        return (
            where
            + f'<span class="muted">{bi("各列已脱敏的示例值", "masked example values per column")}</span>'
            + "<table>"
            + "".join(shown)
            + "</table>"
        )
    hidden = sample.get("hidden", {})
    note = ""
    if hidden:
        why = {"free_text": ("自由文本", "free text"), "kept_personal": ("保留原值的个人信息", "personal, kept as is")}
        note = (
            f'<br><span class="muted">{bi("未在此展示的列", "columns not shown here")}：'
            + "、".join(f"{e(n)}（{bi(*why.get(r, (r, r)))}）" for n, r in hidden.items())
            + "</span>"
        )
    source = (
        bi("脱敏后的样例", "desensitised sample")
        if sample["source"] == "sample"
        else bi("脱敏后的数据", "desensitised output")
    )
    table = (
        '<div class="wide"><table class="nowrap"><tr>'
        + "".join(f"<th>{e(c)}</th>" for c in sample["columns"])
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in sample["rows"])
        + "</table></div>"
    )
    return f"{where}{source}{table}{note}"


def _conclusion(reg: dict[str, Any]) -> str:
    c = reg["conclusion"]
    zh, en = words.verdict(c["verdict"])
    items = "".join(
        f'<li><span class="sev sev-{e(a["severity"])}">{e(words.SEVERITY.get(a["severity"], (a["severity"],))[0])}'
        f'</span>{e(a["zh"])} <span class="en">{e(a["en"])}</span></li>'
        for a in c["actions"]
    )
    return (
        f"<b>{bi(zh, en)}</b> · {bi('数据集级别', 'dataset level')} {e(c['dataset_level'])}"
        f"<br>{bi('尚需完成', 'Remaining actions')}：<ol>{items}</ol>"
    )


def _file(report: dict[str, Any]) -> list[str]:
    d, r = report["dataset"], report["rules"]
    rows = [
        (bi("文件", "File"), f"<code>{e(d['path'])}</code>"),
        (
            bi("格式", "Format"),
            e(d["format"])
            + (f" · {e(d['encoding'])}" if d.get("encoding") else "")
            + (f" · <code>{e(d['delimiter'])}</code>" if d.get("delimiter") else ""),
        ),
        (bi("大小", "Size"), f"{d['bytes']:,} {bi('字节', 'bytes')} · {d['rows']:,} {bi('行', 'rows')}"),
        ("SHA-256", f"<code>{e(d['sha256'])}</code>"),
        (bi("规则包", "Rule pack"), f"{e(r['name'])} {e(r['version'])} · <code>{e(r['sha256'])}</code>"),
    ]
    o = report.get("output")
    if o:
        rows.append(
            (bi("脱敏后的数据", "Desensitised output"), f"<code>{e(o['path'])}</code> · <code>{e(o['sha256'])}</code>")
        )
    sm = report.get("sample")
    if sm:
        rows.append((bi("样例文件", "Sample file"), f"<code>{e(sm['path'])}</code> · <code>{e(sm['sha256'])}</code>"))
    for note in d.get("notes", []):
        rows.append((bi("读取说明", "Reader note"), e(note)))
    return [
        '<h2>文件与规则 <span class="en">File and rules</span></h2>',
        "<table>" + "".join(f'<tr><th style="width:14em">{k}</th><td>{v}</td></tr>' for k, v in rows) + "</table>",
    ]


# ----------------------------------------------------------------------------------------------- index
def index_html(index: dict[str, Any]) -> str:
    """The folder's index: every file with its verdict, levels and a link to its report."""
    head = (
        bi("文件", "File"),
        bi("结论", "Verdict"),
        bi("最高字段级别", "Max level"),
        bi("数据集级别", "Dataset level"),
        bi("行", "Rows"),
        bi("状态", "State"),
    )
    rows = []
    for f in index["files"]:
        link = f'<a href="{e(quote(f["report"]))}">{e(f["path"])}</a>' if f.get("report") else e(f["path"])
        if f.get("error"):
            rows.append(
                f'<tr><td>{link}</td><td colspan="4" class="bad">{bi("无法读取", "unreadable")}</td>'
                f"<td>{e(f['error'])}</td></tr>"
            )
            continue
        zh, en = words.verdict(f["verdict"])
        gate = index.get("gate") or {}
        if f.get("failed"):
            state = bi("未通过", "FAILED") + (
                f" ({f['new_findings']} {bi('项新发现', 'new')})" if f.get("new_findings") else ""
            )
        elif gate.get("fail_on") is None and not gate.get("baseline"):
            state = f'<span class="muted">{bi("未设门槛", "no --fail-on or --baseline")}</span>'
        else:
            state = bi("通过", "passed")
        colour = {"clean": "#1b5e20", "personal_information": "#e65100"}.get(f["verdict"], "#b71c1c")
        rows.append(
            f'<tr><td>{link}</td><td><span class="badge" style="background:{colour}">{e(zh)}</span> '
            f'<span class="en">{e(en)}</span></td><td class="num">{e(f["max_level"])}</td>'
            f'<td class="num">{e(f["dataset_level"])}</td><td class="num">{f["rows"]:,}</td><td>{state}</td></tr>'
        )
    s = index["summary"]
    verdicts = Counter({k: v for k, v in s["verdicts"].items()})
    chart = bar_chart(
        "按结论 By verdict",
        [
            (f"{words.verdict(v)[0]}", verdicts.get(v, 0), c)
            for v, c in (
                ("sensitive_personal_information", "#b71c1c"),
                ("personal_information", "#e65100"),
                ("clean", "#1b5e20"),
            )
        ]
        + ([("无法读取 unreadable", s["errors"], "#607d8b")] if s["errors"] else []),
    )
    body = [
        '<h1>数据筛查索引 <span class="en">Screening index</span></h1>',
        f'<p class="sub">{s["files"]} {bi("个文件", "files")} · {s["failed"]} {bi("个未通过", "failed")} · '
        f"{s['errors']} {bi('个无法读取', 'unreadable')}</p>",
        f'<div class="chart">{chart}</div>',
        "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>",
        f"<footer>screening {e(index['tool']['version'])}</footer>",
    ]
    return _page("数据筛查索引 Screening index", body)
