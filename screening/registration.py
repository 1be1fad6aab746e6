"""Registration prefill (数据知识产权登记): the report's results mapped onto the application's fields.

数据名称, 数据规模 (rows, bytes, distinct persons), 数据结构 (per field: type, category, level), 数据格式,
时间范围 and 更新频率 (from date or date-time columns), 处理规则 (what was done to each column), 样例数据
(the masked sample) and a conclusion with the actions that remain.

``prefill(report)`` works from the report alone. The field types, the time range and the sample rows need the
files: ``measure`` streams the input once more (``screening.io.iter_batches``; only the first batch is kept
when no column holds dates) and ``sample_rows`` reads the first rows of the desensitised sample or output.
``screening run`` does both and stores the result under the report's ``registration`` key.

Date columns are found by parsing the first batch's first ``TYPE_SAMPLE`` non-empty cells with polars under
each of ``DATE_FORMATS`` (vectorised); a format that parses ``DATE_SHARE`` of them, with years in 1900-2100,
makes a date column. Columns that hold dates of birth (decided as DATE_OF_BIRTH, or a header naming a birth
date) describe persons, not the data's time range, and are left out of it. The update frequency is an
estimate from the median gap between the distinct days present, to be confirmed by the applicant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from screening import io

TYPE_SAMPLE = 1000
DATE_SHARE = 0.9
NUMBER_SHARE = 0.95
SAMPLE_ROWS = 5
CELL_CHARS = 60

DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", "date"),
    ("%Y/%m/%d", "date"),
    ("%Y.%m.%d", "date"),
    ("%Y%m%d", "date"),
    ("%Y年%m月%d日", "date"),
    ("%Y-%m-%d %H:%M:%S", "datetime"),
    ("%Y-%m-%dT%H:%M:%S", "datetime"),
    ("%Y/%m/%d %H:%M:%S", "datetime"),
    ("%Y-%m-%d %H:%M", "datetime"),
    ("%Y/%m/%d %H:%M", "datetime"),
    ("%Y-%m-%d %H:%M:%S%.f", "datetime"),
    ("%Y-%m-%dT%H:%M:%S%.f", "datetime"),
)
BIRTH_HEADER = re.compile(r"出生|生日|birth|\bdob\b|^csrq$|^sr$", re.IGNORECASE)

TYPES: dict[str, tuple[str, str]] = {
    "integer": ("整数", "integer"),
    "decimal": ("小数", "decimal"),
    "date": ("日期", "date"),
    "datetime": ("日期时间", "date-time"),
    "text": ("文本", "text"),
    "empty": ("空", "empty"),
}

FREQUENCIES: tuple[tuple[float, str, str], ...] = (
    (1.5, "每日", "daily"),
    (8, "每周", "weekly"),
    (35, "每月", "monthly"),
    (100, "每季度", "quarterly"),
    (400, "每年", "yearly"),
)

_INTEGER = r"^[+-]?\d+$"
_DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


# ------------------------------------------------------------------------------------------- prefill
def prefill(
    report: dict[str, Any],
    measured: dict[str, Any] | None = None,
    name: str | None = None,
    sample: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The application's fields from a report (plus, when given, ``measure`` and ``sample_rows`` results)."""
    d, s = report["dataset"], report["summary"]
    a = report.get("assessment") or {}
    measured = measured or {}
    types = measured.get("types", {})
    personal = set(s.get("personal_columns", [])) | set(s.get("sensitive_columns", []))
    applied = "output" in report
    time = measured.get("time")
    return {
        "name": name or Path(d["path"]).stem,
        "name_source": "option" if name else "file name",
        "scale": {
            "rows": d["rows"],
            "bytes": d["bytes"],
            "columns": d["columns"],
            "persons": a.get("persons"),
        },
        "structure": [
            {
                "name": c["name"],
                "type": types.get(c["name"]),
                "kind": c["kind"],
                "entity": c["entity"],
                "category": c["category"],
                "level": c["level"],
                "sensitive": c["sensitive"],
                "personal": c["name"] in personal,
            }
            for c in report["columns"]
        ],
        "format": {"format": d["format"], "encoding": d.get("encoding"), "delimiter": d.get("delimiter")},
        "time": time,
        "processing": [{"name": c["name"], "action": c["action"], "applied": applied} for c in report["columns"]],
        "sample": sample,
        "conclusion": {
            "verdict": s["verdict"],
            "dataset_level": s.get("dataset_level", s["max_level"]),
            "actions": actions(report),
        },
    }


