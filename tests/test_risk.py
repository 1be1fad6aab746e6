"""k-anonymity and l-diversity on hand-checked tables; streaming merge equals one pass."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from screening.model import ColumnProfile
from screening.risk import GroupCounter, QuasiIdentifier, infer_quasi_identifiers, suggest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# Hand-checked: QIs (性别, 出生年份, 区): groups
#   (男, 1990, 西湖区) x3   (女, 1990, 西湖区) x2   (男, 1985, 上城区) x1   (女, 1985, 上城区) x4
# -> min k = 1, 4 groups, every group below 5 (10 of 10 records), below 2 only the single record; l-diversity
# on 诊断: the 男/1990 group has 高血压, 高血压, 糖尿病 -> l = 2; the 男/1985 group has one record -> l = 1.
TABLE = pl.DataFrame(
    {
        "性别": ["男", "男", "男", "女", "女", "男", "女", "女", "女", "女"],
        "出生年份": ["1990", "1990", "1990", "1990", "1990", "1985", "1985", "1985", "1985", "1985"],
        "住址": ["浙江省杭州市西湖区文三路1号"] * 5 + ["浙江省杭州市上城区解放路2号"] * 5,
        "诊断": ["高血压", "高血压", "糖尿病", "哮喘", "哮喘", "胃炎", "胃炎", "胃炎", "胃炎", "胃炎"],
    }
)
QIS = [
    QuasiIdentifier("性别", "性别", "value"),
    QuasiIdentifier("出生年份", "出生年份", "value"),
    QuasiIdentifier("住址:region", "住址", "region"),
]


def test_k_anonymity_on_a_hand_checked_table() -> None:
    c = GroupCounter(QIS, sensitive="诊断")
    c.add(TABLE)
    s = c.summary(threshold=5)
    assert s is not None
    assert (s["min_k"], s["groups"], s["records_below"], s["share_below"]) == (1, 4, 10, 1.0)
    assert s["l_diversity"] == {"attribute": "诊断", "min_l": 1, "groups": 4}
    assert c.summary(threshold=2)["records_below"] == 1  # type: ignore[index]


def test_streaming_batches_give_the_same_counts() -> None:
    whole, parts = GroupCounter(QIS, sensitive="诊断"), GroupCounter(QIS, sensitive="诊断")
    whole.add(TABLE)
    for start in range(0, TABLE.height, 3):
        parts.add(TABLE.slice(start, 3))
    assert whole.summary() == parts.summary()


def test_hashed_groups_count_like_the_values_across_many_merges() -> None:
    import random

    rng = random.Random(3)
    big = pl.DataFrame(
        {
            "性别": [rng.choice("男女") for _ in range(30_000)],
            "出生年份": [str(rng.randrange(1950, 2010)) for _ in range(30_000)],
            "住址": [
                f"{rng.choice(['浙江省杭州市', '广东省深圳市', '北京市'])}某区某路{rng.randrange(9)}号"
                for _ in range(30_000)
            ],
            "诊断": [rng.choice(["高血压", "糖尿病", "无"]) for _ in range(30_000)],
        }
    )
    values, hashed = GroupCounter(QIS, sensitive="诊断"), GroupCounter(QIS, sensitive="诊断", keep_values=False)
    values.add(big)
    for start in range(0, big.height, 1_000):  # 30 batches: several pending merges
        hashed.add(big.slice(start, 1_000))
    assert hashed.summary(threshold=5) == values.summary(threshold=5)
    assert hashed.groups is not None and hashed.groups.columns == ["__g", "len"]


def test_input_groups_past_the_memory_limit_are_spilled_and_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """The input's counter writes its table to disk past SPILL_GROUPS groups; k is still exact."""
    import random

    from screening import risk

    monkeypatch.setattr(risk, "SPILL_GROUPS", 500)
    rng = random.Random(7)
    n = 12_000
    big = pl.DataFrame(
        {
            "性别": [rng.choice("男女") for _ in range(n)],
            "出生年份": [str(rng.randrange(1900, 2010)) for _ in range(n)],
            "住址": [f"浙江省杭州市第{rng.randrange(40)}区某路1号" for _ in range(n)],
        }
    )
    values, hashed = GroupCounter(QIS), GroupCounter(QIS, keep_values=False)
    values.add(big)
    for start in range(0, n, 700):
        hashed.add(big.slice(start, 700))
    assert len(hashed._runs) >= 3 and hashed._spill is not None and hashed._spill.exists()
    for k in (2, 5, 40):
        assert hashed.summary(threshold=k) == values.summary(threshold=k)
    assert hashed.groups is not None and hashed.groups.height == values.summary()["groups"]  # type: ignore[index]
    spill = hashed._spill
    hashed.close()
    assert not spill.exists()


