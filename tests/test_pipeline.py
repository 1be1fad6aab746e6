"""End to end through the library: detection decisions, classification, desensitised output, verification."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.pipeline import Options, expand_paths, run_file, scan_file
from screening.report import schema
from screening.synthetic import table

SAMPLES = Path(__file__).parents[1] / "samples"

HEADERS = {
    "姓名": "person_name",
    "sfzh": "id_card",
    "lxdh": "phone",
    "email": "email",
    "住址": "address",
    "银行卡号": "bank_card",
    "company": "company",
    "tyshxydm": "uscc",
    "ip": "ipv4",
    "金额": "amount",
    "订单号": "order_no",
    "备注": "remark",
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "people.csv"
    table(3000, seed=11, columns=HEADERS).write_csv(path)
    return path


@pytest.fixture(scope="module")
def report(dataset: Path) -> dict:
    return scan_file(dataset, Options(batch_rows=1000, ner_sample=200))


def col(report: dict, name: str) -> dict:
    return next(c for c in report["columns"] if c["name"] == name)


def test_report_matches_schema(report: dict) -> None:
    jsonschema.validate(report, schema())
    assert report["dataset"]["rows"] == 3000 and report["dataset"]["columns"] == len(HEADERS)


@pytest.mark.parametrize(
    ("column", "entity", "level", "sensitive"),
    [
        # headers in Chinese, pinyin initials and English
        ("姓名", "PERSON", 3, False),
        ("sfzh", "CN_ID_CARD", 4, True),
        ("lxdh", "CN_PHONE", 3, False),
        ("email", "EMAIL_ADDRESS", 3, False),
        ("住址", "CN_ADDRESS", 3, False),
        ("银行卡号", "CN_BANK_CARD", 4, True),
        ("tyshxydm", "CN_USCC", 1, False),
        ("ip", "IP_ADDRESS", 3, False),
        # hard negatives: order numbers fail MOD 11-2 and mostly Luhn; amounts are numbers
        ("订单号", None, 1, False),
        ("金额", None, 1, False),
    ],
)
def test_column_decisions(report: dict, column: str, entity: str | None, level: int, sensitive: bool) -> None:
    c = col(report, column)
    assert (c["entity"], c["level"], c["sensitive"]) == (entity, level, sensitive), c["reason"]
    assert c["kind"] == "structured" and c["rule"] and c["reason"]
    if entity:
        assert c["confidence"] >= 0.6
        assert c["entities"][entity] >= 0.9 * 3000


def test_free_text_column_reports_entities_inside(report: dict) -> None:
    c = col(report, "备注")
    assert c["kind"] == "free_text"
    assert c["entities"].get("CN_PHONE", 0) > 0 and c["entities"].get("CN_ID_CARD", 0) > 0
    assert c["entities"].get("PERSON", 0) > 0 and c["sampled"] == 200
    assert c["sensitive"] and c["level"] == 4


def test_no_raw_value_in_report(dataset: Path, report: dict) -> None:
    raw = pl.read_csv(dataset, infer_schema=False)
    text = json.dumps(report, ensure_ascii=False)
    for name in ("sfzh", "lxdh", "银行卡号", "email"):
        for value in raw[name].head(200).to_list():
            assert value not in text
    for c in report["columns"]:
        for ex in c["examples"]:
            assert "*" in ex


def test_mixed_column_reports_each_type() -> None:
    r = scan_file(SAMPLES / "mixed_ids.csv", Options())
    c = col(r, "证件号码")
    assert set(c["entities"]) >= {"CN_ID_CARD", "CN_PASSPORT"} and c["entity"] == "CN_ID_CARD"
    assert sum(c["entities"].values()) == c["non_null"]


def test_already_masked_column_is_reported_as_masked() -> None:
    c = col(scan_file(SAMPLES / "mixed_ids.csv", Options()), "手机号")
    assert c["entity"] == "CN_PHONE" and c["masked"].get("CN_PHONE") == c["non_null"]
    assert "masked" in c["reason"]


def test_int64_phone_in_parquet_found() -> None:
    c = col(scan_file(SAMPLES / "merchants.parquet", Options()), "lxdh")
    assert c["entity"] == "CN_PHONE"


def test_gbk_sample_decided_like_utf8() -> None:
    r = scan_file(SAMPLES / "customers_gbk.csv", Options())
    assert r["dataset"]["encoding"] in ("gbk", "gb18030")
    assert col(r, "sfzh")["entity"] == "CN_ID_CARD" and col(r, "lxdh")["entity"] == "CN_PHONE"


def test_header_disagreement_is_said(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pl.DataFrame({"手机号": [f"A{i:05d}" for i in range(100)]}).write_csv(path)
    c = col(scan_file(path, Options()), "手机号")
    assert c["entity"] == "CN_PHONE" and c["confidence"] <= 0.5 and "do not look like" in c["reason"]


def test_bank_card_header_with_failing_luhn_still_a_card(tmp_path: Path) -> None:
    # Luhn is evidence, not a gate, when the header says card number (some legacy cards fail it)
    cards = [f"62220200{i:011d}" for i in range(200)]
    path = tmp_path / "t.csv"
    pl.DataFrame({"银行卡号": cards}).write_csv(path)
    c = col(scan_file(path, Options()), "银行卡号")
    assert c["entity"] == "CN_BANK_CARD" and "checksum" in c["reason"]


def test_a_failing_batch_stops_the_run_cleanly(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches are desensitised on a thread while the previous one is written: an error there reaches the caller
    as it is, no output file is left, and no reader or desensitising thread goes on."""
    import threading

    from screening import pipeline

    real, calls = pipeline._apply, []

    def failing(df: pl.DataFrame, *args: object) -> pl.DataFrame:
        calls.append(df.height)
        if len(calls) == 3:
            raise RuntimeError("operator failed")
        return real(df, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_apply", failing)
    with pytest.raises(RuntimeError, match="operator failed"):
        run_file(dataset, dataset.parent, tmp_path / "out", Options(batch_rows=500, ner_sample=0, workers=1))
    assert len(calls) == 3  # nothing after the failing batch
    assert not list((tmp_path / "out").rglob("*.csv"))
    assert not [t for t in threading.enumerate() if t.name.startswith("screening-") and t.is_alive()]


def test_run_desensitises_verifies_and_never_touches_input(dataset: Path, tmp_path: Path) -> None:
    before = dataset.read_bytes()
    opts = Options(batch_rows=1000, ner_sample=100, workers=1)
    rep, stem = run_file(dataset, dataset.parent, tmp_path / "out", opts)
    assert dataset.read_bytes() == before
    # the output's hash is taken as it is written: it must be the file's
    assert rep["output"]["sha256"] == hashlib.sha256(Path(rep["output"]["path"]).read_bytes()).hexdigest()
    out = pl.read_csv(rep["output"]["path"], infer_schema=False)
    raw = pl.read_csv(dataset, infer_schema=False)
    assert out.shape == raw.shape and out.columns == raw.columns
    assert rep["residual"]["clean"], rep["residual"]
    # every raw identifier is gone, formats are kept
    for name in ("sfzh", "lxdh", "银行卡号"):
        assert not set(raw[name].to_list()) & set(out[name].to_list())
    assert all(v[:3] + "****" + v[-4:] == m for v, m in zip(raw["lxdh"], out["lxdh"], strict=True))
    # kept columns are byte-identical
    assert out["订单号"].to_list() == raw["订单号"].to_list()
    # free text: phone numbers inside remarks are masked
    import re

    for v in out["备注"].drop_nulls().to_list():
        assert not re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", v)
    jsonschema.validate(rep, schema())
    assert rep["columns"][[c["name"] for c in rep["columns"]].index("sfzh")]["action"]["operator"] == "mask"


@pytest.mark.parametrize("action", ["mask", "pseudonymize"])
def test_free_text_in_worker_processes_equals_in_process(dataset: Path, tmp_path: Path, action: str) -> None:
    """Over 2,000 remarks, run masks free text in worker processes (the caller never loads the model); the output
    is the one the caller would write itself, keyed operators included (the key reaches the workers)."""
    from screening.textpool import MIN_TEXTS

    assert pl.read_csv(dataset, infer_schema=False)["备注"].drop_nulls().len() >= MIN_TEXTS
    outputs = []
    for workers in (1, 2):
        opts = Options(batch_rows=1000, ner_sample=0, workers=workers, overrides={"备注": action}, key=b"k" * 32)
        rep, _ = run_file(dataset, dataset.parent, tmp_path / f"w{workers}", opts)
        assert rep["residual"]["clean"]
        outputs.append(pl.read_csv(rep["output"]["path"], infer_schema=False)["备注"])
    assert outputs[0].to_list() == outputs[1].to_list()
    assert outputs[0].to_list() != pl.read_csv(dataset, infer_schema=False)["备注"].to_list()


def test_a_dead_text_worker_fails_with_one_line_not_a_hang() -> None:
    from screening.errors import ScreeningError
    from screening.textpool import TextPool

    pool = TextPool(2, None)
    try:
        assert pool.mask(["张三的电话是13812345678"], "mask", "sha256") != ["张三的电话是13812345678"]
        for process in list(pool._pool._processes.values()):  # type: ignore[attr-defined]
            process.kill()
            process.join()
        with pytest.raises(ScreeningError, match="worker process died"):
            pool.mask(["李四住在北京市海淀区中关村大街1号"], "mask", "sha256")
    finally:
        pool.terminate()


def test_run_parquet_output_format(tmp_path: Path) -> None:
    opts = Options(output_format="parquet", ner_sample=0, workers=1)
    rep, _ = run_file(SAMPLES / "customers_gbk.csv", SAMPLES, tmp_path, opts)
    assert rep["output"]["path"].endswith(".parquet")
    assert rep["output"]["sha256"] == hashlib.sha256(Path(rep["output"]["path"]).read_bytes()).hexdigest()
    gbk, _ = run_file(
        SAMPLES / "customers_gbk.csv", SAMPLES, tmp_path / "csv", dataclasses.replace(opts, output_format=None)
    )
    assert gbk["output"]["sha256"] == hashlib.sha256(Path(gbk["output"]["path"]).read_bytes()).hexdigest()
    assert pl.read_parquet(rep["output"]["path"]).height == rep["dataset"]["rows"]


def test_run_keeps_the_parquet_types_of_the_columns_it_leaves_as_they_were(tmp_path: Path) -> None:
    import datetime as dt
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 40
    source = pa.table(
        {
            "phone": pa.array([13812345678 + i for i in range(n)], pa.int64()),  # masked: written as text
            "count": pa.array([i if i % 7 else None for i in range(n)], pa.int32()),
            "price": pa.array([i / 4 for i in range(n)], pa.float64()),
            "paid": pa.array([i % 2 == 0 for i in range(n)]),
            "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)]),
            "at": pa.array(
                [dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=i) for i in range(n)],
                pa.timestamp("us", tz="Asia/Shanghai"),
            ),
            "amount": pa.array([decimal.Decimal(i) / 100 for i in range(n)], pa.decimal128(9, 2)),
            "status": pa.array(["已发货"] * n).dictionary_encode(),
        }
    )
    path = tmp_path / "in" / "orders.parquet"
    path.parent.mkdir()
    pq.write_table(source, path)
    rep, _ = run_file(path, path.parent, tmp_path / "out", Options(ner_sample=0, workers=1, sample=5))
    out = pq.read_table(rep["output"]["path"])
    assert out.schema.field("phone").type == pa.string() and out["phone"][0].as_py() == "138****5678"
    for name in ("count", "price", "paid", "day", "at", "amount"):
        assert out.schema.field(name).type == source.schema.field(name).type, name
        assert out[name].equals(source[name]), name
    assert out.schema.field("status").type == pa.string() and set(out["status"].to_pylist()) == {"已发货"}
    sample = pq.read_table(rep["sample"]["path"])
    assert sample.schema == out.schema and sample["count"].to_pylist() == source["count"].to_pylist()[:5]
    as_csv, _ = run_file(path, path.parent, tmp_path / "csv", Options(ner_sample=0, workers=1, output_format="csv"))
    assert pl.read_csv(as_csv["output"]["path"], infer_schema=False)["at"][0] == "2024-01-01T16:00:00.000000+0800"


