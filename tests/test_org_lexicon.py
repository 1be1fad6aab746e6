"""The organisation lexicon (screening/models/org_lexicon.txt) and the ``org-lexicon`` rule of the NER.

No corpus is read here. People's names are made up; the organisations are public bodies that the lexicon holds.
"""

from __future__ import annotations

import fnmatch
import re
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import ner_model
from screening.ner_model import ModelNer

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_LEXICON = tuple(r for r in ner_model.RULES if r != "org-lexicon")


def orgs(spans: list[ner_model.Span], text: str) -> list[str]:
    return [text[s.start : s.end] for s in spans if s.entity == "ORGANIZATION"]


# -- the file ---------------------------------------------------------------------------------------------


def test_lexicon_file_is_sorted_unique_and_modest() -> None:
    assert ner_model.ORG_LEXICON.is_file()
    lines = ner_model.ORG_LEXICON.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # ends in a newline
    names = lines[:-1]
    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert 500 <= len(names) <= 5000
    assert all(len(n) >= 2 and n == n.strip() and not re.search(r"\s", n) for n in names)
    assert names == list(ner_model.org_lexicon())


def test_lexicon_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    rel = ner_model.ORG_LEXICON.relative_to(ROOT / "screening" / "models").as_posix()
    assert any(
        fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in config["package-data"]["screening.models"]
    )


def test_lexicon_holds_frequent_organisations() -> None:
    names = set(ner_model.org_lexicon())
    assert {"新华社", "国务院", "外交部", "联合国", "中共中央"} <= names


def test_lexicon_holds_no_generic_units() -> None:
    names = set(ner_model.org_lexicon())
    assert not {"金融公司", "秘书处", "化学系", "漂流队", "市委", "母公司", "股份公司", "评论部"} & names


@pytest.mark.parametrize("text", ["请转秘书处处理", "母公司已付款", "客户是金融公司员工", "他在化学系读书"])
def test_a_generic_unit_in_a_remark_is_no_organisation(text: str) -> None:
    assert orgs(ModelNer(rules=("org-lexicon",)).apply_rules(text, []), text) == []


# -- the trie pattern -------------------------------------------------------------------------------------


def test_word_scanner_takes_the_longest_name() -> None:
    scanner = ner_model.WordScanner(["银行", "星河", "星河银行", "星河银行总行", "a(b", "", "行"])
    text = "星河银行总行和星河银行，星河，银行，a(b行"
    found = [text[a:b] for a, b in scanner.spans(text)]
    assert found == ["星河银行总行", "星河银行", "星河", "银行", "a(b", "行"]
    assert not ner_model.WordScanner([]) and not list(ner_model.WordScanner([""]).spans("abc"))
    from_generator = ner_model.WordScanner(w for w in ["星河银行", "行"])
    assert list(from_generator.spans("星河银行和行")) == [(0, 4), (5, 6)]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(alphabet="甲乙丙丁a(", min_size=1, max_size=5), max_size=12),
    st.text(alphabet="甲乙丙丁a(，", max_size=40),
)
def test_word_scanner_finds_what_a_longest_first_regex_finds(words: list[str], text: str) -> None:
    """The same matches as ``finditer`` of one alternation of the words, longest first (the expression the
    lexicon used before, built as a trie)."""
    expected = []
    if words:
        alternation = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
        expected = [m.span() for m in re.finditer(alternation, text)]
    assert list(ner_model.WordScanner(words).spans(text)) == expected


# -- the rule ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("客户说中华慈善总会昨天来电核实了情况。", "中华慈善总会"),
        ("客户说全球环境基金昨天来电核实了情况。", "全球环境基金"),
    ],
)
def test_lexicon_finds_an_organisation_the_model_misses(text: str, name: str) -> None:
    assert name in ner_model.org_lexicon()
    assert name not in orgs(ModelNer(rules=WITHOUT_LEXICON).find([text])[0], text)
    assert name in orgs(ModelNer().find([text])[0], text)
    assert name in orgs(ner_model.find_entities([text])[0], text)


def test_lexicon_name_inside_a_longer_organisation_keeps_the_longer_span() -> None:
    text = "国务院发展研究中心发布报告"
    assert "国务院" in ner_model.org_lexicon()
    spans = ModelNer(rules=("org-lexicon",)).apply_rules(text, [(0, 9, "ORGANIZATION")])
    assert [(s.start, s.end, s.entity) for s in spans] == [(0, 9, "ORGANIZATION")]


