"""The accuracy harness (benchmarks/accuracy.py) on a small labelled set: its targets, its labels, its scorer."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from stdnum import ean, imei, luhn
from stdnum.cn import ric, uscc

from recognizers import by_entity
from screening.model import ENTITY_NAMES, ColumnProfile

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import accuracy  # noqa: E402
import labelled  # noqa: E402

ROWS = 300
TARGET_F1 = 0.98


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("labelled")


@pytest.fixture(scope="module")
def results(workdir: Path) -> dict[str, Any]:
    return accuracy.evaluate(workdir, seed=0, rows=ROWS)


# ------------------------------------------------------------------------------------------- the scorer
def test_scorer_on_a_hand_made_example() -> None:
    pairs = [
        ({"A"}, {"A"}),  # A: true positive
        ({"A"}, set()),  # A: false negative
        (set(), {"B"}),  # B: false positive on an item that holds nothing
        ({"A", "B"}, {"A", "B"}),  # a mixed item: one true positive each
        ({"A"}, {"B"}),  # A missed and B reported instead: a false negative and a false positive
        (set(), set()),  # nothing, found nothing: counts for no entity
        ({"C"}, {"C"}),  # C is not scored
    ]
    counts = accuracy.score(pairs, ["A", "B"])
    assert set(counts) == {"A", "B"}
    a, b = counts["A"], counts["B"]
    assert (a.tp, a.fp, a.fn) == (2, 0, 2)
    assert (b.tp, b.fp, b.fn) == (1, 2, 0)
    assert a.precision == 1.0 and a.recall == 0.5 and a.f1 == pytest.approx(2 / 3)
    assert b.precision == pytest.approx(1 / 3) and b.recall == 1.0 and b.f1 == pytest.approx(0.5)
    total = accuracy.micro(counts)
    assert (total.tp, total.fp, total.fn) == (3, 2, 2)
    assert total.f1 == pytest.approx(2 * 3 / (2 * 3 + 2 + 2))


def test_scorer_leaves_undefined_ratios_undefined() -> None:
    nothing = accuracy.Counts()
    assert nothing.precision is None and nothing.recall is None and nothing.f1 is None
    only_false = accuracy.Counts(fp=3)
    assert only_false.precision == 0.0 and only_false.recall is None and only_false.f1 == 0.0
    assert accuracy.Counts(fn=1).as_dict() == {
        "tp": 0, "fp": 0, "fn": 1, "support": 1, "precision": None, "recall": 0.0, "f1": 0.0,
    }  # fmt: skip


def _profile(entity: str | None, entities: dict[str, int], kind: str = "structured") -> ColumnProfile:
    return ColumnProfile("c", kind, entity, entities, 0.9, "", 10, 10)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("profile", "predicted"),
    [
        (_profile("CN_ID_CARD", {"CN_ID_CARD": 7, "CN_PASSPORT": 3}), {"CN_ID_CARD", "CN_PASSPORT"}),  # mixed
        (_profile("CN_PHONE", {}), {"CN_PHONE"}),  # named by the header alone
        (_profile(None, {}), set()),
        (_profile(None, {}, "empty"), set()),
    ],
)
def test_column_prediction(profile: ColumnProfile, predicted: set[str]) -> None:
    assert accuracy.column_prediction(profile) == predicted


# ------------------------------------------------------------------------------------------- the labels
def _values(maker: labelled.Maker, n: int = 500, seed: str = "check") -> list[str]:
    return [v for v in maker(random.Random(seed), n)[0] if v is not None]


@pytest.mark.parametrize(
    ("entity", "valid"),
    [
        ("CN_ID_CARD", ric.is_valid),
        ("CN_USCC", uscc.is_valid),
        ("CN_BANK_CARD", luhn.is_valid),
        ("IMEI", imei.is_valid),
    ],
)
def test_identifiers_carry_valid_check_characters(entity: str, valid: Any) -> None:
    assert all(valid(v) for v in _values(labelled.pure(entity)))


@pytest.mark.parametrize(
    ("kind", "valid"),
    [
        ("order_no", ric.is_valid),  # begins with a county code and a date, fails MOD 11-2
        ("serial_no_luhn", luhn.is_valid),
        ("uscc_bad_check", uscc.is_valid),
    ],
)
def test_hard_negatives_fail_the_check_they_imitate(kind: str, valid: Any) -> None:
    values = _values(labelled.negative(kind))
    assert values and not any(valid(v) for v in values)


def test_other_hard_negatives_have_their_shape() -> None:
    assert all(ean.is_valid(v) and v.startswith("69") for v in _values(labelled.negative("ean13")))
    assert all(len(v) == 13 and v.startswith("1") for v in _values(labelled.negative("epoch_ms")))
    assert all(len(v) == 19 and v.startswith("62") for v in _values(labelled.negative("serial_no_luhn")))
    assert all(len(v.split(".")) == 4 for v in _values(labelled.negative("version")))


def test_check_characters_agree_with_published_examples() -> None:
    assert labelled.vin_digit("1M8GDM9AXKP042788") == "X"  # ISO 3779 worked example
    assert labelled.vin_digit("WBA3A5C57CF256651") == "7"
    assert labelled.org_digit("60003734") == "1"
    assert labelled.ean13_digit("690123456789") == "2"
    assert labelled.luhn_digit("7992739871") == "3"


def test_layout_does_not_depend_on_seed_or_rows() -> None:
    a = [(t.name, [c.name for c in t.columns]) for t in labelled.tables()]
    b = [(t.name, [c.name for c in t.columns]) for t in labelled.tables()]
    assert a == b
    spec = labelled.tables()[0]
    frame1, _ = labelled.generate(spec, 20, seed=1)
    frame2, _ = labelled.generate(spec, 20, seed=2)
    assert frame1.columns == frame2.columns and not frame1.equals(frame2)
    assert labelled.generate(spec, 20, seed=1)[0].equals(frame1)


def test_cell_truth_adds_up_to_column_truth(workdir: Path, results: dict[str, Any]) -> None:
    for path in sorted(workdir.glob("*.labels.json")):
        for col in labelled.read_labels(path)["columns"]:
            cells = set().union(*(labelled.cell_entities(c) for c in col["cells"]))
            assert cells == set(col["entities"]), col["name"]
            assert len(col["cells"]) == ROWS
            assert not (col["hard_negative"] and col["entities"]), col["name"]


def test_every_entity_is_labelled_under_a_header_and_an_opaque_one() -> None:
    styles: dict[str, set[str]] = {e: set() for e in ENTITY_NAMES}
    for spec in labelled.tables():
        frame, columns = labelled.generate(spec, 50, seed=0)
        for col in columns:
            for e in col["entities"]:
                styles[e].add(col["style"])
    assert {e for e, s in styles.items() if not s - {"opaque"}} == set()
    assert {e for e, s in styles.items() if "opaque" not in s} == set()
    assert set(labelled.HEADERS) == set(ENTITY_NAMES)


def test_expected_drops_header_needing_entities_under_an_opaque_header() -> None:
    column = {"entities": ["DATE_OF_BIRTH"], "style": "opaque"}
    assert labelled.expected(column, {"DATE_OF_BIRTH": True}) == frozenset()
    assert labelled.expected({**column, "style": "zh"}, {"DATE_OF_BIRTH": True}) == {"DATE_OF_BIRTH"}
    assert labelled.expected(column, {"DATE_OF_BIRTH": False}) == {"DATE_OF_BIRTH"}


# ---------------------------------------------------------------------------------- the harness, run
def test_every_labelled_table_is_scanned(workdir: Path, results: dict[str, Any]) -> None:
    names = [t.name for t in labelled.tables()]
    assert results["tables_scanned"] == names
    assert sorted(p.name for p in workdir.glob("*.labels.json")) == sorted(f"{n}.labels.json" for n in names)
    assert results["cells_scored"] > 0 and results["columns_scored"] > 100


def test_entities_without_a_recognizer_are_listed_not_failed(results: dict[str, Any]) -> None:
    recs = by_entity()
    assert results["not_covered"] == [e for e in ENTITY_NAMES if e not in recs]
    assert results["covered"] == [e for e in ENTITY_NAMES if e in recs]
    assert set(results["column_level"]["per_entity"]) == set(results["covered"])


def test_cell_replay_agrees_with_the_profiles(results: dict[str, Any]) -> None:
    assert results["replay_mismatches"] == []


def test_cell_replay_agrees_with_the_detector(workdir: Path, results: dict[str, Any]) -> None:
    # Mixed, sparse, half-empty and masked columns; a second detection pass over every table costs seconds each.
    assert accuracy.detector_mismatches(workdir / "mixed_sparse_masked.csv") == []


# Hard negatives and decoy headers: none may be reported as holding anything.
HARD_NEGATIVES = [
    pytest.param(
        t.name,
        c.name,
        id=f"{t.name}.{c.name}",
    )
    for t in labelled.tables()
    for c in t.columns
    if c.hard_negative
]


@pytest.mark.parametrize(("table", "column"), HARD_NEGATIVES)
def test_no_hard_negative_column_is_flagged(results: dict[str, Any], table: str, column: str) -> None:
    flagged = {(h["table"], h["column"]): h for h in results["hard_negatives"]["flagged_columns"]}
    found = flagged.get((table, column), {})
    assert not found, f"reported as {found.get('predicted')}: {found.get('reason')}"


def test_column_level_micro_f1_meets_the_target(results: dict[str, Any]) -> None:
    micro = results["column_level"]["micro"]
    errors = [f"{e['table']}.{e['column']}: {e['expected']} -> {e['predicted']}" for e in results["column_errors"]]
    assert micro["f1"] >= TARGET_F1, errors
