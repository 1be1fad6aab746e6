"""Free-text path: Presidio on the NER model shipped in the package, the project's recognizers only.

Every value here is synthetic: names are common surname + given-name combinations, the ID number is
built with the MOD 11-2 check below, phones and e-mails are made up.
"""

from __future__ import annotations

import logging
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jieba
import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st

from recognizers import Recognizer, all_recognizers
from screening import freetext, synthetic
from screening.freetext import (
    FreeText,
    ModelNerRecognizer,
    ProjectPatternRecognizer,
    anonymize_text,
    build_analyzer,
    find_entities,
    find_entities_parallel,
    resolve_overlaps,
)
from screening.model import Span


def with_check(body: str) -> str:
    """A synthetic 18-character ID number: 17 digits plus the MOD 11-2 check character."""
    return body + "10X98765432"[(2 * int(body, 13)) % 11]


ID = with_check("11010519900307123")  # 110105199003071239
BAD_ID = ID[:17] + "0"  # same shape, wrong check: an order number
PHONE = "13812345678"


def found(text: str) -> list[tuple[str, str]]:
    return [(s.entity, text[s.start : s.end]) for s in find_entities([text])[0]]


def assert_well_formed(text: str, spans: list[Span]) -> None:
    assert spans == sorted(spans, key=lambda s: (s.start, s.end))
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert 0 < s.score <= 1
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start, f"overlap {a} {b}"


# -- building the analyzer -------------------------------------------------------------------------------


