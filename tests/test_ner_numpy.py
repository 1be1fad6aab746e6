"""screening.ner_numpy: the NER model in numpy finds exactly what the spaCy pipeline finds, without importing spaCy.

Texts are the project's synthetic remarks (made-up names, addresses, companies, synthetic identifiers) and
hand-made edge cases; no corpus is read.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from screening import ner_model, ner_numpy, synthetic
from screening.ner_model import FULLWIDTH

ROOT = Path(__file__).resolve().parent.parent
N_REMARKS = 3_200

EDGE_CASES = [
    "",
    " ",
    "  ",
    "     ",
    "\n",
    "\t",
    "\r\n",
    " \t\n ",
    "张",
    "x",
    "X",
    "7",
    "张伟",
    "张 伟",
    "张  伟",
    "张   伟住在北京",
    "张\t伟",
    "张\n伟",
    "张伟\n\n王芳",
    " 张伟",
    "  张伟",
    "张伟 ",
    "张伟  ",
    "张伟\n",
    "客户 王秀英 来电，地址 浙江省杭州市西湖区文三路90号 ",
    "联系人：李娜\n地址：浙江省杭州市西湖区文三路90号\t电话13812345678",
    "ABC abc 123 iPhone13 Pro Max, e-mail: zhang.wei@example.com",
    "Zhang Wei lives at 88 Jianguo Road, Beijing",
    "😀",
    "😀客户张伟来电😀",
    "👨‍👩‍👧张伟",
    "Ｅｍａｉｌ：无，客户赵磊，电话１３８１２３４５６７８",  # full-width as is
    "Ｅｍａｉｌ：无，客户赵磊，电话１３８１２３４５６７８".translate(FULLWIDTH),
    "北京\u3000朝阳区",  # ideographic space
    "北京\xa0朝阳区",  # no-break space
    "北京\u200b朝阳区",  # zero-width space: not whitespace
    "北京" + " " * 150 + "朝阳区",  # a whitespace token of 149 characters: shape LONG
    "“张伟”说：‘你好’……——《人民日报》",
    "e\u0301张伟",  # a combining accent
    "ǅ张伟ǈ",  # title-case letters
    "İstanbul 张伟",  # lower() makes this longer
    "١٢٣ 张伟 ①②③ Ⅻ",  # other digits and numerals
]


def _long_text() -> str:
    rng = random.Random(2)
    parts: list[str] = []
    while sum(map(len, parts)) < 2_000:
        parts.append(synthetic.remark(rng))
    return "".join(parts)[:2_000]


def _texts() -> list[str]:
    rng = random.Random(20260)
    remarks = [synthetic.remark(rng).translate(FULLWIDTH) for _ in range(N_REMARKS)]
    return remarks + EDGE_CASES + [_long_text(), _long_text().replace("，", " ")]


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return ner_model.load()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def _spacy_spans(nlp, texts: list[str]) -> list[list[tuple[int, int, str]]]:  # type: ignore[no-untyped-def]
    docs = nlp.pipe(texts, batch_size=ner_model.BATCH_SIZE)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


def test_spans_equal_spacys_exactly(nlp, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    expected = _spacy_spans(nlp, texts)
    got = ner_numpy.model_spans(texts)
    assert len(texts) >= 3_000 and sum(map(len, expected)) > 1_000
    mismatches = [(t, e, g) for t, e, g in zip(texts, expected, got, strict=True) if e != g]
    assert not mismatches, (len(mismatches), mismatches[:3])


def test_each_edge_case_alone(nlp) -> None:  # type: ignore[no-untyped-def]
    """One text per call (batches of one) as well as inside the large batch."""
    for text in [*EDGE_CASES, _long_text()]:
        assert ner_numpy.model_spans([text]) == _spacy_spans(nlp, [text]), text
    assert ner_numpy.model_spans([]) == []
    assert ner_numpy.model_spans(["", " "]) == [[], []]


def test_tokens_are_spacys(nlp, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    for text in texts[:300] + texts[N_REMARKS:]:
        doc = nlp.make_doc(text)
        assert ner_numpy.tokens(text) == ([t.text for t in doc], [t.idx for t in doc]), text


def test_whitespace_class_is_str_isspace() -> None:
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert all(ner_numpy._WS_RUN.fullmatch(c) for c in spaces)
    assert sum(1 for c in range(0x110000) if ner_numpy._WS_RUN.fullmatch(chr(c))) == len(spaces)


def test_feature_hashes_are_spacys_and_thincs(nlp, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    from thinc.api import NumpyOps

    model = ner_numpy.load()
    norms: list[int] = []
    for text in texts[:200] + texts[N_REMARKS:]:
        for t in nlp.make_doc(text):
            norm = model._base_norms.get(t.text, t.text.lower())
            assert model._string_id(norm) == t.norm, t.text
            assert ner_numpy.word_shape(t.text) == t.shape_
            assert model._string_id(t.shape_) == t.shape, t.text
            norms.append(t.norm)
    ids = np.array(norms, dtype=np.uint64)
    for seed in model._seeds:
        mine = np.array([ner_numpy._hash_embed_keys(int(i), seed) for i in ids], dtype=np.uint32)
        assert np.array_equal(NumpyOps().hash(ids, seed), mine)


def test_encoder_output_is_spacys_bit_for_bit(nlp, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    model = ner_numpy.load()
    batch = texts[: ner_model.BATCH_SIZE - 3] + ["", "  ", "张 伟\n"]
    docs = list(nlp.pipe(batch, batch_size=ner_model.BATCH_SIZE))
    words = [w for text in batch for w in ner_numpy.tokens(text)[0]]
    ours = model._tok2vec(model._token_ids(words), [len(d) for d in docs])
    assert np.array_equal(ours, np.concatenate([d.tensor for d in docs if len(d)]))


def test_export_matches_the_model(tmp_path: Path) -> None:
    """The shipped .npz holds the shipped model's weights (re-export after retraining)."""
    sys.path.insert(0, str(ROOT / "training"))
    try:
        import export_ner_numpy
    finally:
        sys.path.remove(str(ROOT / "training"))
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(ner_model.MODEL_DIR, copy)
    fresh = np.load(export_ner_numpy.export(copy))
    shipped = np.load(ner_model.MODEL_DIR / ner_numpy.NPZ_NAME)
    assert sorted(fresh.files) == sorted(shipped.files)
    for key in fresh.files:
        assert np.array_equal(fresh[key], shipped[key]), key


def test_import_and_run_without_spacy() -> None:
    code = (
        "import json, sys; from screening.ner_numpy import model_spans; "
        "spans = model_spans(['张伟住在北京市海淀区中关村大街1号']); "
        "print(json.dumps([sorted(m for m in ('spacy', 'thinc', 'torch') if m in sys.modules), spans]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    loaded, spans = json.loads(out)
    assert loaded == []
    assert {label for _, _, label in spans[0]} == {"PERSON", "CN_ADDRESS"}