def test_a_typed_parquet_column_that_would_not_come_back_the_same_is_an_error(tmp_path: Path) -> None:
    import pyarrow as pa

    from screening.errors import OutputError
    from screening.io import write_batches

    final = tmp_path / "o.parquet"
    first = pl.DataFrame({"n": ["1", "2"]})
    with pytest.raises(OutputError, match="'n' cannot be written back as int64"):
        write_batches([first, pl.DataFrame({"n": ["3", "x"]})], final, "parquet", types={"n": pa.int64()})
    with pytest.raises(OutputError, match="'n' cannot be written back"):
        write_batches([first, pl.DataFrame({"n": ["01"]})], final, "parquet", types={"n": pa.int64()})  # not its text
    assert not final.exists()
    # A type the first batch does not come back in is written as text throughout.
    write_batches([pl.DataFrame({"n": ["01", "x"]}), first], final, "parquet", types={"n": pa.int64()})
    assert pl.read_parquet(final)["n"].to_list() == ["01", "x", "1", "2"]
    # An empty first batch (a file of no rows) keeps the type.
    write_batches([pl.DataFrame({"n": pl.Series([], dtype=pl.String)})], final, "parquet", types={"n": pa.int64()})
    assert pl.read_parquet(final).schema["n"] == pl.Int64