def test_id_number_contributes_region_birth_and_gender_and_masking_shows() -> None:
    profiles = [
        ColumnProfile(name="身份证号", kind="structured", entity="CN_ID_CARD", entities={}, confidence=1, reason="",
                      rows=4, non_null=4),
        ColumnProfile(name="职业", kind="structured", entity=None, entities={}, confidence=1, reason="",
                      rows=4, non_null=4),
    ]  # fmt: skip
    qis = infer_quasi_identifiers(profiles)
    assert [q.name for q in qis] == ["身份证号:region", "身份证号:birth", "身份证号:gender", "职业"]
    raw = pl.DataFrame(
        {
            "身份证号": ["330106199003070011", "330106199003070027", "330106198501010013", "330106198501010021"],
            "职业": ["教师"] * 4,
        }
    )
    before = GroupCounter(qis)
    before.add(raw)
    masked = raw.with_columns(pl.col("身份证号").str.slice(0, 6) + "********" + pl.col("身份证号").str.slice(14, 4))
    after = GroupCounter(qis)
    after.add(masked)
    assert before.summary()["min_k"] == 1  # type: ignore[index]
    # first 6 + last 4 hides the birth date but the 17th digit still tells the gender: groups of 2
    assert after.summary()["min_k"] == 2  # type: ignore[index]


def test_suggestion_reaches_the_threshold() -> None:
    c = GroupCounter(QIS)
    c.add(TABLE)
    steps = suggest(c, threshold=5)
    assert steps and steps[-1]["min_k"] >= 5
    assert all(set(s) == {"quasi_identifier", "generalize_to", "min_k", "share_below"} for s in steps)


# --- through `run` --------------------------------------------------------------------------------------


def test_run_reports_risk_and_writes_a_sample(tmp_path: Path) -> None:
    import jsonschema

    from screening.pipeline import Options, run_file
    from screening.report import schema

    src = SAMPLES / "customers.csv"
    heads, randoms = [], []
    for mode, seed, bucket in (
        ("head", 0, heads),
        ("random", 1, randoms),
        ("random", 1, randoms),
        ("random", 2, randoms),
    ):
        out = tmp_path / f"{mode}{seed}{len(bucket)}"
        report, _ = run_file(src, src.parent, out, Options(ner_sample=0, sample=25, sample_mode=mode, seed=seed))
        jsonschema.validate(report, schema())
        sample = pl.read_csv(report["sample"]["path"], infer_schema=False)
        full = pl.read_csv(report["output"]["path"], infer_schema=False)
        assert sample.height == report["sample"]["rows"] == 25
        assert sample.columns == full.columns
        bucket.append((sample, full))
        risk = report["risk"]
        assert {q["column"] for q in risk["quasi_identifiers"]} >= {"身份证号", "住址"}
        assert risk["before"]["min_k"] <= risk["after"]["min_k"] or risk["after"]["groups"] <= risk["before"]["groups"]
    sample, full = heads[0]
    assert sample.equals(full.head(25))
    (a, full), (b, _), (c, _) = randoms
    assert a.equals(b) and not a.equals(c)  # seeded: same seed, same rows
    assert a.join(full, on=full.columns, how="anti", nulls_equal=True).height == 0  # every sampled row is an output row
    raw_ids = set(pl.read_csv(src, infer_schema=False)["身份证号"].drop_nulls())
    assert not raw_ids & set(a["身份证号"].drop_nulls())


def test_unknown_qi_column_is_a_usage_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, ["run", str(SAMPLES / "customers.csv"), "--out", str(tmp_path), "--qi", "nope"])
    assert result.exit_code == 2 and "nope" in result.output and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())