def test_analyzer_builds_offline_with_only_project_recognizers(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(spacy.cli, "download", no_network)
    monkeypatch.setattr(freetext.SpacyNlpEngine, "load", no_network)
    tldextract = pytest.importorskip("tldextract")
    monkeypatch.setattr(tldextract.TLDExtract, "__call__", no_network)

    analyzer = build_analyzer(all_recognizers())  # a fresh one, not the cached default
    recognizers = analyzer.registry.recognizers
    assert all(isinstance(r, ProjectPatternRecognizer | ModelNerRecognizer) for r in recognizers)
    assert sum(isinstance(r, ModelNerRecognizer) for r in recognizers) == 1
    identifiers = {r.entity for r in all_recognizers() if r.kind == "identifier" and not r.header_required}
    assert {r.supported_entities[0] for r in recognizers if isinstance(r, ProjectPatternRecognizer)} == identifiers
    nlp = analyzer.nlp_engine.nlp["zh"]
    assert nlp.lang == "zh" and nlp.pipe_names == ["tok2vec", "ner"]  # the model shipped in the package
    assert [t.text for t in nlp.make_doc("客户王芳")] == ["客", "户", "王", "芳"]  # per character: no jieba
    results = analyzer.analyze("邮箱user01@example.com谢谢", language="zh")
    assert [(r.entity_type, r.start, r.end) for r in results] == [("EMAIL_ADDRESS", 2, 20)]


def test_project_recognizer_validation_drops_or_confirms() -> None:
    ticket = Recognizer(
        entity="TEST_TICKET",
        pattern="(?-u:\\b)TK[0-9]{4}(?-u:\\b)",
        headers=(),
        priority=5,
        validate=lambda v: int(v[2:]) % 2 == 0,  # even ticket numbers are "valid"
        score=0.4,
    )
    engine = FreeText([ticket])
    assert engine.find(["工单TK1234和TK1235"]) == [[Span(2, 8, "TEST_TICKET", 1.0)]]


def test_jieba_is_quiet_and_survives_an_unwritable_cache_dir(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert jieba.log_console not in jieba.default_logger.handlers
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = "/nonexistent/jieba-cache"  # the cache dump fails; jieba must carry on
    with caplog.at_level(logging.DEBUG, logger="jieba"):
        tokenizer.initialize()
    assert tokenizer.lcut("客户来电") == ["客户", "来电"]
    assert capfd.readouterr().err == ""
    messages = {r.getMessage(): r.levelno for r in caplog.records if r.name == "jieba"}
    assert messages.get("Dump cache file failed.") == logging.DEBUG  # demoted from ERROR


# -- finding entities -------------------------------------------------------------------------------------


def test_finds_identifiers_and_names_with_correct_offsets() -> None:
    text = f"客户张伟来电，手机{PHONE}，身份证号{ID}，订单号{BAD_ID}已发货"
    spans = find_entities([text])[0]
    assert_well_formed(text, spans)
    assert [(s.entity, text[s.start : s.end]) for s in spans] == [
        ("PERSON", "张伟"),
        ("CN_PHONE", PHONE),
        ("CN_ID_CARD", ID),
    ]
    id_span = next(s for s in spans if s.entity == "CN_ID_CARD")
    assert id_span.score == 1.0  # validated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # e-mail glued to CJK on both sides: exactly the address (Presidio's own EmailRecognizer fails here)
        ("请发邮件到zhang.wei@example.com谢谢", [("EMAIL_ADDRESS", "zhang.wei@example.com")]),
        ("邮箱abc@example.com，电话021-62345678",
         [("EMAIL_ADDRESS", "abc@example.com"), ("CN_LANDLINE", "021-62345678")]),
        # full-width digits: found, offsets on the original text
        (f"手机{PHONE.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})}，请回电",
         [("CN_PHONE", "１３８１２３４５６７８")]),
        # an ID-shaped order number with a wrong check character is not an ID number
        (f"订单号{BAD_ID}已发货", []),
        # spaces, line breaks and characters outside the BMP keep offsets right
        (f"联系人王芳 {PHONE} 已回访", [("PERSON", "王芳"), ("CN_PHONE", PHONE)]),
        (f"😀客户\r\n  手机{PHONE}\t邮箱a@example.com", [("CN_PHONE", PHONE), ("EMAIL_ADDRESS", "a@example.com")]),
    ],
)  # fmt: skip
def test_identifier_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # persons: a jieba nr token starting with a surname, or surname + given-name tokens
        ("已转交招商银行处理，经办人刘洋", [("ORGANIZATION", "招商银行"), ("PERSON", "刘洋")]),
        ("王秀英反映楼上漏水", [("PERSON", "王秀英")]),
        ("客户欧阳娜娜投诉，请尽快回电", [("PERSON", "欧阳娜娜")]),
        ("赵磊和孙丽一同来访", [("PERSON", "赵磊"), ("PERSON", "孙丽")]),
        # addresses: place names followed by road / house-number detail
        ("王秀英反映北京市朝阳区建国路88号3单元502室漏水",
         [("PERSON", "王秀英"), ("CN_ADDRESS", "北京市朝阳区建国路88号3单元502室")]),
        ("收货地址湖南省长沙县黄花镇新塘村三组", [("CN_ADDRESS", "湖南省长沙县黄花镇新塘村三组")]),
        # organisations: nt tokens, or names ending in an organisation word
        ("北京华为技术有限公司的陈静女士来访", [("ORGANIZATION", "北京华为技术有限公司"), ("PERSON", "陈静")]),
        ("杨帆在复旦大学附属中山医院就诊", [("PERSON", "杨帆"), ("ORGANIZATION", "复旦大学附属中山医院")]),
        # not entities: a bare place name, districts jieba tags as names, courtesy words
        ("北京今天下雨", []),
        ("请在徐汇区网点办理", []),
        ("客户对服务表示满意，谢谢", []),
        ("已核实，无异常", []),
    ],
)  # fmt: skip
def test_ner_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_ner_without_pipeline_tokens_runs_the_model_itself() -> None:
    # Under an engine without the model's document (NoOp) the recognizer runs the model itself: same spans.
    text = "王秀英反映北京市朝阳区建国路88号3单元502室漏水"
    direct = ModelNerRecognizer().analyze(text, entities=[], nlp_artifacts=None)
    assert [(r.entity_type, text[r.start : r.end]) for r in direct] == found(text)


def test_none_and_empty_cells() -> None:
    assert find_entities([None, "", f"手机{PHONE}"]) == [[], [], [Span(2, 13, "CN_PHONE", 1.0)]]


def test_resolve_overlaps_priority_then_length_then_score() -> None:
    priority = {"CN_ID_CARD": 10, "CN_BANK_CARD": 40, "PERSON": 90}
    spans = [
        Span(0, 18, "CN_BANK_CARD", 1.0),
        Span(0, 18, "CN_ID_CARD", 1.0),  # same place, higher priority
        Span(20, 22, "PERSON", 0.9),
        Span(20, 23, "PERSON", 0.6),  # longer wins over higher score
        Span(30, 33, "UNKNOWN", 0.9),  # no priority: last
        Span(31, 32, "PERSON", 0.5),
    ]
    assert resolve_overlaps(spans, priority) == [
        Span(0, 18, "CN_ID_CARD", 1.0),
        Span(20, 23, "PERSON", 0.6),
        Span(31, 32, "PERSON", 0.5),
    ]