def test_expand_paths_walks_folders() -> None:
    files = [p.name for p, _ in expand_paths([SAMPLES])]
    assert {"customers.csv", "customers_gbk.csv", "merchants.parquet", "mixed_ids.csv"} <= set(files)


def test_residual_lists_raw_values_left() -> None:
    from recognizers import all_recognizers
    from screening.detect import Detector
    from screening.pipeline import _residual, screen

    s = screen(SAMPLES / "customers.csv", Options(ner_sample=0))
    det = Detector(("手机号",), all_recognizers(), ner_sample=0)
    det.observe(pl.read_csv(SAMPLES / "customers.csv", infer_schema=False).select("手机号"))
    r = _residual(det, s)
    assert not r["clean"] and r["columns"] == [{"name": "手机号", "entities": {"CN_PHONE": 500}}]


def test_run_fails_when_an_operator_leaves_raw_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import screening.pipeline as pipeline
    from cli import app

    monkeypatch.setattr(pipeline, "mask_expr", lambda e, spec=None: e)  # a broken operator
    result = CliRunner().invoke(app, ["run", str(SAMPLES / "mixed_ids.csv"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "RAW VALUES LEFT" in result.output
    rep = json.loads((tmp_path / "mixed_ids.report.json").read_text(encoding="utf-8"))
    assert {c["name"] for c in rep["residual"]["columns"]} == {"证件号码"}


def test_detector_folds_full_width_digits_but_not_chinese_punctuation() -> None:
    from recognizers import all_recognizers
    from screening.detect import Detector

    remarks = [f"第{i}号：客户来电，称手机号为１３８１２３４５６７{i % 10}，请回电，谢谢。" for i in range(500)]
    remarks += [f"（备注{i}）无联系方式，已核实，记录在案。" for i in range(500)]
    phones = ["13812345678", "１３９１２３４５６７８", "18612345678"]
    det = Detector(("remark", "phone"), all_recognizers(), ner_sample=0)
    det.observe(pl.DataFrame({"remark": remarks, "phone": (phones * 334)[:1000]}))
    remark, phone = det.evidence["remark"], det.evidence["phone"]
    assert remark.mode == "free_text" and remark.valid["CN_PHONE"] == 500
    assert phone.mode == "structured" and phone.valid["CN_PHONE"] == 1000
    # examples are masked and in ASCII digits after folding
    assert all("*" in x for x in phone.examples["CN_PHONE"])


_BYTES_ALPHABET = (
    "a1 ，。、（）：０９Ａｚ＠＊\u3000\u3001中文£€\uff5b\uff3b"  # full-width forms and their neighbours
    "\t\n\x0b\x0c\r\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u2060\ufeffĀ"  # spaces, and not
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(_BYTES_ALPHABET), max_size=6)), max_size=12),
    st.integers(0, 3),
)
def test_byte_scan_agrees_with_regex_and_strip(cells: list[str | None], start: int) -> None:
    from screening.detect import _FULLWIDTH, scan_bytes

    s = pl.Series(cells, dtype=pl.String).slice(start)  # a slice: offsets that do not start at zero
    wide, edges = scan_bytes(s)
    assert wide == bool(s.str.contains(_FULLWIDTH).any())
    # a false alarm only costs a strip; a miss would screen unstripped values
    if (s.str.strip_chars() != s).any():
        assert edges


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="a 中", max_size=3)), max_size=12), st.integers(0, 3))
def test_non_empty_agrees_with_polars_also_for_nulls_made_from_values(cells: list[str | None], start: int) -> None:
    from screening.detect import non_empty

    s = pl.Series("v", cells, dtype=pl.String).slice(start)
    # polars keeps the bytes of a value it turns into null (replace, when/then): they must not count
    made = s.to_frame().select(pl.when(pl.col("v") != "a").then(pl.col("v"))).to_series()
    for series in (s, made, s.str.strip_chars()):
        assert non_empty(series).tolist() == (series.str.len_bytes() > 0).fill_null(False).to_list()


