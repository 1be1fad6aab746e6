"""Dataset-level rules: combinations, distinct persons (exact, estimated), scale flags, minors, 重要数据 candidates."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import jsonschema
import numpy as np
import polars as pl
import pytest

from recognizers._common import mod11_2_check
from screening import synthetic
from screening.assessment import COMBINATIONS, SCALE_FLAGS, assess
from screening.detect import ColumnEvidence, minors_in_id_numbers
from screening.model import Classification, ColumnProfile
from screening.persons import EXACT_LIMIT, RELATIVE_ERROR, PersonSketch, hashes
from screening.pipeline import Options, scan_file
from screening.report import schema
from screening.rules import load_pack

PACK = load_pack()
TODAY = dt.date(2026, 11, 21)


def id_number(birth: str, seq: int) -> str:
    body = f"330106{birth}{seq:03d}"
    return body + mod11_2_check(body)


def profile(name: str, entity: str | None, kind: str = "structured") -> ColumnProfile:
    return ColumnProfile(
        name=name, kind=kind, entity=entity, entities={entity: 10} if entity else {}, confidence=0.9, reason="",
        rows=10, non_null=10,
    )  # fmt: skip


def classification(entity: str | None) -> Classification:
    r = PACK.entities[entity] if entity else PACK.unidentified
    return Classification(r.category, r.level, r.sensitive, r.rule, r.basis)


def run_assess(entities: dict[str, str | None], evidence: dict[str, ColumnEvidence] | None = None, rows: int = 10):
    profiles = [profile(n, e) for n, e in entities.items()]
    classes = [classification(e) for e in entities.values()]
    ev = evidence or {n: ColumnEvidence(n) for n in entities}
    return assess(profiles, classes, ev, PACK, rows, TODAY)


# --- combinations ---------------------------------------------------------------------------------------


def test_name_and_id_number_raise_the_level_and_cite_the_rule() -> None:
    a = run_assess({"姓名": "PERSON", "手机": "CN_PHONE"})
    assert a["combinations"] == [] and a["level"] == a["field_max_level"] == 3
    a = run_assess({"姓名": "PERSON", "手机": "CN_PHONE", "地址": "CN_ADDRESS"})
    assert [c["rule"] for c in a["combinations"]] == ["DS-COMB-002"]
    assert a["level"] == 4 and a["field_max_level"] == 3
    assert a["combinations"][0]["columns"] == ["地址", "姓名", "手机"]


def test_level_is_capped_at_the_packs_top_level() -> None:
    a = run_assess({"姓名": "PERSON", "身份证": "CN_ID_CARD", "手机": "CN_PHONE", "地址": "CN_ADDRESS"})
    assert {c["rule"] for c in a["combinations"]} == {"DS-COMB-001", "DS-COMB-002"}
    assert a["level"] == PACK.max_level == 4


def test_combinations_never_reach_the_finance_packs_top_level() -> None:
    finance = load_pack("finance")
    entities = {"姓名": "PERSON", "身份证": "CN_ID_CARD", "手机": "CN_PHONE", "地址": "CN_ADDRESS"}
    profiles = [profile(n, e) for n, e in entities.items()]
    rules = [finance.entities[e] for e in entities.values()]
    classes = [Classification(r.category, r.level, r.sensitive, r.rule, r.basis) for r in rules]
    a = assess(profiles, classes, {n: ColumnEvidence(n) for n in entities}, finance, 10, TODAY)
    assert finance.max_level == 5 and len(a["combinations"]) == 2
    assert a["level"] == max(r.level for r in finance.entities.values()) < 5


def test_header_words_from_a_pack_layer_name_the_column(tmp_path: Path) -> None:
    pack = tmp_path / "acme.yaml"
    pack.write_text(
        'name: acme\nversion: "1.0"\nextends: default\nheaders: {CN_PHONE: [kehuhaoma]}\n', encoding="utf-8"
    )
    rng = random.Random(9)
    path = tmp_path / "t.csv"
    # a few phones among other digits: below the value-only threshold, decided with the header's support
    values = [synthetic.phone(rng) for _ in range(40)] + [str(rng.randrange(10**5, 10**6)) for _ in range(60)]
    pl.DataFrame({"kehuhaoma": values}).write_csv(path)
    plain = scan_file(path, Options(ner_sample=0))["columns"][0]
    layered = scan_file(path, Options(pack=load_pack(pack), ner_sample=0))["columns"][0]
    assert plain["header_entity"] is None and layered["header_entity"] == "CN_PHONE"
    assert layered["entity"] == "CN_PHONE" and "header agrees" in layered["reason"]


def test_precise_location_of_identified_persons_is_a_trajectory() -> None:
    a = run_assess({"经纬度": "GEO_COORDINATE", "金额": None})
    assert a["combinations"] == []
    a = run_assess({"经纬度": "GEO_COORDINATE", "手机": "CN_PHONE"})
    assert [c["rule"] for c in a["combinations"]] == ["DS-COMB-003"] and a["sensitive"]
    assert all(c.basis for c in COMBINATIONS)


# --- distinct persons -----------------------------------------------------------------------------------


def test_sketch_is_exact_below_the_limit_and_close_above() -> None:
    s = PersonSketch()
    values = pl.Series([f"v{i}" for i in range(50_000)])
    for _ in range(2):  # every value twice
        s.add(hashes(values))
    assert s.is_exact and s.count() == 50_000
    big = PersonSketch()
    for start in range(0, 400_000, 100_000):
        big.add(hashes(pl.Series([f"w{i}" for i in range(start, start + 100_000)])))
    assert not big.is_exact and EXACT_LIMIT < 400_000
    assert abs(big.count() - 400_000) / 400_000 < 4 * RELATIVE_ERROR


def test_sketches_merge_as_a_union() -> None:
    a, b = PersonSketch(), PersonSketch()
    a.add(hashes(pl.Series([f"p{i}" for i in range(0, 600)])))
    b.add(hashes(pl.Series([f"p{i}" for i in range(400, 1000)])))
    assert a.merge(b).count() == 1000
    assert abs(PersonSketch(np.maximum(a.registers, b.registers), None).count() - 1000) < 20


def test_persons_are_counted_by_id_number_over_every_row(tmp_path: Path) -> None:
    rng = random.Random(3)
    ids = [synthetic.id_card(rng) for _ in range(300)]
    rows = ids + ids[:100]  # 100 persons appear twice
    phones = [synthetic.phone(rng) for _ in range(len(rows))]
    path = tmp_path / "p.csv"
    pl.DataFrame({"身份证号": rows, "手机号": phones}).write_csv(path)
    a = scan_file(path, Options(ner_sample=0, batch_rows=64, today=TODAY))["assessment"]
    assert a["persons"] == {"count": len(set(ids)), "by": "CN_ID_CARD", "columns": ["身份证号"], "method": "exact"}
    # without an ID column, by mobile number in its national form
    pl.DataFrame({"手机号": [f"+86 {p[:3]} {p[3:7]} {p[7:]}" for p in phones] + phones}).write_csv(path)
    a = scan_file(path, Options(ner_sample=0, today=TODAY))["assessment"]
    assert a["persons"]["by"] == "CN_PHONE" and a["persons"]["count"] == len(set(phones))


def test_an_id_number_with_lower_case_x_is_the_same_person(tmp_path: Path) -> None:
    rng = random.Random(5)
    ids = [i for i in (synthetic.id_card(rng) for _ in range(2_000)) if i.endswith("X")][:50]
    rest = [synthetic.id_card(rng) for _ in range(50)]
    path = tmp_path / "x.csv"
    pl.DataFrame({"身份证号": ids + [i.lower() for i in ids] + rest}).write_csv(path)
    a = scan_file(path, Options(ner_sample=0, today=TODAY))["assessment"]
    assert len(ids) == 50 and a["persons"]["count"] == len(set(ids + rest))


def test_scale_flags_follow_the_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    class Fixed(PersonSketch):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

        def count(self) -> int:
            return self.n

    def with_persons(n: int, entities: dict[str, str | None]) -> dict:
        ev = {name: ColumnEvidence(name) for name in entities}
        ev["身份证"].persons["CN_ID_CARD"] = Fixed(n)
        return run_assess(entities, ev)

    plain = {"身份证": "CN_ID_CARD", "姓名": "PERSON"}
    assert with_persons(9_999, plain)["scale_flags"] == []
    assert [f["threshold"] for f in with_persons(10_000, plain)["scale_flags"]] == [10_000]  # ID is sensitive
    flags = with_persons(10_000_000, plain)
    assert [f["threshold"] for f in flags["scale_flags"]] == [t for t, *_ in SCALE_FLAGS]
    assert any("1000万" in c["reason"] for c in flags["important_data_candidates"])
    # 1万 applies to sensitive personal information only: a phone-only dataset is not flagged at 10,000
    ev = {"手机": ColumnEvidence("手机")}
    ev["手机"].persons["CN_PHONE"] = Fixed(50_000)
    assert run_assess({"手机": "CN_PHONE"}, ev)["scale_flags"] == []


def test_population_scale_health_is_a_candidate_for_review_never_a_verdict() -> None:
    small = run_assess({"诊断": "HEALTH"}, rows=500)
    assert small["important_data_candidates"] == []
    big = run_assess({"诊断": "HEALTH"}, rows=200_000)
    assert len(big["important_data_candidates"]) == 1
    assert "never declares" in big["important_data_note"]


# --- minors ---------------------------------------------------------------------------------------------


def test_minor_is_younger_than_14_on_the_scan_date() -> None:
    ids = pl.Series(
        [
            id_number("20121122", 1),  # 14 tomorrow: a minor today
            id_number("20121121", 3),  # 14 today: not a minor
            id_number("20120101", 5),
            id_number("19900307", 7),
            id_number("20200101", 9),  # 6 years old
        ]
    )
    assert minors_in_id_numbers(ids, TODAY) == 2
    assert minors_in_id_numbers(ids, dt.date(2026, 11, 22)) == 1
    assert minors_in_id_numbers(pl.Series(["330106121122001"]), TODAY) == 0  # 15 digits: born 1912
    # a column of 18-character numbers is counted with numpy, any other with polars: the same answer
    mixed = pl.concat([ids, pl.Series(["330106121122001", None])])
    assert minors_in_id_numbers(mixed, TODAY) == 2


def test_minors_in_a_file_are_reported_and_make_the_dataset_sensitive(tmp_path: Path) -> None:
    births = ["20150601"] * 7 + ["19800101"] * 43
    ids = [id_number(b, i) for i, b in enumerate(births)]
    path = tmp_path / "m.csv"
    pl.DataFrame({"col_1": ids}).write_csv(path)
    report = scan_file(path, Options(ner_sample=0, today=TODAY))
    m = report["assessment"]["minors"]
    assert m["count"] == 7 and m["columns"] == ["col_1"] and m["on"] == "2026-11-21" and "第二十八条" in m["basis"]
    assert report["summary"]["verdict"] == "sensitive_personal_information"
    jsonschema.validate(report, schema())
    dumped = json.dumps(report, ensure_ascii=False)
    assert not any(i in dumped for i in ids)


def test_fail_on_uses_the_dataset_level(tmp_path: Path) -> None:
    rng = random.Random(5)
    path = tmp_path / "c.csv"
    pl.DataFrame(
        {
            "姓名": [synthetic.person_name(rng) for _ in range(200)],
            "手机号": [synthetic.phone(rng) for _ in range(200)],
            "住址": [synthetic.address(rng) for _ in range(200)],
        }
    ).write_csv(path)
    report = scan_file(path, Options(ner_sample=0, fail_on=4, today=TODAY))
    s = report["summary"]
    assert s["max_level"] == 3 and s["dataset_level"] == 4 and s["failed"]
