"""Desensitisation operators: Chinese display conventions; scalar and vectorised forms agree."""

from __future__ import annotations

import random

import polars as pl
import pytest

from screening.operators import generalize_expr, mask_expr, mask_value, pseudonym, pseudonymize_series

CASES = [
    # (value, spec, expected)
    ("13812345678", {"style": "head_tail", "keep_head": 3, "keep_tail": 4}, "138****5678"),
    ("11010119900307123X", {"style": "head_tail", "keep_head": 6, "keep_tail": 4}, "110101********123X"),
    ("6222021234567890123", {"style": "head_tail", "keep_head": 0, "keep_tail": 4}, "***************0123"),
    # short values reveal at most a quarter at each end
    ("E12345678", {"style": "head_tail", "keep_head": 6, "keep_tail": 4}, "E1*****78"),
    ("张伟", {"style": "name"}, "张*"),
    ("王小明", {"style": "name"}, "王**"),
    ("欧阳娜娜", {"style": "name"}, "欧阳**"),
    ("司马光", {"style": "name"}, "司马*"),
    ("北京市朝阳区建国路88号3单元502室", {"style": "address"}, "北京市朝阳区****"),
    ("浙江省杭州市西湖区文三路100号", {"style": "address"}, "浙江省杭州市西湖区****"),
    ("上海市黄浦区", {"style": "address"}, "上海市****"),
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
    alphabet = "0123456789abcdefX@.:张王欧阳北京市区县路号"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(300)]
    got = pl.DataFrame({"v": values}).select(mask_expr(pl.col("v"), spec)).to_series().to_list()
    assert got == [mask_value(v, spec) for v in values]


def test_mask_never_returns_the_raw_value_of_long_inputs() -> None:
    for v in ["13812345678", "张三丰", "a@b.cn", "11010119900307123X"]:
        for style in ("head_tail", "name", "email"):
            assert mask_value(v, {"style": style, "keep_head": 3, "keep_tail": 4}) != v


def test_pseudonym_is_keyed_and_consistent() -> None:
    k1, k2 = b"k" * 32, b"j" * 32
    assert pseudonym("13812345678", k1) == pseudonym("13812345678", k1)
    assert pseudonym("13812345678", k1) != pseudonym("13812345678", k2)
    assert "13812345678" not in pseudonym("13812345678", k1)
    s = pl.Series(["a", "b", "a", None])
    out = pseudonymize_series(s, k1).to_list()
    assert out[0] == out[2] == pseudonym("a", k1) and out[3] is None


def test_generalize_dates() -> None:
    df = pl.DataFrame({"d": ["1990-03-07", "1990/3/7", "19900307", "1990年3月7日", "unknown"]})
    assert df.select(generalize_expr(pl.col("d"), "year")).to_series().to_list() == ["1990"] * 4 + [None]
    assert df.select(generalize_expr(pl.col("d"), "month")).to_series().to_list()[:4] == ["1990-03"] * 4