def test_byte_scan_of_clean_cells_finds_nothing() -> None:
    from screening.detect import scan_bytes

    assert scan_bytes(pl.Series(["13812345678", "张三丰", None, "a@b.cn", "北京市（海淀）", "Ā"])) == (False, False)
    assert scan_bytes(pl.Series(["张三 ", None])) == (False, True)
    assert scan_bytes(pl.Series(["\u3000张三"])) == (True, True)


@pytest.mark.parametrize("fails_at", ["build", "run"])
def test_a_recognizer_that_raises_does_not_stop_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails_at: str
) -> None:
    import dataclasses

    import recognizers
    import screening.pipeline as pipeline

    phone = recognizers.by_entity()["CN_PHONE"]

    def fragile(value: str) -> bool:
        if value.endswith("0"):
            raise ValueError("boom")
        return phone.validate is not None and phone.validate(value)

    def broken_vectorised(e: pl.Expr) -> pl.Expr:
        if fails_at == "build":
            raise RuntimeError("vectorised validator broke")
        return e.str.to_datetime("%Y", strict=True).is_not_null()  # raises inside polars

    bad = dataclasses.replace(phone, validate=fragile, valid_expr=broken_vectorised, valid_series=None)
    recs = tuple(bad if r.entity == "CN_PHONE" else r for r in recognizers.all_recognizers())
    monkeypatch.setattr(pipeline, "all_recognizers", lambda: recs)
    phones = [f"1381234{i:04d}" for i in range(200)]  # 20 end in 0
    path = tmp_path / "p.csv"
    pl.DataFrame({"手机号": phones}).write_csv(path)
    report = scan_file(path, Options(ner_sample=0))
    col = report["columns"][0]
    assert col["entity"] == "CN_PHONE" and col["entities"]["CN_PHONE"] == 180
    assert len(col["errors"]) == 1 and "ValueError" in col["errors"][0] and "CN_PHONE" in col["errors"][0]
    assert not any(p in json.dumps(report, ensure_ascii=False) for p in phones)
    jsonschema.validate(report, schema())