@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(1, 8), st.sampled_from(["A", "B", "C"]), st.floats(0.1, 1.0)),
        max_size=25,
    )
)
def test_resolve_overlaps_matches_the_naive_greedy(raw: list[tuple[int, int, str, float]]) -> None:
    priority = {"A": 1, "B": 2}
    spans = [Span(start, start + length, entity, score) for start, length, entity, score in raw]
    ranked = sorted(spans, key=lambda s: (priority.get(s.entity, 100), -(s.end - s.start), -s.score, s.start))
    naive: list[Span] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in naive):
            naive.append(span)
    assert resolve_overlaps(spans, priority) == sorted(naive, key=lambda s: s.start)


def test_cache_is_bounded_and_reused() -> None:
    engine = FreeText(cache_size=2)
    texts = [f"手机1381234567{i}" for i in range(5)]
    first = engine.find(texts + texts[-1:])
    assert len(engine._cache) == 2
    assert engine.spans(texts[-1]) is engine.spans(texts[-1])
    assert first[-1] == first[-2]
    long_text = "备注" * (freetext.CACHE_MAX_CHARS // 2 + 1)
    engine.spans(long_text)
    assert long_text not in engine._cache


def test_threads_share_one_engine() -> None:
    engine = FreeText(cache_size=3)  # tiny: eviction races between threads
    texts = [f"手机1381234567{i % 10}，联系人王芳" for i in range(200)]
    expected = FreeText().find(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(engine.find, [texts] * 4))
    assert all(r == expected for r in results)


# -- synthetic remarks: invariants, parallel == serial ----------------------------------------------------

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
_TEMPLATES = (
    "客户{n}来电，手机{p}，要求退款",
    "经办人{n}，身份证号{i}，已核实",
    "{n}的邮箱是{e}，请发送发票",
    "订单号{b}已发货，收件人{n}",
    "货物已送达上海市浦东新区张江路{k}号",
    "已核实，无异常",
    "手机{p}（{n}）",
)


def remarks(count: int, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        body = f"{rnd.choice(['110101', '310115', '440305'])}19{rnd.randint(60, 99)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}{rnd.randint(100, 999)}"  # noqa: E501
        out.append(
            rnd.choice(_TEMPLATES).format(
                n=rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.randint(1, 2))),
                p=f"139{rnd.randint(0, 99_999_999):08d}",
                i=with_check(body),
                b=with_check(body)[:17] + ("Y" if rnd.random() < 0.5 else ""),
                e=f"user{rnd.randint(1, 999)}@example.com",
                k=rnd.randint(1, 999),
            )
        )
    return out


def test_synthetic_remarks_are_well_formed() -> None:
    texts = remarks(120, seed=2)
    for text, spans in zip(texts, find_entities(texts), strict=True):
        assert_well_formed(text, spans)
        if "身份证号" in text:
            assert "CN_ID_CARD" in {s.entity for s in spans}


def test_parallel_equals_serial() -> None:
    texts = remarks(300, seed=3) + [None, ""]
    serial = FreeText().find(texts)  # its own cache: the parallel run starts cold
    freetext.default_freetext()._cache.clear()
    parallel = find_entities_parallel(texts, workers=2, chunk=50, min_texts=0)
    assert parallel == serial


def test_asking_only_for_matching_identifiers_changes_no_span() -> None:
    """FreeText asks Presidio only for the identifiers whose pattern occurs in a text: the spans equal those of
    asking for every recognizer, on remarks and on every recognizer's valid and invalid examples in a sentence."""
    engine = FreeText(cache_size=0)
    texts = remarks(300, seed=11)
    for r in all_recognizers():
        texts += [f"客户{r.entity}为{v}，已登记" for v in (*r.examples_valid, *r.examples_invalid) if v]
    asked = [engine.entities(t) for t in texts]
    assert sum(len(a) - 3 for a in asked) < 3 * len(texts)  # most identifier recognizers are skipped
    assert any(len(a) > 3 for a in asked)
    filtered = engine.find(texts)
    engine.entities = lambda text: None  # type: ignore[method-assign]  # Presidio's default: every recognizer
    assert engine.find(texts) == filtered
    assert sum(map(len, filtered)) > 300


def test_context_enhancer_shortcut_changes_no_span_or_score(ticket_recognizer: Recognizer) -> None:
    """FreeText's ContextEnhancer skips Presidio's deep copy when no result can be raised by context words: spans
    and scores equal those of Presidio's own LemmaContextAwareEnhancer, with and without context words."""
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    texts = remarks(200, seed=12) + [
        "工单号TK1234已处理，请拨打13812345678",
        "今天TK1234已处理",
        "联系电话 021-62345678，找张伟",
        "北京市朝阳区建国路88号的王芳",
    ]
    engine = FreeText((*all_recognizers(), ticket_recognizer), cache_size=0)
    assert isinstance(engine.analyzer.context_aware_enhancer, freetext.ContextEnhancer)
    ours = engine.find(texts)
    engine.analyzer.context_aware_enhancer = LemmaContextAwareEnhancer()
    assert engine.find(texts) == ours
    scores = [s.score for spans in ours for s in spans if s.entity == "TEST_TICKET"]
    assert len(scores) == 2 and scores[0] > scores[1] == 0.4  # raised by 工单号 before it, and not without


