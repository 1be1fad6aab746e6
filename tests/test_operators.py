"""Desensitisation operators: Chinese display conventions; scalar and vectorised forms agree."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.classify import classify
from screening.errors import ConfigError
from screening.model import Action, ColumnProfile
from screening.operators import (
    GENERALIZE_TO,
    PARAMS,
    _digest,
    check_params,
    generalize_expr,
    generalize_value,
    mask_expr,
    mask_value,
    pseudonym,
    pseudonymize_series,
)
from screening.pipeline import Options, _apply, _mask_spec, _Step, run_file
from screening.policy import choose_action
from screening.rules import OPERATORS, load_pack

SAMPLES = Path(__file__).parents[1] / "samples"
KEY = b"0123456789abcdef-test-key"

CASES = [
    # (value, spec, expected)
    ("13812345678", {"style": "head_tail", "keep_head": 3, "keep_tail": 4}, "138****5678"),
    ("11010119900307123X", {"style": "head_tail", "keep_head": 6, "keep_tail": 4}, "110101********123X"),
    ("11010119900307123X", {"style": "head_tail", "keep_head": 3, "keep_tail": 4}, "110***********123X"),
    ("6222021234567890123", {"style": "head_tail", "keep_head": 0, "keep_tail": 4}, "***************0123"),
    # 15-digit legacy ID number, full-width input (characters, not bytes, are kept)
    ("110101900307123", {"style": "head_tail", "keep_head": 6, "keep_tail": 4}, "110101*****7123"),
    ("１３８１２３４５６７８", {"style": "head_tail", "keep_head": 3, "keep_tail": 4}, "１３８****５６７８"),
    # short values reveal at most a quarter at each end
    ("E12345678", {"style": "head_tail", "keep_head": 6, "keep_tail": 4}, "E1*****78"),
    # plate: province + letter + last character
    ("浙A12345", {"style": "head_tail", "keep_head": 2, "keep_tail": 1}, "浙A****5"),
    ("粤BD12345", {"style": "head_tail", "keep_head": 2, "keep_tail": 1}, "粤B*****5"),
    ("13812345678", {"style": "head_tail", "keep_head": 3, "keep_tail": 4, "mask_char": "#"}, "138####5678"),
    # names keep the surname; compound surnames whole; 4-character names
    ("张伟", {"style": "name"}, "张*"),
    ("王小明", {"style": "name"}, "王**"),
    ("王小明明", {"style": "name"}, "王***"),
    ("欧阳娜娜", {"style": "name"}, "欧阳**"),
    ("司马光", {"style": "name"}, "司马*"),
    ("司马相如", {"style": "name"}, "司马**"),
    ("欧阳", {"style": "name"}, "欧*"),
    ("张", {"style": "name"}, "*"),
    # addresses: cut after the district or county, else the city, else the province
    ("北京市朝阳区建国路88号3单元502室", {"style": "address"}, "北京市朝阳区****"),
    ("浙江省杭州市西湖区文三路100号", {"style": "address"}, "浙江省杭州市西湖区****"),
    ("上海市黄浦区", {"style": "address"}, "上海市****"),
    ("北京市朝阳区建国路８８号", {"style": "address"}, "北京市朝阳区****"),
    ("广东省东莞市长安镇振安路1号", {"style": "address"}, "广东省东莞市****"),  # no district
    ("内蒙古自治区呼和浩特市赛罕路1号", {"style": "address"}, "内蒙古自治区呼和浩特市****"),  # 自治区 is no district
    ("广西壮族自治区南宁市青秀区民族大道1号", {"style": "address"}, "广西壮族自治区南宁市青秀区****"),
    ("湖北省长阳土家族自治县龙舟坪镇", {"style": "address"}, "湖北省长阳土家族自治县****"),
    ("吉林省延边朝鲜族自治州延吉市局子街1号", {"style": "address"}, "吉林省延边朝鲜族自治州****"),
    ("zhangwei@example.com", {"style": "email"}, "z***@example.com"),
    ("192.168.10.20", {"style": "ip"}, "192.*.*.*"),
    ("2001:db8::1", {"style": "ip"}, "2001:*:*:*:*:*:*:*"),
]


@pytest.mark.parametrize(("value", "spec", "expected"), CASES)
def test_mask_conventions(value: str, spec: dict, expected: str) -> None:
    assert mask_value(value, spec) == expected
    assert pl.select(mask_expr(pl.lit(value), spec)).item() == expected


@pytest.mark.parametrize("spec", [c[1] for c in CASES])
def test_scalar_and_vectorised_mask_agree_on_random_strings(spec: dict) -> None:
    rng = random.Random(7)
    alphabet = "0123456789abcdefX@.:张王欧阳北京市区县旗省州盟地治政自内蒙古路号１２"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(300)]
    got = pl.DataFrame({"v": values}).select(mask_expr(pl.col("v"), spec)).to_series().to_list()
    assert got == [mask_value(v, spec) for v in values]


def test_mask_never_returns_the_raw_value_of_long_inputs() -> None:
    for v in ["13812345678", "张三丰", "a@b.cn", "11010119900307123X"]:
        for style in ("head_tail", "name", "email"):
            assert mask_value(v, {"style": style, "keep_head": 3, "keep_tail": 4}) != v


@pytest.mark.parametrize(
    ("entity", "params", "value", "expected"),
    [
        ("CN_BANK_CARD", {}, "6222021234567890123", "***************0123"),
        ("CN_BANK_CARD", {"bin": True}, "6222021234567890123", "622202*********0123"),
        ("CN_ID_CARD", {}, "11010119900307123X", "110101********123X"),
        ("CN_ID_CARD", {"keep_head": 3}, "11010119900307123X", "110***********123X"),
        ("CN_PHONE", {"mask_char": "#"}, "13812345678", "138####5678"),
        ("CN_LICENSE_PLATE", {"keep_head": 2}, "浙A12345", "浙A****5"),
        ("PERSON", {"mask_char": "×"}, "欧阳娜娜", "欧阳××"),  # the character alone keeps the name style
    ],
)
def test_mask_parameters_from_the_policy(entity: str, params: dict, value: str, expected: str) -> None:
    spec = _mask_spec(entity, params)
    assert mask_value(value, spec) == expected
    assert pl.select(mask_expr(pl.lit(value), spec)).item() == expected


# ------------------------------------------------------------------------------------------ pseudonymize
def test_pseudonym_is_keyed_and_consistent() -> None:
    k1, k2 = b"k" * 32, b"j" * 32
    assert pseudonym("13812345678", k1) == pseudonym("13812345678", k1)
    assert pseudonym("13812345678", k1) != pseudonym("13812345678", k2)
    assert "13812345678" not in pseudonym("13812345678", k1)
    s = pl.Series(["a", "b", "a", None])
    out = pseudonymize_series(s, k1).to_list()
    assert out[0] == out[2] == pseudonym("a", k1) and out[3] is None


def test_pseudonym_known_answers() -> None:
    # Tokens must stay the same across versions: joins between files depend on it.
    assert pseudonym("13812345678", b"k" * 32) == "p_d82a7a62e219ec376843"  # HMAC-SHA256, first 20 hex


def test_pseudonym_sm3() -> None:
    try:
        _digest("sm3")
    except ConfigError:
        pytest.skip("this Python's OpenSSL has no SM3")
    assert pseudonym("13812345678", b"k" * 32, "sm3") == "p_726fce798c70f0c4454a"
    a = pseudonym("110101199003071233", KEY, "sm3")
    assert a == pseudonym("110101199003071233", KEY, "sm3") and a != pseudonym("110101199003071233", KEY)
    assert a.startswith("p_") and len(a) == 22


def test_unavailable_hash_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="OpenSSL"):
        _digest("no-such-hash")


# -------------------------------------------------------------------------------------------- generalize
def test_generalize_dates() -> None:
    df = pl.DataFrame({"d": ["1990-03-07", "1990/3/7", "19900307", "1990年3月7日", "１９９０年３月７日", "unknown"]})
    assert df.select(generalize_expr(pl.col("d"), "year")).to_series().to_list() == ["1990"] * 5 + [None]
    assert df.select(generalize_expr(pl.col("d"), "month")).to_series().to_list()[:5] == ["1990-03"] * 5


GENERALIZE_CASES = [
    # (value, to, params, expected)
    ("35", "band", {}, "30-39"),
    ("35岁", "band", {"width": 5}, "35-39"),
    ("0", "band", {}, "0-9"),
    ("-3", "band", {}, "-10--1"),
    ("12,345.6", "band", {"width": 10000}, "10000-19999"),
    ("９２", "band", {"top": 90}, "90+"),
    ("15", "band", {"bottom": 18, "top": 90}, "<18"),
    ("年龄不详", "band", {}, None),
    ("北京市朝阳区建国路88号", "district", {}, "北京市朝阳区"),
    ("北京市朝阳区建国路88号", "city", {}, "北京市"),
    ("北京市朝阳区建国路88号", "province", {}, "北京市"),
    ("浙江省杭州市西湖区文三路100号", "district", {}, "浙江省杭州市西湖区"),
    ("浙江省杭州市西湖区文三路100号", "city", {}, "浙江省杭州市"),
    ("浙江省杭州市西湖区文三路100号", "province", {}, "浙江省"),
    ("广东省东莞市长安镇振安路1号", "district", {}, "广东省东莞市"),  # no district: the city
    ("新疆维吾尔自治区阿克苏地区阿克苏市新华路1号", "city", {}, "新疆维吾尔自治区阿克苏地区"),
    ("内蒙古锡林郭勒盟锡林浩特市", "city", {}, "内蒙古锡林郭勒盟"),
    ("浙江杭州文三路", "district", {}, "浙江"),  # nothing below the province is named
    ("文三路100号", "province", {}, None),
    ("39.904211,116.407395", "round", {}, "39.90,116.40"),
    ("北纬39.9042，东经116.4074", "round", {"digits": 1}, "北纬39.9，东经116.4"),
    ("39.904211,116.407395", "round", {"digits": 0}, "39,116"),
]


@pytest.mark.parametrize(("value", "to", "params", "expected"), GENERALIZE_CASES)
def test_generalize(value: str, to: str, params: dict, expected: str | None) -> None:
    assert generalize_value(value, to, **params) == expected
    assert pl.select(generalize_expr(pl.lit(value, dtype=pl.String), to, **params)).item() == expected


@pytest.mark.parametrize(
    ("to", "params"),
    [("year", {}), ("month", {}), ("band", {}), ("band", {"width": 7, "top": 60, "bottom": 3})]
    + [(t, {}) for t in ("province", "city", "district")]
    + [("round", {"digits": 0}), ("round", {"digits": 3})],
)
def test_scalar_and_vectorised_generalize_agree_on_random_strings(to: str, params: dict) -> None:
    rng = random.Random(11)
    alphabet = "0123456789０９.,-/年月日岁北京浙江省杭州市区县旗盟地自治政内蒙古路号"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(400)]
    values += [f"{rng.randint(-50, 150)}" for _ in range(100)] + [f"{rng.uniform(-180, 180):.6f}" for _ in range(100)]
    got = pl.DataFrame({"v": values}).select(generalize_expr(pl.col("v"), to, **params)).to_series().to_list()
    assert got == [generalize_value(v, to, **params) for v in values]


# -------------------------------------------------------------------------------------------- parameters
def test_every_operator_is_known_to_the_rule_packs() -> None:
    assert set(PARAMS) == set(OPERATORS)


@pytest.mark.parametrize(
    ("operator", "params"),
    [
        ("mask", {"keep_head": -1}),
        ("mask", {"mask_char": "**"}),
        ("mask", {"to": "year"}),
        ("generalize", {"to": "decade"}),
        ("generalize", {"to": "year", "width": 5}),
        ("generalize", {"to": "band", "width": 0}),
        ("generalize", {"to": "city", "top": 3}),
        ("pseudonymize", {"hash": "md5"}),
        ("redact", {"drop": "yes"}),
        ("keep", {"keep_head": 1}),
        ("encrypt", {"format": "phone"}),
    ],
)
def test_unusable_parameters_are_config_errors(operator: str, params: dict) -> None:
    with pytest.raises(ConfigError):
        check_params(operator, params, "column 'x'")


def test_usable_parameters_pass() -> None:
    for to in GENERALIZE_TO:
        check_params("generalize", {"to": to})
    check_params("generalize", {"to": "band", "width": 5, "top": 90, "bottom": 18})
    check_params("mask", {"keep_head": 3, "keep_tail": 4, "mask_char": "#", "bin": True})
    check_params("redact", {"drop": True})


# ---------------------------------------------------------------------------------------------- policy
def _profile(name: str, entity: str | None, kind: str = "structured") -> ColumnProfile:
    return ColumnProfile(name, kind, entity, {entity: 10} if entity else {}, 1.0, "test", 10, 10)  # type: ignore[arg-type]


def test_policy_defaults_and_overrides() -> None:
    pack = load_pack()

    def action(p: ColumnProfile, override: str | None = None) -> Action:
        return choose_action(p, classify(p, pack), pack, {p.name: override} if override else None)

    assert action(_profile("地址", "CN_ADDRESS"), "generalize").params == {"to": "city"}
    assert action(_profile("坐标", "GEO_COORDINATE"), "generalize").params == {"to": "round"}
    assert action(_profile("备注", "CN_PHONE", "free_text"), "encrypt").params == {"scope": "spans"}
    assert action(_profile("备注", "CN_PHONE", "free_text"), "pseudonymize").params == {"scope": "spans"}
    card = _profile("卡号", "CN_BANK_CARD")
    assert action(card) == Action("mask", {"keep_head": 0, "keep_tail": 4})
    assert action(card, "mask") == action(card)  # an override of the same operator keeps the pack's parameters
    assert action(card, "encrypt") == Action("encrypt", {})
    with pytest.raises(ConfigError, match="unknown operator"):
        action(card, "shuffle")


def test_bad_pack_parameters_stop_the_plan() -> None:
    pack = load_pack()
    bad = dataclasses.replace(
        pack, entity_actions={**pack.entity_actions, "CN_PHONE": {"operator": "generalize", "to": "decade"}}
    )
    p = _profile("手机号", "CN_PHONE")
    with pytest.raises(ConfigError, match="手机号"):
        choose_action(p, classify(p, bad), bad)


# ------------------------------------------------------------------------------------------- end to end
def test_redact_drop_leaves_the_column_out(tmp_path: Path) -> None:
    pack = load_pack()
    pack = dataclasses.replace(
        pack, entity_actions={**pack.entity_actions, "CN_PHONE": {"operator": "redact", "drop": True}}
    )
    src = tmp_path / "in.csv"
    src.write_text("姓名,手机号\n" + "".join(f"张伟,1381234{i:04d}\n" for i in range(40)), encoding="utf-8")
    report, stem = run_file(src, tmp_path, tmp_path / "out", Options(pack=pack, ner_sample=0))
    out = pl.read_csv(tmp_path / "out" / "in.csv", infer_schema=False)
    assert out.columns == ["姓名"] and out.height == 40
    entry = next(c for c in report["columns"] if c["name"] == "手机号")
    assert entry["action"] == {"operator": "redact", "drop": True}
    assert report["residual"]["clean"]


def test_apply_keyed_operators_on_a_batch() -> None:
    df = pl.DataFrame({"a": ["13812345678", " 13812345678 ", None], "b": ["13812345678", "x", ""]})
    plan = [
        _Step("a", Action("pseudonymize", {"hash": "sha256"}), _profile("a", "CN_PHONE")),
        _Step("b", Action("encrypt", {}), _profile("b", "CN_PHONE")),
    ]
    out = _apply(df, plan, Options(key=KEY))
    a, b = out["a"].to_list(), out["b"].to_list()
    assert a[0] == a[1] == pseudonym("13812345678", KEY) and a[2] is None
    assert b[0] != "13812345678" and len(b[0]) == 11 and b[0][:3] == "138"
    assert b[1].startswith("e_") and b[2] == ""


def test_keys_never_reach_the_outputs(tmp_path: Path) -> None:
    key = "screening-test-key-0123456789"
    kf = tmp_path / "key.txt"
    kf.write_text(key + "\n", encoding="utf-8")
    from typer.testing import CliRunner

    from cli import app

    args = ["run", str(SAMPLES / "mixed_ids.csv"), "--out", str(tmp_path / "out"), "-q", "--key-file", str(kf)]
    args += ["--action", "证件号码=encrypt", "--action", "姓名=pseudonymize", "--sample", "5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "mixed_ids.report.json").read_text(encoding="utf-8"))
    assert {c["name"]: c["action"]["operator"] for c in report["columns"]}["证件号码"] == "encrypt"
    for f in (tmp_path / "out").iterdir():
        data = f.read_bytes()
        for secret in (key.encode(), key.encode().hex().encode(), key.encode().hex().upper().encode()):
            assert secret not in data, f.name
    assert key not in result.output


_ADDRESS_ALPHABET = "北京市海淀区浙江省杭州西湖县旗盟自治州地政治内蒙古路号室12a \n"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(_ADDRESS_ALPHABET), max_size=24)), max_size=20))
def test_address_cut_is_address_keep_group_one(values: list[str | None]) -> None:
    """The fast cut (a DFA match plus ADDRESS_KEEP where the cut would take the whole value) keeps what the
    capturing regex keeps, on random address-like text: short values, values ending at their district."""
    from screening.operators import ADDRESS_KEEP, address_cut

    s = pl.Series("a", values, dtype=pl.String)
    fast = s.to_frame().select(address_cut(pl.col("a"))).to_series()
    assert fast.to_list() == s.str.extract(ADDRESS_KEEP, 1).to_list()


@pytest.mark.parametrize("value", ["北京市海淀区", "海淀区", "北京", "北京市", "浙江省杭州市西湖区文三路1号", "区区区"])
def test_address_mask_where_the_district_ends_the_value(value: str) -> None:
    assert pl.Series([value]).to_frame("a").select(mask_expr(pl.col("a"), {"style": "address"})).item() == mask_value(
        value, {"style": "address"}
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from("0123456789Xab-@. 张"), max_size=22)), max_size=15),
    st.integers(0, 7),
    st.integers(0, 5),
    st.sampled_from(["*", "#", "＊"]),
    st.integers(0, 2),
)
def test_head_tail_mask_in_bytes_is_the_expression(
    values: list[str | None], head: int, tail: int, star: str, start: int
) -> None:
    """The numpy head/tail mask of ASCII columns (fixed width or not, with nulls, sliced) writes what the polars
    expression and mask_value write; non-ASCII columns and characters take the expression."""
    from screening.operators import _head_tail_expr

    s = pl.Series("v", values, dtype=pl.String).slice(start)
    spec = {"style": "head_tail", "keep_head": head, "keep_tail": tail, "mask_char": star}
    got = s.to_frame().select(mask_expr(pl.col("v"), spec)).to_series().to_list()
    assert got == s.to_frame().select(_head_tail_expr(pl.col("v"), head, tail, star)).to_series().to_list()
    assert got == [None if v is None else mask_value(v, spec) for v in s.to_list()]


def test_head_tail_mask_of_a_fixed_width_column() -> None:
    ids = pl.Series("id", ["11010119900307001X", "110101199003070012", None, "440301201012120011"])
    got = ids.to_frame().select(mask_expr(pl.col("id"), {"style": "head_tail", "keep_head": 6, "keep_tail": 4}))
    assert got.to_series().to_list() == ["110101********001X", "110101********0012", None, "440301********0011"]


@pytest.mark.parametrize("value", ["a@b.cn", "@b.cn", "a@b@c", "abc", "张三@公司", "a@b\nc", "a@", "@"])
def test_email_mask_expression_is_mask_value(value: str) -> None:
    spec = {"style": "email"}
    assert pl.select(mask_expr(pl.lit(value), spec)).item() == mask_value(value, spec)
