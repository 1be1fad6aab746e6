"""Dataset-level rules: the dataset's level, combinations that raise it, distinct persons and scale flags,
minors, and candidate 重要数据 for human review.

* Level: the highest field level (就高, GB/T 43697-2024 6.6 [M]), raised by one step for each combination
  rule the dataset meets, at most to the highest level the pack gives any entity (so a finance pack's level 5,
  重要数据-like, is never reached by combining fields).
* Persons: counted by ID number, else by mobile number, over every valid value of every column decided
  as that entity (see ``screening.persons``: exact up to 200,000, then a HyperLogLog estimate).
* Flags at 1万 persons with sensitive information, 10万, 100万 and 1000万 persons.
* Minors: a valid ID number whose birth date makes its holder younger than 14 on the scan date marks
  不满十四周岁未成年人的个人信息, sensitive personal information under PIPL Art. 28.
* 重要数据 candidates (population-scale PI, precise geodata at scale, health or ethnicity data at scale)
  are flagged for a person to review; the tool never declares data important or core by itself.

Thresholds and their sources are the tagged facts of the project's standards notes: [V] read in a source,
[S] secondary transcription, [M] recalled, [I] this tool's own inference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screening.detect import PERSON_KEYS, ColumnEvidence
from screening.model import Classification, ColumnProfile
from screening.persons import RELATIVE_ERROR, PersonSketch
from screening.rules import RulePack


@dataclass(frozen=True)
class Combination:
    rule: str
    name: str
    all_of: tuple[str | tuple[str, ...], ...]
    """Each item must be present; a tuple item is met by any of its entities."""
    sensitive: bool
    basis: str


COMBINATIONS = (
    Combination(
        "DS-COMB-001",
        "姓名 + 身份证号 (identity record)",
        ("PERSON", "CN_ID_CARD"),
        False,
        "GB/T 43697-2024 6.6 综合确定级别: 汇聚融合可提升级别 [M]; this pair identifies a person outright [I]",
    ),
    Combination(
        "DS-COMB-002",
        "姓名 + 手机号 + 地址 (contact record)",
        ("PERSON", "CN_PHONE", "CN_ADDRESS"),
        False,
        "GB/T 43697-2024 6.6 综合确定级别: 汇聚融合可提升级别 [M]; name, phone and address locate a person [I]",
    ),
    Combination(
        "DS-COMB-003",
        "精确位置 + 个人标识 (location series of identified persons: 行踪轨迹)",
        ("GEO_COORDINATE", ("PERSON", "CN_ID_CARD", "CN_PHONE")),
        True,
        "个人信息保护法 第二十八条 行踪轨迹 [V]; GB/T 35273-2020 表B.1 精准定位信息 [S]",
    ),
)

SCALE_FLAGS = (
    (
        10_000,
        True,
        "≥1万人 sensitive personal information",
        "促进和规范数据跨境流动规定 (2024): ≥1万人敏感个人信息出境需安全评估 [M]",
    ),
    (100_000, False, "≥10万人 personal information", "促进和规范数据跨境流动规定 (2024): 10万人以上标准合同/认证 [M]"),
    (
        1_000_000,
        False,
        "≥100万人 personal information",
        "个人信息保护合规审计管理办法 (2025): 100万人以上指定个人信息保护负责人; 出境安全评估 [M]",
    ),
    (
        10_000_000,
        False,
        "≥1000万人 personal information: 重要数据 handler duties apply",
        "网络数据安全管理条例 第二十八条: 处理1000万人以上个人信息的, 遵守重要数据处理者的规定 [S]",
    ),
)
MINORS_BASIS = "个人信息保护法 第二十八条 不满十四周岁未成年人的个人信息为敏感个人信息 [V]; 第三十一条 [V]"
POPULATION_SCALE = 100_000
"""Persons (or rows, without a person key) from which health, ethnicity or geodata is flagged as a
candidate 重要数据 for review [I]."""


def _present(profiles: Sequence[ColumnProfile]) -> dict[str, list[str]]:
    """Entity -> the columns it was found in (decided entity, mixed members, entities inside free text)."""
    out: dict[str, list[str]] = {}
    for p in profiles:
        if p.kind == "empty":
            continue
        found = {e for e, n in p.entities.items() if n} if p.kind == "free_text" else set(p.entities) | {p.entity}
        for e in sorted(x for x in found if x):
            out.setdefault(e, []).append(p.name)
    return out


def _persons(profiles: Sequence[ColumnProfile], evidence: dict[str, ColumnEvidence]) -> dict[str, Any] | None:
    for entity in PERSON_KEYS:  # ID number first, then mobile number
        columns = [p.name for p in profiles if p.kind == "structured" and p.entity == entity]
        sketches = [evidence[c].persons[entity] for c in columns if entity in evidence[c].persons]
        if not sketches:
            continue
        merged = sketches[0]
        for s in sketches[1:]:
            merged = merged.merge(s)
        return _persons_entry(entity, columns, merged)
    return None


def _persons_entry(entity: str, columns: list[str], sketch: PersonSketch) -> dict[str, Any]:
    exact = sketch.is_exact
    return {
        "count": sketch.count(),
        "by": entity,
        "columns": columns,
        "method": "exact" if exact else f"estimate (HyperLogLog, standard error {100 * RELATIVE_ERROR:.1f}%)",
    }


def assess(
    profiles: Sequence[ColumnProfile],
    classifications: Sequence[Classification],
    evidence: dict[str, ColumnEvidence],
    pack: RulePack,
    rows: int,
    today: dt.date,
) -> dict[str, Any]:
    """The report's ``assessment`` section."""
    field_max = max((c.level for c in classifications), default=min(pack.levels))
    present = _present(profiles)
    combos = []
    for combo in COMBINATIONS:
        met: list[str] = []
        for item in combo.all_of:
            options = item if isinstance(item, tuple) else (item,)
            hit = next((e for e in options if e in present), None)
            if hit is None:
                break
            met.append(hit)
        else:
            columns = sorted({c for e in met for c in present[e]})
            combos.append(
                {"rule": combo.rule, "name": combo.name, "entities": met, "columns": columns, "basis": combo.basis}
            )
    # Combinations raise the level within the part of the scale the pack gives personal information: the top
    # of a finance pack (JR/T 0197 level 5, 重要数据-like) is never reached by combining fields.
    ceiling = max([r.level for r in pack.entities.values()] + [field_max])
    level = min(ceiling, field_max + len(combos))
    sensitive_columns = [p.name for p, c in zip(profiles, classifications, strict=True) if c.sensitive]
    minors = sum(ev.minors for ev in evidence.values())
    minor_columns = [name for name, ev in evidence.items() if ev.minors]
    persons = _persons(profiles, evidence)
    has_sensitive = bool(sensitive_columns or minors or any(c["rule"] == "DS-COMB-003" for c in combos))
    scale = []
    if persons is not None:
        for threshold, needs_sensitive, label, basis in SCALE_FLAGS:
            if persons["count"] >= threshold and (has_sensitive or not needs_sensitive):
                scale.append({"threshold": threshold, "flag": label, "basis": basis})
    population = persons["count"] if persons is not None else rows
    candidates = []
    if persons is not None and persons["count"] >= 10_000_000:
        candidates.append(
            {"reason": f"personal information of {persons['count']:,} persons (≥1000万)", "basis": SCALE_FLAGS[-1][3]}
        )
    for entity, what in (
        ("HEALTH", "health information"),
        ("ETHNICITY", "ethnicity information"),
        ("GEO_COORDINATE", "precise geographic coordinates"),
    ):
        if entity in present and population >= POPULATION_SCALE:
            candidates.append(
                {
                    "reason": f"{what} of {population:,} {'persons' if persons else 'rows'} "
                    f"in {', '.join(present[entity])}",
                    "basis": "GB/T 43697-2024 附录G 重要数据识别指南: 群体健康/民族/精确地理信息 [M]; "
                    f"population scale ≥{POPULATION_SCALE:,} is this tool's threshold [I]",
                }
            )
    return {
        "level": level,
        "field_max_level": field_max,
        "basis": "就高: dataset level = highest field level, +1 per combination met, at most the highest entity "
        "level of the pack (GB/T 43697-2024 6.6 [M])",
        "combinations": combos,
        "sensitive": has_sensitive,
        "persons": persons,
        "scale_flags": scale,
        "minors": {"count": minors, "columns": minor_columns, "on": today.isoformat(), "basis": MINORS_BASIS}
        if minors
        else None,
        "important_data_candidates": candidates,
        "important_data_note": "Candidates for human review only: this tool never declares data 重要数据 or 核心数据.",
    }