def actions(report: dict[str, Any]) -> list[dict[str, str]]:
    """What remains to be done, most urgent first: severity (critical, high, medium, info) and the text in Chinese
    and English. Column names appear; values never do."""
    s = report["summary"]
    a = report.get("assessment") or {}
    cols = report["columns"]
    personal = set(s.get("personal_columns", [])) | set(s.get("sensitive_columns", []))
    out: list[dict[str, str]] = []

    def add(severity: str, zh: str, en: str) -> None:
        out.append({"severity": severity, "zh": zh, "en": en})

    residual = report.get("residual")
    if residual and not residual["clean"]:
        left = "、".join(
            f"{r['name']}（{', '.join(f'{k} {v}' for k, v in r['entities'].items())}）" for r in residual["columns"]
        )
        add(
            "critical",
            f"脱敏后的数据仍残留原始标识符：{left}。提交前必须修复并重新运行。",
            f"Raw identifiers remain after desensitisation in {left}. Fix and run again before submitting.",
        )
    kept_sensitive = [c["name"] for c in cols if c["sensitive"] and _op(c) == "keep"]
    if kept_sensitive:
        names = "、".join(kept_sensitive)
        add(
            "critical",
            f"敏感个人信息列保留了原值：{names}。请改为脱敏，或确认已取得单独同意。",
            f"Sensitive columns kept as they are: {names}. Desensitise them, or confirm separate consent.",
        )
    if "output" not in report:
        todo = [c for c in cols if _op(c) not in ("keep", "")]
        if todo:
            names = "、".join(c["name"] for c in todo[:12]) + ("等" if len(todo) > 12 else "")
            add(
                "high",
                f"登记前对 {len(todo)} 列脱敏（运行 screening run）：{names}。",
                f"Desensitise {len(todo)} columns before registering (run `screening run`): {names}.",
            )
    m = a.get("minors")
    if m:
        add(
            "high",
            f"含 {m['count']:,} 个不满十四周岁未成年人的身份证号（{'、'.join(m['columns'])}）："
            "属敏感个人信息，需监护人同意（个人信息保护法第三十一条），请核实或剔除。",
            f"{m['count']:,} ID numbers of children under 14 ({', '.join(m['columns'])}): sensitive personal "
            "information needing a guardian's consent (PIPL Art. 31); verify or remove these records.",
        )
    for cand in a.get("important_data_candidates", []):
        add(
            "high",
            f"疑似重要数据，需人工评估：{cand['reason']}。",
            f"Candidate important data (重要数据) for human review: {cand['reason']}.",
        )
    risk = report.get("risk") or {}
    after = risk.get("after")
    if after and after["min_k"] < risk["threshold"]:
        steps = risk.get("suggestion", [])
        at = next((i for i, x in enumerate(steps) if x["min_k"] >= risk["threshold"]), None)
        hint_zh = hint_en = ""
        if at is not None:  # the suggested steps are cumulative: each applies on top of the ones before
            step = steps[at]
            hint_zh = f"；按建议依次泛化，第 {at + 1} 步（{step['quasi_identifier']} → {step['generalize_to']}）达到 k"
            hint_en = (
                f"; applying the suggested steps in order, step {at + 1} ({step['quasi_identifier']} → "
                f"{step['generalize_to']}) reaches k"
            )
        add(
            "medium",
            f"重识别风险：脱敏后最小 k = {after['min_k']}，低于 {risk['threshold']}；"
            f"{after['records_below']:,} 条记录（{100 * after['share_below']:.1f}%）所在组小于 k{hint_zh}。",
            f"Re-identification risk: after desensitisation the minimum k is {after['min_k']}, below "
            f"{risk['threshold']}; {after['records_below']:,} records ({100 * after['share_below']:.1f}%) are in "
            f"smaller groups{hint_en}.",
        )
    kept_personal = [c["name"] for c in cols if c["name"] in personal and not c["sensitive"] and _op(c) == "keep"]
    if kept_personal:
        names = "、".join(kept_personal)
        add(
            "medium",
            f"个人信息列保留了原值：{names}。请确认登记确有必要。",
            f"Personal-information columns kept as they are: {names}. Confirm they are needed.",
        )
    for comb in a.get("combinations", []):
        add(
            "info",
            f"组合 {comb['name']}（{'、'.join(comb['columns'])}）使数据集级别提高。",
            f"The combination {comb['name']} ({', '.join(comb['columns'])}) raises the dataset's level.",
        )
    for flag in a.get("scale_flags", []):
        add("info", f"规模：{flag['flag']}（{flag['basis']}）。", f"Scale: {flag['flag']} ({flag['basis']}).")
    for note in report["dataset"].get("notes", []):
        add("info", f"读取说明：{note}", f"Reader note: {note}")
    if "output" in report and residual and residual["clean"]:
        done = sum(1 for c in cols if _op(c) not in ("keep", ""))
        add(
            "info",
            f"已按策略处理 {done} 列，复检未发现残留的原始标识符。",
            f"{done} columns desensitised by the policy; the re-scan found no raw identifier left.",
        )
    if not out:
        add("info", "未发现需要处理的问题。", "Nothing to fix.")
    return out