def test_lexicon_name_never_covers_a_person() -> None:
    # a made-up name 李新华 followed by 社长: 新华社 must not cut into it
    text = "李新华社长说明天开会"
    assert "新华社" in ner_model.org_lexicon()
    spans = ModelNer(rules=("org-lexicon",)).apply_rules(text, [(0, 3, "PERSON")])
    assert [(s.start, s.end, s.entity) for s in spans] == [(0, 3, "PERSON")]
    for found in ner_model.find_entities([text, "联系人李新华社区医生，电话另告"]):
        persons = [s for s in found if s.entity == "PERSON"]
        assert all(not (p.start < o.end and o.start < p.end) for p in persons for o in found if o is not p)


def test_lexicon_name_takes_over_a_place_inside_it_but_not_a_longer_address() -> None:
    assert "北京大学" in ner_model.org_lexicon()
    rule = ModelNer(rules=("org-lexicon",))
    spans = rule.apply_rules("他在北京大学读书", [(2, 4, "CN_ADDRESS")])
    assert [(s.start, s.end, s.entity) for s in spans] == [(2, 6, "ORGANIZATION")]
    text = "寄到北京市海淀区颐和园路5号北京大学"
    spans = rule.apply_rules(text, [(2, len(text), "CN_ADDRESS")])
    assert [(s.start, s.end, s.entity) for s in spans] == [(2, len(text), "CN_ADDRESS")]


@pytest.mark.parametrize("place", ["兴安盟", "锡林郭勒盟", "阿拉善盟"])
def test_lexicon_name_inside_a_league_is_the_place(place: str) -> None:
    assert "安盟" in ner_model.org_lexicon()
    text = f"客户地址在内蒙古{place}，下周回访"
    for found in (ModelNer(rules=("org-lexicon",)).apply_rules(text, []), ner_model.find_entities([text])[0]):
        assert not any(s.entity == "ORGANIZATION" and text[s.start : s.end] in place for s in found), found
    text = "安盟领导人昨天发表声明"  # the party itself, where no league is around
    assert "安盟" in orgs(ModelNer(rules=("org-lexicon",)).apply_rules(text, []), text)


def test_a_missing_lexicon_leaves_the_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ner_model, "_org_lexicon_scanner", lambda: ner_model.WordScanner(()))
    spans = ModelNer(rules=("org-lexicon",)).apply_rules("新华社电", [])
    assert spans == []


# -- the build --------------------------------------------------------------------------------------------


def _build_modules():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "training"))
    try:
        import build_org_lexicon as b
        import corpora as c
    finally:
        sys.path.remove(str(ROOT / "training"))
    return b, c


@pytest.mark.parametrize("name", ["市委", "县卫生局", "母公司", "金融公司", "秘书处", "化学系", "漂流队", "市场部"])
def test_generic_units(name: str) -> None:
    b, _ = _build_modules()
    assert b.generic(name, {"北京"})


@pytest.mark.parametrize(
    "name", ["新华社", "外交部", "北京队", "联想集团", "国家质量技术监督局", "星河社", "A1局", "处", "思科公司"]
)
def test_names_are_not_generic(name: str) -> None:
    b, _ = _build_modules()
    assert not b.generic(name, {"北京", "思科"})


def test_build_drops_generic_units() -> None:
    b, c = _build_modules()
    examples = [c.Example("金融公司发布公告", ((0, 4, "ORGANIZATION"),), "synthetic")] * 3
    assert b.build(examples) == []
    assert b.build(examples, drop_generic=False) == ["金融公司"]


def test_build_is_deterministic_and_filters() -> None:
    b, c = _build_modules()

    def ex(text: str, *spans: tuple[int, int, str]) -> c.Example:
        return c.Example(text, spans, "synthetic")

    examples = [
        *[ex("星河社报道了消息", (0, 3, "ORGANIZATION"))] * 3,  # always annotated
        ex("星河社北京分社发稿", (0, 7, "ORGANIZATION")),  # inside a longer name: no evidence against
        *[ex("青松会议召开", (0, 3, "ORGANIZATION"))] * 2,
        *[ex("青松会员很多")] * 20,  # mostly unannotated: dropped
        *[ex("赵明远基金会成立", (0, 6, "ORGANIZATION"))] * 3,
        *[ex("赵明远说", (0, 3, "PERSON"))] * 2,  # holds a person's name: dropped
        ex("白云局开会", (0, 3, "ORGANIZATION")),  # annotated once: dropped
        *[ex("Ａ１局发文", (0, 3, "ORGANIZATION"))] * 2,  # no Han character besides the suffix: kept, folded
    ]
    first = b.build(examples, min_count=2, min_share=0.2, min_share_short=0.3)
    assert first == b.build(list(reversed(examples)), min_count=2, min_share=0.2, min_share_short=0.3)
    assert first == ["A1局", "星河社"]