def test_small_inputs_stay_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started for a small input")

    monkeypatch.setattr(freetext.multiprocessing, "get_context", no_pool)
    texts = remarks(20, seed=4)
    assert find_entities_parallel(texts, workers=2) == find_entities(texts)


# -- anonymisation ----------------------------------------------------------------------------------------


def test_anonymize_masks_spans_with_an_operator_only() -> None:
    text = f"客户张伟来电，手机{PHONE}，身份证号{ID}"
    spans = find_entities([text])[0]
    out = anonymize_text(text, spans, {"CN_PHONE": lambda s: "*" * len(s), "CN_ID_CARD": lambda s: "<ID>"})
    assert out == f"客户张伟来电，手机{'*' * 11}，身份证号<ID>"
    assert PHONE not in out and ID not in out
    assert anonymize_text(text, spans, {}) == text


def test_anonymize_synthetic_remarks_leaves_no_raw_identifier() -> None:
    texts = remarks(60, seed=5)
    mask = {e: (lambda s: s[:1] + "*" * (len(s) - 1)) for e in ("CN_PHONE", "CN_ID_CARD", "EMAIL_ADDRESS")}
    for text, spans in zip(texts, find_entities(texts), strict=True):
        out = anonymize_text(text, spans, mask)
        assert len(out) == len(text)
        assert not [s for s in find_entities([out])[0] if s.entity in mask], out


@pytest.mark.parametrize(
    "text",
    ["客户端版本2.1.0.45存在闪退问题", "升级到 version 10.0.0.168 后正常", "固件v3.10.2.200已推送", "版本号：4.2.1.99"],
)
def test_a_dotted_quad_after_a_version_word_is_not_an_address(text: str) -> None:
    assert "IP_ADDRESS" not in {entity for entity, _ in found(text)}


def test_an_address_after_other_words_is_still_found() -> None:
    assert ("IP_ADDRESS", "203.0.113.45") in found("登录IP：203.0.113.45，已核实")


def test_scan_counts_no_ip_after_a_version_word(tmp_path: Path) -> None:
    from screening.pipeline import Options, scan_file

    rows = [
        text
        for i in range(50)
        for text in (
            f"客户端版本2.1.0.{40 + i}存在闪退问题，已反馈技术部门跟进处理",
            f"客户于第{i + 1}次登录时使用的IP：203.0.113.{i + 1}，已核实本人操作",
            f"已将应用升级到版本 3.10.2.{200 + i}，用户反映问题已经解决",
            f"第{i + 1}位客户对服务表示满意，没有其他意见",
        )
    ]
    path = tmp_path / "notes.csv"
    path.write_text("备注\n" + "\n".join(rows) + "\n", encoding="utf-8")
    column = scan_file(path, Options(ner_sample=0))["columns"][0]
    assert column["kind"] == "free_text"
    assert column["entities"].get("IP_ADDRESS") == 50  # only the cells with a login address


def test_the_numpy_model_gives_presidio_the_spans_of_spacys_pipeline() -> None:
    # the run path: spaCy only tokenises and the numpy model's entities are set on the document (FreeText.find)
    rng = random.Random(7)
    texts = remarks(300, seed=9) + [synthetic.remark(rng) for _ in range(900)]
    texts += ["", "  张伟  在 北京 ", "ＡＢＣ张伟１３９", "没有任何实体的句子。", "李娜\t\n王芳"]
    with_numpy, with_spacy = FreeText(cache_size=0), FreeText(cache_size=0)
    with_spacy.numpy_model = False
    assert with_numpy.find(texts) == with_spacy.find(texts)


def test_the_name_sample_needs_no_spacy() -> None:
    # screening.ner_model's find_entities (the scan's name sample) runs the numpy model: spaCy is not imported
    code = (
        "import sys\n"
        "from screening.ner_model import find_entities\n"
        "spans = find_entities(['客户张伟来电，地址是北京市海淀区中关村大街1号'])[0]\n"
        "assert {s.entity for s in spans} == {'PERSON', 'CN_ADDRESS'}, spans\n"
        "assert 'spacy' not in sys.modules and 'thinc' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