def _op(column: dict[str, Any]) -> str:
    return str((column.get("action") or {}).get("operator", ""))


# -------------------------------------------------------------------------------------------- measure
def measure(report: dict[str, Any], batch_rows: int = 100_000) -> dict[str, Any]:
    """Field types (from the first batch) and, for date columns, the time range and update frequency (over every
    row), read from the report's input file."""
    d = report["dataset"]
    info = io.open_source(d["path"], encoding=d.get("encoding"), delimiter=d.get("delimiter"))
    m = Measurer(report["columns"])
    batches = io.iter_batches(info, batch_rows=batch_rows)
    try:
        for batch in batches:
            m.add(batch)
            if not m.wants_more:
                break
    finally:
        _close(batches)
    return m.result()


class Measurer:
    """``measure`` fed the input's batches by a pass that reads them anyway (``run``'s): field types from the
    first batch, the date columns' range from every batch."""

    def __init__(self, columns: Sequence[dict[str, Any]]) -> None:
        self._by_name = {c["name"]: c for c in columns}
        self._types: dict[str, str] | None = None
        self._trackers: dict[str, _Dates] = {}

    @property
    def wants_more(self) -> bool:
        """Whether later batches change the result (a date column's range)."""
        return self._types is None or any(not t.birth for t in self._trackers.values())

    def add(self, batch: pl.DataFrame) -> None:
        if self._types is None:
            self._types = {}
            dated: dict[str, tuple[str, str]] = {}
            for name in batch.columns:
                kind, fmt = _type_of(batch.get_column(name), self._by_name.get(name, {}))
                self._types[name] = kind
                if fmt is not None:
                    dated[name] = (fmt, kind)
            self._trackers = {
                n: _Dates(n, fmt, kind, _is_birth(n, self._by_name.get(n, {}))) for n, (fmt, kind) in dated.items()
            }
        for t in self._trackers.values():
            if not t.birth:
                t.add(batch.get_column(t.name))

    def result(self) -> dict[str, Any]:
        columns = [t.result() for t in self._trackers.values()]
        return {"types": self._types or {}, "time": _overall(columns)}


def _close(batches: Iterator[pl.DataFrame]) -> None:
    """Stop a reader generator early (its file is closed at once, not when it is collected)."""
    close = getattr(batches, "close", None)
    if close is not None:
        close()


def _is_birth(name: str, column: dict[str, Any]) -> bool:
    if "DATE_OF_BIRTH" in (column.get("entity"), column.get("header_entity")):
        return True
    return bool(BIRTH_HEADER.search(name))


def _type_of(values: pl.Series, column: dict[str, Any]) -> tuple[str, str | None]:
    """(type, date format or None) of a column from the first non-empty cells of its first batch."""
    s = values.drop_nulls().str.strip_chars()
    s = s.filter(s != "").head(TYPE_SAMPLE)
    if s.len() == 0:
        return "empty", None
    if column.get("entity") or column.get("kind") == "free_text":
        return "text", None  # identifiers are text even when all digits: leading zeros, check letters
    fmt = _date_format(s)
    if fmt is not None:
        return fmt[1], fmt[0]
    n = s.len()
    if s.str.contains(_INTEGER).sum() >= NUMBER_SHARE * n:
        return "integer", None
    if s.str.contains(_DECIMAL).sum() >= NUMBER_SHARE * n:
        return "decimal", None
    return "text", None


def _date_format(s: pl.Series) -> tuple[str, str] | None:
    best: tuple[int, str, str] | None = None
    for fmt, kind in DATE_FORMATS:
        parsed = _parse(s, fmt, kind)
        year = parsed.dt.year()
        ok = int(((year >= 1900) & (year <= 2100)).fill_null(False).sum())
        if ok >= DATE_SHARE * s.len() and (best is None or ok > best[0]):
            best = (ok, fmt, kind)
    return None if best is None else (best[1], best[2])


