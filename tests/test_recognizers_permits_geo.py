"""Column decisions for travel permits, coordinates and version strings, on small synthetic CSV tables."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from recognizers import all_recognizers, by_entity
from screening import io
from screening.detect import Detector
from screening.model import ColumnProfile
from screening.pipeline import Options, scan_file
from screening.profile import decide

RECS = all_recognizers()
ROWS = 200


def profiles(tmp_path: Path, columns: dict[str, list[str]]) -> dict[str, ColumnProfile]:
    """Write ``columns`` as a CSV file, read it back through screening.io, one decision per column."""
    path = tmp_path / "t.csv"
    pl.DataFrame(columns, schema={k: pl.String for k in columns}).write_csv(path)
    info = io.open_source(path)
    det = Detector(info.columns, RECS, ner_sample=0)
    for batch in io.iter_batches(info, batch_rows=64):  # several batches: evidence accumulates
        det.observe(batch)
    return {name: decide(det.evidence[name], RECS) for name in info.columns}


def one(tmp_path: Path, header: str, values: list[str]) -> ColumnProfile:
    return profiles(tmp_path, {header: values})[header]


# --- synthetic values (random digits, no real documents or places of real persons) ---------------------

RNG = random.Random("permits-geo")


def digits(n: int) -> str:
    return "".join(RNG.choice("0123456789") for _ in range(n))


def hk_macao_permits(n: int = ROWS) -> list[str]:
    forms = [
        lambda: "C" + digits(8),
        lambda: "C" + RNG.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + digits(7),
        lambda: RNG.choice("HM") + digits(8),
        lambda: RNG.choice("HM") + digits(10),
    ]
    return [RNG.choice(forms)() for _ in range(n)]


def taiwan_permits(n: int = ROWS) -> list[str]:
    return [digits(8) if RNG.random() < 0.9 else digits(10) for _ in range(n)]


def latitudes(n: int = ROWS) -> list[str]:
    return [f"{RNG.uniform(18.0, 53.0):.6f}" for _ in range(n)]


def longitudes(n: int = ROWS) -> list[str]:
    return [f"{RNG.uniform(73.0, 135.0):.6f}" for _ in range(n)]


def versions(n: int = ROWS) -> list[str]:
    """Four-part versions: mostly small parts, a few larger build numbers."""
    out = []
    for _ in range(n):
        build = RNG.randint(0, 31) if RNG.random() < 0.8 else RNG.randint(32, 255)
        out.append(f"{RNG.randint(0, 9)}.{RNG.randint(0, 20)}.{RNG.randint(0, 31)}.{build}")
    return out


def ipv4s(n: int = ROWS) -> list[str]:
    out = []
    for _ in range(n):
        first = RNG.choice([10, 172, 192, RNG.randint(1, 223)])
        out.append(f"{first}.{RNG.randint(0, 255)}.{RNG.randint(0, 255)}.{RNG.randint(1, 254)}")
    return out


# --- travel permits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["港澳通行证号码", "gatxzhm", "hk_macao_permit", "回乡证号", "code"])
def test_hk_macao_permit_column(tmp_path: Path, header: str) -> None:
    """The shape decides (C, W, H, M are no passport letters); a neutral header does not matter."""
    p = one(tmp_path, header, hk_macao_permits())
    assert p.entity == "CN_HK_MACAO_PERMIT" and p.confidence >= 0.8, p.reason
    assert all("*" in ex for ex in p.examples)


def test_passports_and_permits_are_told_apart_by_their_letter(tmp_path: Path) -> None:
    passports = ["E" + digits(8) for _ in range(ROWS // 2)]
    mixed = passports + hk_macao_permits(ROWS // 2)
    p = one(tmp_path, "证件号码", mixed)
    assert p.entities == {"CN_PASSPORT": ROWS // 2, "CN_HK_MACAO_PERMIT": ROWS // 2}
    assert one(tmp_path, "护照号", passports).entity == "CN_PASSPORT"


@pytest.mark.parametrize("header", ["台胞证号", "台湾居民来往大陆通行证号码", "tbzh", "taiwan_permit"])
def test_taiwan_permit_column_with_its_header(tmp_path: Path, header: str) -> None:
    p = one(tmp_path, header, taiwan_permits())
    assert p.entity == "CN_TAIWAN_PERMIT" and p.confidence >= 0.8, p.reason


@pytest.mark.parametrize("header", ["编号", "code", "qq", "订单号"])
def test_eight_digits_alone_are_no_taiwan_permit(tmp_path: Path, header: str) -> None:
    assert one(tmp_path, header, taiwan_permits()).entity != "CN_TAIWAN_PERMIT"


def test_masked_taiwan_permits_need_the_header_too(tmp_path: Path) -> None:
    masked = [v[:2] + "****" + v[-2:] for v in taiwan_permits() if len(v) == 8]
    assert one(tmp_path, "编号", masked).entity != "CN_TAIWAN_PERMIT"
    p = one(tmp_path, "台胞证号", masked)
    assert p.entity == "CN_TAIWAN_PERMIT" and p.masked.get("CN_TAIWAN_PERMIT") == len(masked)


def test_taiwan_permit_is_not_searched_in_free_text(tmp_path: Path) -> None:
    text = [f"客户于{RNG.randint(1, 28)}日来电，台胞证号{digits(8)}，要求补办相关手续并更新联系方式" for _ in range(50)]
    p = one(tmp_path, "备注", text)
    assert p.kind == "free_text" and "CN_TAIWAN_PERMIT" not in p.entities


def test_residence_permits_are_id_numbers(tmp_path: Path) -> None:
    values = [v for v in by_entity()["CN_ID_CARD"].examples_valid if v[:2] in ("81", "82", "83")]
    assert len(values) >= 3
    assert one(tmp_path, "居住证号码", values * 20).entity == "CN_ID_CARD"


# --- coordinates -----------------------------------------------------------------------------------------

PAIR_FORMS = {
    "comma": lambda la, lo: f"{la},{lo}",
    "comma space": lambda la, lo: f"{la}, {lo}",
    "longitude first": lambda la, lo: f"{lo},{la}",
    "hemispheres": lambda la, lo: f"N{la} E{lo}",
}


@pytest.mark.parametrize("form", PAIR_FORMS, ids=list(PAIR_FORMS))
@pytest.mark.parametrize("header", ["经纬度", "location", "col7"])
def test_coordinate_pair_column(tmp_path: Path, form: str, header: str) -> None:
    """A pair decides by its values (a neutral header does not matter)."""
    values = [PAIR_FORMS[form](la, lo) for la, lo in zip(latitudes(), longitudes(), strict=True)]
    p = one(tmp_path, header, values)
    assert p.entity == "GEO_COORDINATE" and p.confidence >= 0.8, p.reason
    assert all("*" in ex for ex in p.examples)


@pytest.mark.parametrize(
    ("header", "make"),
    [("纬度", latitudes), ("lat", latitudes), ("latitude", latitudes), ("wd", latitudes),
     ("经度", longitudes), ("lng", longitudes), ("lon", longitudes), ("longitude", longitudes)],
)  # fmt: skip
def test_single_axis_column_with_its_header(tmp_path: Path, header: str, make: object) -> None:
    assert callable(make)
    p = one(tmp_path, header, make())
    assert p.entity == "GEO_COORDINATE" and p.confidence >= 0.6, p.reason
    assert "latitude/longitude pairs" in p.reason


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("金额", [f"{RNG.randint(1000, 99999)}.{digits(4)}" for _ in range(ROWS)]),  # 1234.5678
        ("amount", [f"{RNG.uniform(0, 180):.4f}" for _ in range(ROWS)]),  # in range, but no header names it
        ("col3", latitudes()),  # one axis without a header
        ("rate", [f"{RNG.uniform(0, 1):.6f}" for _ in range(ROWS)]),
    ],
    ids=["amount-1234.5678", "amount-in-range", "no-header", "rate"],
)
def test_decimals_without_a_coordinate_header_are_no_coordinates(tmp_path: Path, header: str, values: list) -> None:
    assert one(tmp_path, header, values).entity != "GEO_COORDINATE"


def test_coordinate_accuracy_column_is_not_a_coordinate(tmp_path: Path) -> None:
    """精度 (accuracy in metres) is a negative word: it cancels the 纬度 header word."""
    assert one(tmp_path, "纬度精度", [f"{RNG.uniform(1, 90):.4f}" for _ in range(ROWS)]).entity is None


def test_coordinate_pair_found_in_free_text(tmp_path: Path) -> None:
    text = [
        f"用户在{la},{lo}附近完成了签到，随后离开了现场，备注信息请勿外传"
        for la, lo in zip(latitudes(50), longitudes(50), strict=True)
    ]
    p = one(tmp_path, "备注", text)
    assert p.kind == "free_text" and p.entities.get("GEO_COORDINATE") == 50


# --- IP addresses vs version strings ---------------------------------------------------------------------


@pytest.mark.parametrize("header", ["app_version", "版本号", "firmware", "col1"])
def test_version_column_is_not_an_ip_column(tmp_path: Path, header: str) -> None:
    p = one(tmp_path, header, versions())
    assert p.entity != "IP_ADDRESS" and "IP_ADDRESS" not in p.entities, p.reason


def test_listed_versions_are_not_addresses(tmp_path: Path) -> None:
    values = ["1.0.0.1", "2.3.1.0", "1.12.0.3", "10.0.19041.1", "4.2.11.1", "0.9.3.7"] * 30
    assert one(tmp_path, "version", values).entity is None


@pytest.mark.parametrize("header", ["client_ip", "登录IP", "remote_addr", "col2"])
def test_ipv4_column_is_still_an_ip_column(tmp_path: Path, header: str) -> None:
    p = one(tmp_path, header, ipv4s())
    assert p.entity == "IP_ADDRESS" and p.confidence >= 0.8, p.reason


def test_version_negative_header_words() -> None:
    ip = by_entity()["IP_ADDRESS"]
    assert {"版本", "version", "ver", "build", "release"} <= set(ip.negative_headers)
    assert not ip.is_valid("1.2.3.4") and ip.is_valid("1.180.12.34") and ip.is_valid("10.0.0.1")


# --- end to end: classification through the default rule pack --------------------------------------------


def test_scan_file_classifies_permits_and_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    pl.DataFrame(
        {
            "港澳通行证": hk_macao_permits(),
            "台胞证号": taiwan_permits(),
            "经纬度": [f"{la},{lo}" for la, lo in zip(latitudes(), longitudes(), strict=True)],
            "纬度": latitudes(),
            "app_version": versions(),
            "client_ip": ipv4s(),
        }
    ).write_csv(path)
    report = scan_file(path, Options(ner_sample=0))
    got = {c["name"]: (c["entity"], c["rule"], c["level"]) for c in report["columns"]}
    assert got["港澳通行证"] == ("CN_HK_MACAO_PERMIT", "PI-ID-003", 4)
    assert got["台胞证号"] == ("CN_TAIWAN_PERMIT", "PI-ID-004", 4)
    assert got["经纬度"] == ("GEO_COORDINATE", "PI-LOC-001", 4)
    assert got["纬度"] == ("GEO_COORDINATE", "PI-LOC-001", 4)
    assert got["app_version"][0] is None
    assert got["client_ip"][0] == "IP_ADDRESS"
