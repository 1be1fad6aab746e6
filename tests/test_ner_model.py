"""The trained NER model: loads from package data offline, small, exact offsets, the rules around it.

Every name, address and organisation here is made up (common surnames and given names, invented roads and
companies); the phone and ID numbers are synthetic.
"""

from __future__ import annotations

import fnmatch
import json
import tomllib
from pathlib import Path

import pytest
import spacy

import screening
from recognizers import Recognizer
from screening import freetext, ner_model, pipeline
from screening.model import Span
from screening.ner_model import SCORES, ModelNer

MAX_MODEL_BYTES = 30 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


def found(text: str) -> list[tuple[str, str]]:
    return [(s.entity, text[s.start : s.end]) for s in screening.find_entities([text])[0]]


# -- the shipped model -------------------------------------------------------------------------------------


def test_model_loads_from_package_data_without_download(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("spacy.cli.download called")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    monkeypatch.setattr(ner_model, "_nlp", None)  # force a fresh load
    nlp = ner_model.load()
    assert nlp is ner_model.load()  # cached
    assert nlp.lang == "zh" and nlp.pipe_names == ["tok2vec", "ner"]
    assert set(nlp.get_pipe("ner").labels) == {"PERSON", "CN_ADDRESS", "ORGANIZATION"}
    assert ner_model.model_path().is_relative_to(Path(screening.__file__).parent)
    assert [t.text for t in nlp.make_doc("张伟A1")] == ["张", "伟", "A", "1"]  # one token per character


def test_loading_the_model_does_not_import_presidio() -> None:
    """scan's name sample needs the model, not Presidio: spaCy must not import Presidio's registered factory (about
    a second of start-up) while the model loads."""
    import subprocess
    import sys

    code = (
        "import json, sys; from screening.ner_model import find_entities; "
        "spans = find_entities(['张伟住在北京市海淀区中关村大街1号']); "
        "print(json.dumps(['presidio_analyzer' in sys.modules, sorted({s.entity for s in spans[0]})]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [False, ["CN_ADDRESS", "PERSON"]]


def test_numpy_matmul_finds_what_blis_finds() -> None:
    """The loaded model multiplies on numpy's BLAS (faster here than thinc's BLIS) and finds exactly the spans the
    model finds with thinc's defaults."""
    import random

    from screening import synthetic

    nlp = ner_model.load()
    ops = {
        type(node.ops).__name__ + str(getattr(node.ops, "use_blis", ""))
        for _, p in nlp.pipeline
        for node in p.model.walk()
    }
    assert ops == {"NumpyOpsFalse"}
    plain = spacy.load(ner_model.model_path())
    assert all(getattr(node.ops, "use_blis", True) for _, p in plain.pipeline for node in p.model.walk())
    rng = random.Random(7)
    texts = [synthetic.remark(rng) for _ in range(400)] + ["张伟住在北京市海淀区中关村大街1号，在华为技术有限公司上班"]

    def spans(model: spacy.language.Language) -> list[list[tuple[int, int, str]]]:
        return [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in model.pipe(texts)]

    found = spans(nlp)
    assert sum(map(len, found)) > 150
    assert found == spans(plain)


def test_model_is_at_most_30_mb() -> None:
    files = [p for p in ner_model.model_path().rglob("*") if p.is_file()]
    assert files
    assert sum(p.stat().st_size for p in files) <= MAX_MODEL_BYTES


def test_every_model_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "screening.models" in config["packages"]
    globs = config["package-data"]["screening.models"]
    base = ner_model.model_path().parent
    for path in ner_model.model_path().rglob("*"):
        if path.is_file():
            rel = path.relative_to(base).as_posix()
            assert any(fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in globs), rel


# -- find_entities ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客户王秀英来电反映楼道漏水", [("PERSON", "王秀英")]),
        ("经办人刘建国已将材料转交财务部", [("PERSON", "刘建国")]),
        ("请把合同寄到浙江省杭州市西湖区文三路90号", [("CN_ADDRESS", "浙江省杭州市西湖区文三路90号")]),
        ("他现在在上海市浦东新区张江路88号3栋502室上班", [("CN_ADDRESS", "上海市浦东新区张江路88号3栋502室")]),
        ("北京星河科技有限公司的陈静女士来访", [("ORGANIZATION", "北京星河科技有限公司"), ("PERSON", "陈静")]),
        ("已核实，无异常", []),
    ],
)  # fmt: skip
def test_hand_written_sentences(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_find_entities_returns_exact_character_offsets() -> None:
    texts = [
        "😀客户张伟来电，手机13812345678",  # a character outside the BMP before the name
        "联系人：李娜\n地址：浙江省杭州市西湖区文三路90号",
        "Ｅｍａｉｌ：无，客户赵磊",  # full-width letters: folded for the model, offsets on the original
        None,
        "",
    ]
    result = screening.find_entities(texts)
    assert len(result) == len(texts) and result[3] == [] and result[4] == []
    for text, spans in zip(texts, result, strict=True):
        for s in spans:
            assert isinstance(s, Span) and set(vars(s)) == {"start", "end", "entity", "score"}
            assert 0 <= s.start < s.end <= len(str(text)) and 0 < s.score <= 1
        assert spans == sorted(spans, key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    surfaces = [[(s.entity, str(t)[s.start : s.end]) for s in spans] for t, spans in zip(texts, result, strict=True)]
    assert ("PERSON", "张伟") in surfaces[0] and ("CN_PHONE", "13812345678") in surfaces[0]
    assert ("PERSON", "李娜") in surfaces[1]
    assert ("CN_ADDRESS", "浙江省杭州市西湖区文三路90号") in surfaces[1]
    assert ("PERSON", "赵磊") in surfaces[2]


def test_model_ner_equals_the_presidio_path_on_names() -> None:
    texts = [
        "客户王秀英来电反映楼道漏水",
        "北京星河科技有限公司的陈静女士来访",
        "请把合同寄到浙江省杭州市西湖区文三路90号",
    ]
    # the PII path leaves bare place names out (北京 alone is not personal information)
    direct = [
        [s for s in spans if s.entity != "CN_ADDRESS" or s.score >= ner_model.ADDRESS_MIN_SCORE]
        for spans in ner_model.find_entities(texts)
    ]
    via_presidio = [[s for s in spans if s.entity in ner_model.LABELS] for spans in screening.find_entities(texts)]
    single = [list(freetext.FreeText(cache_size=0).spans(t)) for t in texts]
    assert direct == via_presidio == single


def test_recognizer_runs_the_model_itself_without_artifacts() -> None:
    text = "客户王秀英来电反映楼道漏水"
    results = freetext.ModelNerRecognizer().analyze(text, entities=[], nlp_artifacts=None)
    assert [(r.entity_type, text[r.start : r.end]) for r in results] == [("PERSON", "王秀英")]


def test_analyzer_has_the_model_recognizer_and_identifiers() -> None:
    analyzer = freetext.build_analyzer()
    kinds = [type(r).__name__ for r in analyzer.registry.recognizers]
    assert kinds.count("ModelNerRecognizer") == 1 and "JiebaNerRecognizer" not in kinds
    assert "ProjectPatternRecognizer" in kinds
    assert analyzer.nlp_engine.nlp["zh"] is ner_model.load()  # type: ignore[index]


def test_context_words_still_raise_scores(ticket_recognizer: Recognizer) -> None:
    # per-character tokens with 4-character pseudo-lemmas: 工单号 before a ticket number is seen as context
    analyzer = freetext.build_analyzer([ticket_recognizer])
    plain = analyzer.analyze("今天TK1234已处理", language="zh")
    boosted = analyzer.analyze("工单号TK1234已处理", language="zh")
    assert [r.entity_type for r in plain] == [r.entity_type for r in boosted] == ["TEST_TICKET"]
    assert boosted[0].score > plain[0].score == 0.4


# -- identifiers win; the rules -------------------------------------------------------------------------


def test_a_name_span_is_cut_around_an_identifier() -> None:
    phone = Span(10, 21, "CN_PHONE", 1.0)
    assert freetext.cut_around(Span(0, 21, "CN_ADDRESS", 0.85), [phone]) == Span(0, 10, "CN_ADDRESS", 0.85)
    assert freetext.cut_around(Span(9, 22, "PERSON", 0.85), [phone]) is None  # 1 character left either side
    assert freetext.cut_around(Span(0, 5, "PERSON", 0.85), [phone]) == Span(0, 5, "PERSON", 0.85)


@pytest.fixture(scope="module")
def rules() -> ModelNer:
    return ModelNer(ner_model.load())


@pytest.mark.parametrize(
    ("text", "model", "expected"),
    [
        # persons: a trailing particle is cut; a given name with 市 is no name
        ("张伟说好的", [(0, 3, "PERSON")], [(0, 2, "PERSON")]),
        ("请张伟及李芳参加", [(1, 4, "PERSON"), (4, 6, "PERSON")], [(1, 3, "PERSON"), (4, 6, "PERSON")]),
        ("王市区", [(0, 3, "PERSON")], []),
        ("克林顿访华", [(0, 3, "PERSON")], [(0, 3, "PERSON")]),  # no surname: not checked
        ("李我行来了", [(0, 3, "PERSON")], [(0, 3, "PERSON")]),  # 我 and 那 occur in names
        ("你他们来了", [(0, 2, "PERSON")], []),
        # a lone surname is a name, but not a family (张家) or a function word (于); another character is one only
        # beside a one-character name (马列) or before a title
        ("老张来了", [(1, 2, "PERSON")], [(1, 2, "PERSON")]),
        ("张家来了", [(0, 1, "PERSON")], []),
        ("于上周来", [(0, 1, "PERSON")], []),
        ("学习马列主义", [(2, 3, "PERSON"), (3, 4, "PERSON")], [(2, 3, "PERSON"), (3, 4, "PERSON")]),
        ("列入计划", [(0, 1, "PERSON")], []),
        # a kinship word before a name is cut; a name holds no punctuation
        ("他的哥哥王建国来了", [(2, 7, "PERSON")], [(4, 7, "PERSON")]),
        ("哥哥来了", [(0, 2, "PERSON")], [(0, 2, "PERSON")]),  # no name left after it: not cut
        ("问问孙丽』", [(2, 5, "PERSON")], []),
        ("陈××来过", [(0, 3, "PERSON")], [(0, 3, "PERSON")]),
        ("😀客户来电", [(0, 3, "PERSON")], []),  # nor an emoji
        ("𠮷野来了", [(0, 2, "PERSON")], [(0, 2, "PERSON")]),  # a Han character beyond the BMP is a letter
        # a "name" that is a province, a lake or port, or ends in an organisation word is that place or organisation
        ("李芳(女,宁夏)", [(0, 2, "PERSON"), (5, 7, "PERSON")], [(0, 2, "PERSON"), (5, 7, "CN_ADDRESS")]),
        ("游览明月湖", [(2, 5, "PERSON")], [(2, 5, "CN_ADDRESS")]),
        ("明月来了", [(0, 2, "PERSON")], [(0, 2, "PERSON")]),
        ("约翰·史密斯公司上市", [(0, 8, "PERSON")], [(0, 8, "ORGANIZATION")]),
        # a name before a sex note is taken where the model found none or another label
        ("赵立平,男,汉族", [], [(0, 3, "PERSON")]),
        ("举重:钱丽兰(女,湖北)", [(4, 6, "PERSON")], [(3, 6, "PERSON")]),
        ("周立明,男,", [(0, 3, "CN_ADDRESS")], [(0, 3, "PERSON")]),
        ("工作单位,男,", [], []),  # not a name
        ("李芳男,已婚", [], []),  # no note: 男 follows the name directly
        # addresses: place + detail is one address; adjacent places merge when detail follows
        ("寄到杭州文三路90号", [(2, 4, "CN_ADDRESS")], [(2, 10, "CN_ADDRESS")]),
        ("住北京市朝阳区建国路88号", [(1, 4, "CN_ADDRESS"), (4, 7, "CN_ADDRESS")], [(1, 13, "CN_ADDRESS")]),
        ("北京市朝阳区", [(0, 3, "CN_ADDRESS"), (3, 6, "CN_ADDRESS")], [(0, 3, "CN_ADDRESS"), (3, 6, "CN_ADDRESS")]),
        ("地址浙江省宁波市海曙区中山路5号", [], [(2, 16, "CN_ADDRESS")]),  # the gazetteer, the model found none
        # organisations: a place or an organisation followed by an organisation word
        ("在北京大学读书", [(1, 3, "CN_ADDRESS")], [(1, 5, "ORGANIZATION")]),
        ("中国工商银行北京分行", [(0, 6, "ORGANIZATION"), (6, 8, "CN_ADDRESS")], [(0, 10, "ORGANIZATION")]),
        ("曾就职于星河科技有限公司", [], [(4, 12, "ORGANIZATION")]),  # from the suffix, left up to 于
        ("我们公司很好", [], []),  # a suffix with no name before it
        # ... but not an address that ends in one, two organisations joined by 和, a counted noun or 大局
        ("寄到桐乡市振兴东路844号交通银行", [(2, 16, "CN_ADDRESS")], [(2, 16, "CN_ADDRESS")]),
        ("浙江省宁波市象山县大徐镇殷夫中学", [(0, 16, "CN_ADDRESS")], [(0, 16, "CN_ADDRESS")]),
        ("由出版社和北京市广电局主办", [(1, 4, "ORGANIZATION"), (5, 11, "ORGANIZATION")],
         [(1, 4, "ORGANIZATION"), (5, 11, "ORGANIZATION")]),
        ("联合国禁毒署署长", [(0, 6, "ORGANIZATION")], [(0, 6, "ORGANIZATION")]),
        ("香港成为一个产品创新中心", [(0, 2, "CN_ADDRESS")], [(0, 2, "CN_ADDRESS")]),
        ("国内有几家金融公司参加", [], []),
        ("要顾全大局", [], []),
        # an "organisation" with a division that holds a numbered part, or is followed by a division or a road with a
        # number, is an address; one that is not stays
        ("重庆市渝中区胜利路858号1106室", [(0, 19, "ORGANIZATION")], [(0, 19, "CN_ADDRESS")]),
        ("山西省太原市小店区人民路866号", [(0, 8, "ORGANIZATION")], [(0, 16, "CN_ADDRESS")]),
        ("南昌市东湖区学院路315号", [(0, 8, "ORGANIZATION")], [(0, 13, "CN_ADDRESS")]),
        ("在北京市第一中学读书", [(1, 8, "ORGANIZATION")], [(1, 8, "ORGANIZATION")]),
        ("杭州市西湖区人民政府发文", [(0, 10, "ORGANIZATION")], [(0, 10, "ORGANIZATION")]),
        ("北京大学路过", [(0, 4, "ORGANIZATION")], [(0, 4, "ORGANIZATION")]),
        # a span that cuts a run of ASCII letters and digits is the model's guess inside an identifier
        ("工单TK1235已处理", [(2, 4, "ORGANIZATION")], []),
        ("寄到A12栋", [(2, 3, "CN_ADDRESS")], []),
        ("IBM公司来电", [(0, 5, "ORGANIZATION")], [(0, 5, "ORGANIZATION")]),
        # the gazetteer adds an address only with a numbered part; 农村 is no village
        ("山区农村乡镇企业发展很快", [], []),
        ("安徽省农村", [(0, 3, "CN_ADDRESS")], [(0, 3, "CN_ADDRESS")]),
        # a lone surname before a title is a name
        ("吴厂长来了", [(0, 1, "PERSON")], [(0, 1, "PERSON")]),
    ],
)  # fmt: skip
def test_rules(
    rules: ModelNer, text: str, model: list[tuple[int, int, str]], expected: list[tuple[int, int, str]]
) -> None:
    assert [(s.start, s.end, s.entity) for s in rules.apply_rules(text, model)] == expected


def test_bare_place_names_score_lower_than_addresses(rules: ModelNer) -> None:
    spans = rules.apply_rules("从北京寄到杭州文三路90号", [(1, 3, "CN_ADDRESS"), (5, 7, "CN_ADDRESS")])
    assert [(s.start, s.end, s.score) for s in spans] == [(1, 3, SCORES["PLACE"]), (5, 13, SCORES["CN_ADDRESS"])]


def test_rule_groups_can_be_switched_off() -> None:
    bare = ModelNer(ner_model.load(), rules=())
    assert bare.apply_rules("老张来了", [(1, 2, "PERSON")]) == [Span(1, 2, "PERSON", SCORES["PERSON"])]
    with pytest.raises(ValueError, match="unknown"):
        ModelNer(ner_model.load(), rules=("people",))


# -- the pipeline's name sample -------------------------------------------------------------------------


def test_scan_sample_counts_use_the_model() -> None:
    sample = ["客户王秀英来电反映楼道漏水", "请把合同寄到浙江省杭州市西湖区文三路90号", "北京今天下雨", "已核实"]
    counts, examples = pipeline._ner_counts(sample)
    assert counts["PERSON"] == 1 and counts["CN_ADDRESS"] == 1  # 北京 alone is a place, not an address
    assert all("王秀英" not in ex for _, ex in examples)  # examples are masked


def test_scan_sample_counts_every_cell_of_a_repeated_text(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    real = ner_model.find_entities

    def spy(texts: list[str]) -> list[list[Span]]:
        seen.append(list(texts))
        return real(texts)

    monkeypatch.setattr(ner_model, "find_entities", spy)
    sample = ["客户王秀英来电反映楼道漏水", "已核实", "客户王秀英来电反映楼道漏水", "客户王秀英来电反映楼道漏水"]
    counts, _ = pipeline._ner_counts(sample)
    assert counts["PERSON"] == 3  # cells, not distinct texts
    assert seen == [["客户王秀英来电反映楼道漏水", "已核实"]]  # the model saw each text once