def _parse(s: pl.Series, fmt: str, kind: str) -> pl.Series:
    s = s.str.strip_chars()
    if kind == "date":
        return s.str.to_date(fmt, strict=False)
    return s.str.to_datetime(fmt, strict=False, time_unit="us")


class _Dates:
    """Running minimum, maximum and distinct days of one date column."""

    def __init__(self, name: str, fmt: str, kind: str, birth: bool) -> None:
        self.name, self.fmt, self.kind, self.birth = name, fmt, kind, birth
        self.count = 0
        self.low: Any = None
        self.high: Any = None
        self.days: pl.Series = pl.Series("d", [], dtype=pl.Date)

    def add(self, values: pl.Series) -> None:
        parsed = _parse(values.drop_nulls(), self.fmt, self.kind).drop_nulls()
        year = parsed.dt.year()
        parsed = parsed.filter((year >= 1900) & (year <= 2100))
        if parsed.len() == 0:
            return
        self.count += parsed.len()
        lo, hi = parsed.min(), parsed.max()
        self.low = lo if self.low is None or lo < self.low else self.low  # type: ignore[operator]
        self.high = hi if self.high is None or hi > self.high else self.high  # type: ignore[operator]
        days = parsed.cast(pl.Date).unique().alias("d") if self.kind == "datetime" else parsed.unique().alias("d")
        self.days = pl.concat([self.days, days]).unique()

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.name, "format": self.fmt, "type": self.kind, "birth_dates": self.birth}
        if self.birth:
            return out
        out.update(
            {
                "values": self.count,
                "start": _iso(self.low),
                "end": _iso(self.high),
                "days": self.days.len(),
                "frequency": _frequency(self.days),
            }
        )
        return out


def _iso(x: Any) -> str | None:
    if x is None:
        return None
    if isinstance(x, dt.datetime):
        return x.isoformat(sep=" ")
    return x.isoformat() if isinstance(x, dt.date) else str(x)


def _frequency(days: pl.Series) -> dict[str, Any] | None:
    """The median gap between consecutive distinct days, named (daily, weekly, ...)."""
    if days.len() < 2:
        return None
    gaps = days.sort().diff().drop_nulls().dt.total_days()
    median = float(gaps.median())  # type: ignore[arg-type]
    for limit, zh, en in FREQUENCIES:
        if median <= limit:
            return {"median_gap_days": median, "zh": zh, "en": en}
    return {"median_gap_days": median, "zh": "不定期", "en": "irregular"}


def _overall(columns: list[dict[str, Any]]) -> dict[str, Any]:
    """Every date column, and the data's time range and frequency from the one with the most dated values."""
    ranged = [c for c in columns if not c["birth_dates"] and c.get("values")]
    main = max(ranged, key=lambda c: c["values"], default=None)
    return {
        "columns": columns,
        "main_column": main["column"] if main else None,
        "start": main["start"] if main else None,
        "end": main["end"] if main else None,
        "frequency": main["frequency"] if main else None,
    }


# --------------------------------------------------------------------------------------------- sample
def sample_rows(report: dict[str, Any], n: int = SAMPLE_ROWS) -> dict[str, Any] | None:
    """The first ``n`` rows of the desensitised sample (``--sample``), else of the desensitised output.

    Only after a clean verification. A column is shown when an operator changed it or when it holds no personal
    information; a personal column kept as is and free text (whose names are found by a model, not proven
    absent) are listed as hidden, so no raw value can reach the report this way.
    """
    residual = report.get("residual")
    source = (report.get("sample") or report.get("output") or {}).get("path")
    if not source or not residual or not residual["clean"]:
        return None
    s = report["summary"]
    personal = set(s.get("personal_columns", [])) | set(s.get("sensitive_columns", []))
    hidden: dict[str, str] = {}
    for c in report["columns"]:
        if c["kind"] == "free_text":
            hidden[c["name"]] = "free_text"
        elif _op(c) in ("keep", "") and (c["sensitive"] or c["name"] in personal):
            hidden[c["name"]] = "kept_personal"
    info = io.open_source(source)
    batches = io.iter_batches(info, batch_rows=max(n, 1))
    try:
        frame = next(batches).head(n)
    finally:
        _close(batches)
    shown = [c for c in frame.columns if c not in hidden]
    rows = [[_cut(v) for v in row] for row in frame.select(shown).iter_rows()] if shown else []
    return {"source": "sample" if report.get("sample") else "output", "columns": shown, "rows": rows, "hidden": hidden}


def _cut(v: Any) -> str | None:
    if v is None:
        return None
    text = str(v)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
