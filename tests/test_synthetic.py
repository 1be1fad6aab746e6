"""Synthetic data: identifiers agree with python-stdnum, hard negatives stay negative, seeds reproduce."""

from __future__ import annotations

import datetime as dt
import importlib.util
import ipaddress
import random
import re
from pathlib import Path

import polars as pl
import pytest
from stdnum import luhn, numdb
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from screening import synthetic

N = 5_000


def values(kind: str, n: int = N, seed: int = 1) -> list:
    return synthetic.column(kind, n, random.Random(seed)).to_list()


def org_code_check(code: str) -> str:
    """GB 11714 check character, written independently of the module's vectorised version."""
    value = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    check = 11 - sum(value[c] * w for c, w in zip(code, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# --- reference data ------------------------------------------------------------------------------------


def test_regions_exist_in_stdnum_database_with_their_start_year():
    database = numdb.get("cn/loc")
    for code, since, province, _city, district in synthetic.REGIONS:
        info = {k: v for _, props in database.info(code) for k, v in props.items()}
        assert info.get("province") == province, code
        names = info["county"]
        assert district in names, (code, names)
        first = re.match(r"\[(\d{4})-", names)
        assert since == (int(first.group(1)) if first else 0), (code, names)
    assert len({r[0] for r in synthetic.REGIONS}) == len(synthetic.REGIONS)


def test_reference_lists():
    assert len(set(synthetic.ETHNICITIES)) == 56
    for bin_, (_bank, length) in synthetic.BANK_BINS.items():
        assert bin_.startswith("62") and length in (16, 19)
    assert set(synthetic.DEFAULT_COLUMNS) <= set(synthetic.KINDS)
    assert len(synthetic.DEFAULT_COLUMNS) == 12


# --- identifiers with check digits ---------------------------------------------------------------------


def test_id_cards_agree_with_stdnum():
    ids = values("id_card")
    assert all(len(v) == 18 for v in ids)
    assert all(ric.calc_check_digit(v) == v[-1] for v in ids)
    # Full validation (birth date and a county code that existed in the birth year), not only the checksum.
    assert all(ric.is_valid(v) for v in ids)
    births = [ric.get_birth_date(v) for v in ids]
    assert min(births) >= dt.date(1950, 1, 1) and max(births) <= dt.date(2015, 12, 31)
    minors = sum(b > synthetic.TODAY.replace(year=synthetic.TODAY.year - 14) for b in births)
    assert 0.02 * N < minors < 0.1 * N
    assert any(v.endswith("X") for v in ids)
    assert any(v.startswith("62") for v in ids)  # Gansu IDs look like UnionPay card prefixes


def test_bank_cards_are_luhn_valid_unionpay():
    cards = values("bank_card")
    assert all(luhn.is_valid(v) for v in cards)
    assert all(synthetic.BANK_BINS[v[:6]][1] == len(v) for v in cards)
    assert {len(v) for v in cards} == {16, 19}


def test_usccs_agree_with_stdnum_and_embed_valid_organisation_codes():
    codes = values("uscc")
    assert all(stdnum_uscc.calc_check_digit(v) == v[-1] for v in codes)
    assert all(stdnum_uscc.is_valid(v) for v in codes)
    assert all(org_code_check(v[8:16]) == v[16] for v in codes)
    assert all(v[2:8] in {r[0] for r in synthetic.REGIONS} for v in codes)
    assert any(v[8:10] == "MA" for v in codes) and any(v[8:16].isdigit() for v in codes)
    assert any(v[16] == "X" for v in codes)


def test_order_numbers_never_pass_mod_11_2():
    orders = values("order_no", 20_000)
    assert all(re.fullmatch(r"[0-9]{18}", v) for v in orders)
    assert not any(ric.calc_check_digit(v) == v[-1] for v in orders)
    regions = {r[0] for r in synthetic.REGIONS}
    assert all(v[:6] in regions for v in orders)
    dates = [dt.datetime.strptime(v[6:14], "%Y%m%d").date() for v in orders]  # raises if not a date
    id_shaped = sum(d.year <= 2015 for d in dates)
    assert 0.45 * len(orders) < id_shaped < 0.55 * len(orders)
    assert max(dates) <= synthetic.TODAY


# --- formats ------------------------------------------------------------------------------------------

# libphonenumber's CN mobile pattern (standards-notes section 7)
MOBILE = re.compile(r"1740[0-5][0-9]{6}|1(?:[38][0-9]|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])[0-9]{8}")


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("phone", MOBILE),
        ("masked_phone", re.compile(r"1[0-9]{2}\*{4}[0-9]{4}")),
        ("email", re.compile(r"[a-z0-9._]+@[a-z0-9]+(\.[a-z]+)+")),
        ("passport", re.compile(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}")),
        ("person_name", re.compile(r"[\u4e00-\u9fff]{2,4}")),
        ("gender", re.compile(r"男|女")),
    ],
)
def test_formats(kind, pattern):
    assert all(pattern.fullmatch(v) for v in values(kind)), kind


def test_ipv4_addresses_parse():
    addresses = [ipaddress.IPv4Address(v) for v in values("ipv4")]
    private = sum(a.is_private for a in addresses)
    assert 0.4 * N < private < 0.65 * N


def test_names_include_compound_surnames():
    names = values("person_name")
    assert sum(n[:2] in {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫"} for n in names) > 0.005 * N


def test_addresses_start_with_a_known_place_and_end_with_a_room():
    places = {p + ("" if c == p else c) + d for _, _, p, c, d in synthetic.REGIONS}
    for a in values("address", 2_000):
        assert any(a.startswith(p) for p in places), a
        assert a.endswith("室") and "号" in a


def test_remarks_are_15_to_60_characters_and_some_embed_identifiers():
    remarks = values("remark", 20_000)
    assert all(15 <= len(r) <= 60 for r in remarks)
    candidates = [m for r in remarks for m in re.findall(r"[0-9]{17}[0-9X]", r)]
    with_id = [m for m in candidates if ric.calc_check_digit(m) == m[-1]]
    with_phone = [r for r in remarks if MOBILE.search(r)]
    assert len(with_id) > 0.02 * len(remarks)
    assert len(with_phone) > 0.05 * len(remarks)
    assert any("****" in r for r in remarks)  # masked phones are not phones


def test_scalar_functions_return_plain_python_values():
    rng = random.Random(5)
    assert ric.calc_check_digit(synthetic.id_card(rng)) == synthetic.id_card(random.Random(5))[-1]
    assert isinstance(synthetic.amount(rng), float) and 1 <= synthetic.amount(rng) <= 50_000
    assert isinstance(synthetic.date(rng), dt.date) and synthetic.date(rng) <= synthetic.TODAY
    assert synthetic.ethnicity(rng) in synthetic.ETHNICITIES
    for kind in synthetic.KINDS:
        assert getattr(synthetic, kind)(random.Random(0)) is not None, kind


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        synthetic.column("social_security", 1, random.Random(0))


# --- determinism --------------------------------------------------------------------------------------


def test_same_seed_same_table_and_other_seed_other_table():
    first = synthetic.table(3_000, seed=11)
    assert first.equals(synthetic.table(3_000, seed=11))
    assert not first.equals(synthetic.table(3_000, seed=12))
    assert synthetic.id_card(random.Random(3)) == synthetic.id_card(random.Random(3))


def test_random_stream_does_not_depend_on_numpy_generator_methods():
    # Fixed values: if this fails, samples/ would no longer regenerate byte-identically.
    draw = synthetic._Draw(random.Random(0))
    assert draw.ints(5, 0, 1000).tolist() == [598, 642, 821, 290, 298]


def test_table_is_the_concatenation_of_its_chunks():
    chunks = list(synthetic.iter_table(250, seed=4, columns=["id_card", "remark"], chunk_rows=100))
    assert [c.height for c in chunks] == [100, 100, 50]
    assert pl.concat(chunks).equals(
        pl.concat(synthetic.iter_table(250, seed=4, columns=["id_card", "remark"], chunk_rows=100))
    )


def test_dropping_a_column_leaves_the_others_unchanged():
    full = synthetic.table(500, seed=2)
    others = [c for c in synthetic.DEFAULT_COLUMNS if c != "remark"]
    without_remark = synthetic.table(500, seed=2, columns=others)
    assert full.drop("remark").equals(without_remark)


def test_headers_can_be_renamed():
    frame = synthetic.table(10, seed=0, columns={"姓名": "person_name", "身份证号": "id_card"})
    assert frame.columns == ["姓名", "身份证号"] and frame.height == 10
    assert synthetic.table(0, seed=0).shape == (0, 12)


def test_samples_folder_is_what_make_samples_writes(tmp_path):
    # The committed samples must be reproducible from the seeded script: the CSV files byte for byte, the Parquet
    # file by schema and values (its bytes also hold the writer's version and encoding choices, which change
    # between polars releases: 2.1 and 2.2 write the same table differently).
    import pyarrow.parquet as pq

    samples = Path(__file__).resolve().parents[1] / "samples"
    spec = importlib.util.spec_from_file_location("make_samples", samples / "make_samples.py")
    assert spec is not None and spec.loader is not None
    make_samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_samples)
    for path in make_samples.write(tmp_path):
        committed = samples / path.name
        hint = f"{path.name}: run python samples/make_samples.py"
        if path.suffix == ".parquet":
            made, kept = pq.read_table(path), pq.read_table(committed)
            assert made.schema.remove_metadata() == kept.schema.remove_metadata(), hint
            assert made.equals(kept), hint
        else:
            assert committed.read_bytes() == path.read_bytes(), hint
        assert path.stat().st_size < 200_000
