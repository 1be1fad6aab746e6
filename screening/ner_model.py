"""The trained free-text NER model (PERSON, CN_ADDRESS, ORGANIZATION) and the rules around it.

The model (``screening/models/zh_pii_ner``, trained by ``training/train_ner.py`` on public Chinese NER corpora)
is a blank ``zh`` spaCy pipeline with the per-character segmenter, a hash-embedding CNN and a transition-based
NER: no jieba, no download, CPU only. :func:`load` reads it from package data once per process.

CN_ADDRESS covers place names as well as postal addresses: the corpora label 北京 and 浙江省杭州市西湖区文三路90号
alike. A span with address detail (road, house number, room, village group) scores higher than a bare place
name (:data:`SCORES`), which is how callers tell them apart.

Rules where the model is weak (:class:`ModelNer`, each can be switched off for the evaluation):

* ``person``: a span the model calls a name is kept only if it looks like one: a single character only if it is
  a surname (老张, 马列), no particle, punctuation, symbol (emoji) or place word, a trailing particle (张伟说,
  张伟及) and a leading kinship word (哥哥 + name) cut off; a "name" that is a province (宁夏), ends in 湖/港/岛/湾 or
  in an organisation word is that place or organisation, and a name before a sex note (张伟，男，) is taken where the
  model missed it;
* ``address``: an "organisation" with a division inside that holds a numbered part or runs on into a division
  or a numbered road (南昌市东湖区学院 + 路315号) is a place; a place name followed by road or house-number detail
  is extended over it, adjacent place spans merge when detail follows (北京市 + 朝阳区 + 建国路88号), and an
  address the model missed is taken from the CN_ADDRESS recognizer's gazetteer pattern (provinces, division
  suffixes, detail words);
* ``organization``: a span followed by an organisation word (有限公司, 集团, 银行, 医院, 大学, 局, 委员会 …) is
  extended to it and becomes an organisation, and a name ending in such a word that the model missed is taken
  from the left of the word up to the nearest particle or punctuation; a place or organisation span holding an
  e-mail's @ or cutting a run of ASCII letters and digits (TK in 工单TK1235) is dropped;
* ``org-lexicon``: names that the training corpora annotate as organisations again and again (新华社, 国务院,
  外交部; ``models/org_lexicon.txt``, built from the training split by ``training/build_org_lexicon.py``) are
  organisations wherever they occur outside a person's name or a longer organisation.

Identifiers (phone, ID and card numbers, e-mail) are found by the pattern recognizers in ``screening.freetext``,
which take precedence over these spans there.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from screening.model import Span
from screening.once import once

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_PACKAGE = "screening.models"
MODEL_NAME = "zh_pii_ner"
MODEL_DIR = Path(__file__).resolve().parent / "models" / MODEL_NAME
"""Where training installs the model in the source tree; :func:`model_path` is what loading uses."""
LABELS = ("PERSON", "CN_ADDRESS", "ORGANIZATION")
RULES = ("person", "address", "organization", "org-lexicon")
ORG_LEXICON = Path(__file__).resolve().parent / "models" / "org_lexicon.txt"
"""Organisation names frequent in the training corpora (``training/build_org_lexicon.py``), one a line."""
BATCH_SIZE = 256
"""Texts per ``nlp.pipe`` batch."""

# Full-width ASCII (１３８, ＡＢＣ) to ASCII: the same length, so offsets found on the folded text are offsets
# on the original. Training folds its corpora the same way.
FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

SCORES = {
    "PERSON": 0.85,
    "ORGANIZATION": 0.85,
    "CN_ADDRESS": 0.85,  # with address detail (路, 号, 室, 村, 组 ...)
    "PLACE": 0.5,  # a bare place name (北京, 浙江省杭州市)
    "RULE": 0.6,  # found by a rule where the model found nothing
}
ADDRESS_MIN_SCORE = 0.6
"""Scores from this one up are addresses proper; below are bare place names."""


def is_personal(span: Span) -> bool:
    """Whether a span is personal information: every name and organisation, and an address only with detail
    (score at least :data:`ADDRESS_MIN_SCORE`); a bare place name (北京) is not."""
    return span.entity != "CN_ADDRESS" or span.score >= ADDRESS_MIN_SCORE


_lock = threading.RLock()
_nlp: Language | None = None


def model_path() -> Path:
    """The model folder inside the installed package."""
    return Path(str(resources.files(MODEL_PACKAGE).joinpath(MODEL_NAME)))


def load() -> Language:
    """The NER pipeline, loaded once per process (thread-safe), on the CPU."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy

                spacy.require_cpu()
                with _builtin_factories_only():
                    nlp = spacy.load(model_path())
                _numpy_matmul(nlp)
                _nlp = nlp
    return _nlp


def _numpy_matmul(nlp: Language) -> None:
    """Run the model's matrix products on numpy's BLAS instead of thinc's default, BLIS.

    The products (the CNN's maxout layers and the NER's precomputed hidden layer) are most of the model's time.
    On the machine the benchmarks run on, numpy's OpenBLAS does them 2.3 times as fast as the BLIS that thinc
    ships (62 against 27 GFLOPS on one thread, a batch's 6400 × 192 by 192 × 192 product) and gives the same
    entities (``tests/test_ner_model.py``). The NER's per-step products inside its Cython parser keep BLIS."""
    from thinc.api import NumpyOps

    try:
        ops = NumpyOps(use_blis=False)
    except TypeError:  # a thinc without the switch: keep its default
        return
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops


class _builtin_factories_only:  # noqa: N801 - used as a context manager
    """While the model loads, spaCy does not import the pipeline factories other packages register as entry points.

    The model uses spaCy's own ``tok2vec`` and ``ner`` only, but ``Language()`` loads every ``spacy_factories``
    entry point, and presidio-analyzer registers one: loading the model imported all of Presidio (about a second of
    CPU in the scan's name-sample process, which needs no Presidio). Where spaCy has no such registry the load is
    unchanged."""

    def __enter__(self) -> None:
        from spacy import util

        self._registry = getattr(util.registry, "_entry_point_factories", None)
        self._before = getattr(self._registry, "entry_points", None)
        if self._before is not None:
            self._registry.entry_points = False  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self._before is not None:
            self._registry.entry_points = self._before  # type: ignore[union-attr]


# -- lexicons from the recognizers -------------------------------------------------------------------------


@cache
def _lexicons() -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """(surnames, address division suffixes, organisation suffixes), from the recognizers (no jieba import)."""
    from recognizers import cn_address, organization, person

    return frozenset(person.SURNAMES), tuple(cn_address.DIVISION_SUFFIXES), tuple(organization.SUFFIXES)


@cache
def _provinces() -> frozenset[str]:
    """Provinces' short names (宁夏, 吉林): the model sometimes takes them for names in lists (李芳（女，宁夏）)."""
    from recognizers import cn_address

    return frozenset(cn_address.PROVINCES)


@cache
def _person_valid() -> Callable[[str], bool]:
    from recognizers import person

    return person.validate


@cache
def org_lexicon() -> tuple[str, ...]:
    """The organisation lexicon shipped with the package (:data:`ORG_LEXICON`), empty if it is missing."""
    path = resources.files(MODEL_PACKAGE).joinpath(ORG_LEXICON.name)
    if not path.is_file():
        return ()
    return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


class WordScanner:
    """The words of a list in a text, left to right: at each position the longest word that starts there, and the
    next search after its end (what a regular expression of the words, longest first, finds with ``finditer``).

    An index of each word's first two characters, with the word lengths that follow them, longest first: one dict
    lookup per position. For the 3,202 names of the organisation lexicon it is built in 2 ms, where the same words as
    one trie-shaped expression took 37 ms to build and compile in every process that loads the model, and it searches
    2.4 times as fast (the 776,217 characters of the NER test texts: 0.37 -> 0.15 s, the same 2,141 matches): at
    every position Python's regex engine tried the first characters of the trie's hundreds of branches."""

    def __init__(self, words: Iterable[str]) -> None:
        words = tuple(words)  # read twice below: a generator would leave the index empty
        index: dict[str, tuple[set[str], set[int]]] = {}
        self._singles: frozenset[str] = frozenset(w for w in words if len(w) == 1)
        for w in words:
            if len(w) >= 2:
                names, lengths = index.setdefault(w[:2], (set(), set()))
                names.add(w)
                lengths.add(len(w))
        self._index = {k: (frozenset(n), tuple(sorted(ls, reverse=True))) for k, (n, ls) in index.items()}

    def __bool__(self) -> bool:
        return bool(self._index or self._singles)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each word found, in order."""
        index, singles = self._index, self._singles
        i, n = 0, len(text)
        while i < n:
            entry = index.get(text[i : i + 2])
            if entry is not None:
                names, lengths = entry
                size = next((k for k in lengths if i + k <= n and text[i : i + k] in names), 0)
                if size:
                    yield i, i + size
                    i += size
                    continue
            if text[i] in singles:
                yield i, i + 1
            i += 1


@cache
def _org_lexicon_scanner() -> WordScanner:
    return WordScanner(org_lexicon())


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


# -- rule patterns ---------------------------------------------------------------------------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HAS_HAN = re.compile(f"[{_HAN}]")


def _cuts_ascii_run(text: str, at: int) -> bool:
    """Is ``at`` inside a run of ASCII letters and digits (between two of them)?"""
    return 0 < at < len(text) and _is_ascii_alnum(text[at - 1]) and _is_ascii_alnum(text[at])


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def has_han(text: str) -> bool:
    """Whether ``text`` has a Han character: without one there is no Chinese name, place or organisation, and the
    model is not run (the cheap prefilter for large columns)."""
    return _HAS_HAN.search(text) is not None


# Address detail after a place: road, number, building, room, village group. Each piece ends in a detail word.
_STRONG_DETAIL = (
    "大道", "大街", "胡同", "小区", "单元", "公寓", "大厦", "花园", "新村", "社区", "号院", "号楼",
    "路", "街", "巷", "弄", "号", "室", "村", "组", "栋", "幢", "楼", "层", "座", "苑", "屯",
)  # fmt: skip
_NOT_IN_ADDRESS = "的了是在和与及或等我你他她它们这那个吗呢吧啊也就都说要会对从把被让给向到为以于之其而但并还又很不没"
_ADDRESS_CHAR = f"[{_HAN}0-9A-Za-z#\\-]"
_DETAIL = re.compile(f"(?:(?:(?![{_NOT_IN_ADDRESS}]){_ADDRESS_CHAR}){{0,8}}?{_alt(_STRONG_DETAIL)}[0-9A-Za-z#\\-]*)+")
_NUMBERS = re.compile(r"[0-9]+(?:[-#][0-9A-Za-z]+)+")  # 47-6-746: building, unit, room
_DETAIL_WORD = re.compile(_alt(_STRONG_DETAIL))
_NOT_DETAIL = ("农村", "乡村")
_NUMBERED = ("号", "室", "栋", "幢", "楼", "层", "单元", "组", "弄", "座")
_NUMBERED_PART = re.compile(f"[0-9一二两三四五六七八九十百零〇]+{_alt(_NUMBERED)}")
_ADDRESS_DETAIL = re.compile(
    f"[0-9一二两三四五六七八九十百零〇]+{_alt(_NUMBERED)}|{_alt(w for w in _STRONG_DETAIL if w not in _NUMBERED)}"
)
"""What makes a span an address and not a bare place: a numbered part (90号, 3单元, 三组) or a road, street, village
or estate word; a 号 without a number before it (工单号TK1234) is not one."""
# Left edge of an organisation name found from its suffix: punctuation, spaces, characters that never occur in
# one and two-character words that end the text before one (转交 招商银行). Characters common inside names
# (为 in 华为, 和 in 和平, 同 in 同仁, 本, 交 in 交通银行) are not stops.
_ORG_STOP = set("的了是在与及或等我你他她它们这那该此每各其些于到向从对把被让给由经据将跟替请叫找已")
_ORG_STOP_WORDS = frozenset(
    (
        "转交", "交给", "送到", "寄到", "前往", "来自", "任职", "就职", "供职", "入职",
        "就读", "毕业", "位于", "联系", "咨询", "投诉", "反映", "办理", "客户", "致电",
        "来电", "来访", "通知", "委托", "授权", "隶属", "属于", "加入", "离开", "调往",
        "转到", "转往", "提交", "递交", "发给", "告知", "支持", "带领", "配合", "取得", "表示", "成立", "组建",
        "创办", "参观", "访问", "合并", "领导", "帮助",
    )
)  # fmt: skip
_ORG_NAME_CHAR = re.compile(f"[{_HAN}A-Za-z0-9()（）]")
_NAME_END_PARTICLES = set("的了说们是在等及与或")
"""Characters that end no Chinese name in running text but follow one (张伟说, 王芳的)."""
_TITLES = (
    "先生", "女士", "小姐", "老师", "主席", "总理", "书记", "局长", "部长", "经理", "总", "董", "教授", "医生", "大夫",
    "同志", "师傅", "阿姨", "某", "副", "厂长", "处长", "科长", "院长", "校长", "所长", "县长", "市长", "省长", "镇长",
    "村长", "队长", "主任", "秘书", "院士", "指导", "律师", "大爷", "大妈", "大娘", "大姐", "大哥", "老",
)  # fmt: skip
_PLACE_END = set("省市区县镇乡村路街巷号楼室")
_WATER_END = set("湖港岛湾")
"""Last characters of places that end almost no name (明月湖, 明月港): such a "name" is a place. In the training
corpora 0 to 2 names end in each, against 140 to 980 places."""
# not 我 and 那: given names (李我行) and transliterations (那拉, 那拉提) hold them
_NOT_IN_NAME = set("的了是在们说与及或等这你他她它吗呢吧啊")
_NAME_MARKS = set("·•・〇×")
"""What a name may hold besides letters: the middle dots of transliterated names, the marks of a masked one (林××)."""


def _in_name(ch: str) -> bool:
    """A letter (Han, of any plane) or one of :data:`_NAME_MARKS`: the model's span over a quote or bracket (孙丽』)
    or an emoji is no name."""
    return ch in _NAME_MARKS or unicodedata.category(ch).startswith("L")


_KIN = ("哥哥", "姐姐", "弟弟", "妹妹", "爸爸", "妈妈", "爷爷", "奶奶", "儿子", "女儿", "妻子", "丈夫")
"""Kinship words that precede a name (他的哥哥 + name) and are no part of it."""
_SEX_NOTE = re.compile(f"(?<![{_HAN}])([{_HAN}]{{2,4}})[,，(（]\\s*[男女][,，)）]")
"""A name before a sex note, as in résumés and lists (张伟，男，汉族 / 李芳（女，广西）): the Han characters from a
non-Han character or the start of the text up to the note."""
_PERSON_TRAIL = set("的了说是在和与及等家们也都已来去要有让请叫找到给把被将对向于从为又还就才再先曾")


# Organisation words that make a name on their own where the model found none (星河科技有限公司, 招商银行): companies,
# banks, hospitals, courts, institutes. Words that also end common nouns and phrases (局 in 大局, 中心, 厂, 店, 大学,
# 办公室) only extend a span of the model's (北京 + 大学), never start one: on the dev data they were mostly wrong.
_NAMING_SUFFIXES = (
    "公司", "集团", "银行", "支行", "分行", "信用社", "事务所", "合作社", "基金会", "协会", "商会", "研究所",
    "研究院", "设计院", "检察院", "法院", "医院", "卫生院", "诊所",
)  # fmt: skip
_COMPANY_WORD = re.compile("公司|集团")
_ORG_TAIL_GAP = 4
"""Characters at most between a span and a following organisation word (北京 + 大学, 深圳 + 高级中学, 中国工商银行 +
北京 + 分行); a company name may have 8 (西安 + 辰新生物科技 + 有限公司), unless the span is already a whole
organisation name (韩国大检察厅 + 今天决定逮捕 + 起亚集团)."""
_LEXICON_NOT_BEFORE = frozenset("省市区县旗盟镇乡街路道巷弄号村")
"""A lexicon name followed by one of these is part of a place or address (越秀区, 北大街), not the organisation."""
_LEAGUES = re.compile("兴安盟|锡林郭勒盟|阿拉善盟")
"""The leagues (盟) of Inner Mongolia, prefecture-level places: 安盟 of the lexicon inside 兴安盟 is not the party."""
_COUNTED = re.compile(r"(?:[0-9一二两三四五六七八九十百千万几数多余]+|[这那每各该本])[家个所座]")
"""A counted noun before an organisation word (几家金融公司, 20多个动物医院) is no name."""
_DIVISION_INSIDE = re.compile("[省市区县镇乡村]|街道")
_DIVISION_NEXT = tuple("省市区县镇乡")
_ROAD_NEXT = re.compile("(?:路|街|大道|大街|巷|胡同)[0-9一二三四五六七八九十]")


class ModelNer:
    """The model plus rules; ``rules`` picks which rule groups of :data:`RULES` run (all by default)."""

    def __init__(self, nlp: Language | None = None, rules: Iterable[str] = RULES) -> None:
        self.nlp = nlp
        """The spaCy pipeline to run, or None: the same model in numpy (``screening.ner_numpy``: the same
        spans, about 2.8 times as fast, and no spaCy to import)."""
        self.rules = frozenset(rules)
        unknown = self.rules - set(RULES)
        if unknown:
            raise ValueError(f"unknown NER rule group(s): {sorted(unknown)}")
        self.surnames, divisions, org_suffixes = _lexicons()
        self.provinces = _provinces()
        self._org_suffix = re.compile(_alt(org_suffixes))
        self._org_suffixes = tuple(org_suffixes)
        self._org_tail = re.compile(
            f"(?:(?![{''.join(sorted(_ORG_STOP))}])[{_HAN}A-Za-z0-9()（）]){{0,8}}?({_alt(org_suffixes)})"
        )
        self._division_end = tuple(divisions)
        self._org_end = re.compile(f"(?:{_alt(s for s in org_suffixes if len(s) >= 2)})$")

    # -- public ---------------------------------------------------------------------------------------

    def find(self, texts: Sequence[str | None], batch_size: int = BATCH_SIZE) -> list[list[Span]]:
        """Spans per text (None, empty and texts without a Han character give none), sorted, never overlapping."""
        out: list[list[Span]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if t and has_han(t)]
        folded = [str(texts[i]).translate(FULLWIDTH) for i in todo]
        for i, text, spans in zip(todo, folded, self.model_spans(folded, batch_size), strict=True):
            out[i] = self.apply_rules(text, spans)
        return out

    def model_spans(self, texts: list[str], batch_size: int = BATCH_SIZE) -> list[list[tuple[int, int, str]]]:
        """The model's ``(start, end, label)`` spans per text, before the rules."""
        if self.nlp is None:
            from screening import ner_numpy

            return ner_numpy.load().spans(texts, batch_size=batch_size)
        return [
            [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for doc in self.nlp.pipe(texts, batch_size=batch_size)
        ]

    def apply_rules(self, text: str, model_spans: Sequence[tuple[int, int, str]]) -> list[Span]:
        """The rules of :attr:`rules` over the model's ``(start, end, label)`` spans of ``text``."""
        spans = [Span(s, e, label, SCORES.get(label, 0.85)) for s, e, label in model_spans]
        if "person" in self.rules:
            spans = [self._surname_place(text, s) if s.entity == "CN_ADDRESS" else s for s in spans]
            singles = {s.start for s in spans if s.entity == "PERSON" and s.end - s.start == 1}
            spans = [p for p in (self._person(text, s, singles) if s.entity == "PERSON" else s for s in spans) if p]
            if "男" in text or "女" in text:
                spans = self._sex_noted(text, spans)
        if "organization" in self.rules:
            spans = self._organisations(text, spans)
        if "org-lexicon" in self.rules:
            spans = self._organisations_from_lexicon(text, spans)
        if "address" in self.rules:
            spans = self._addresses(text, spans)
        # a bare place name is a weaker signal than an address with detail
        return [
            Span(s.start, s.end, s.entity, SCORES["PLACE"])
            if s.entity == "CN_ADDRESS"
            and s.score > SCORES["PLACE"]
            and not _ADDRESS_DETAIL.search(text[s.start : s.end])
            else s
            for s in sorted(spans, key=lambda s: s.start)
        ]

    # -- persons --------------------------------------------------------------------------------------

    def _person(self, text: str, span: Span, singles: set[int]) -> Span | None:
        """A model name span, kept unless it cannot be a name: a particle glued to its end (张伟说, 张伟及) and a
        kinship word before it (哥哥) are cut off; a single character that is no surname, a span ending in a place
        word, or one holding a function word, punctuation, a symbol (an emoji), a digit or a Latin letter is
        dropped; a province, a place ending in 湖/港/岛/湾 or an organisation the model took for a name gets that
        label. ``singles`` are the starts of the text's one-character name spans. Given names are not checked
        against the PERSON column validator: names such as 钱其琛 and 王忍之 hold characters it rejects in columns."""
        start, end = span.start, span.end
        if end - start >= 4 and text.startswith(_KIN, start):
            start += 2
        while end - start > 2 and text[end - 1] in _NAME_END_PARTICLES:
            end -= 1
        name = text[start:end]
        # a lone surname is a name (老张, 给王送信: the corpora tag it), unless it is also a function word (于) or
        # names a family (张家); another single character only before a title (马先生) or beside another
        # one-character name (马 + 列 in 马列主义)
        if (
            len(name) < 2
            and (name not in self.surnames or name in _PERSON_TRAIL or text.startswith("家", end))
            and not text.startswith(_TITLES, end)
            and start - 1 not in singles
            and end not in singles
        ):
            return None
        if self._org_end.search(name):  # 约翰·史密斯公司
            return Span(start, end, "ORGANIZATION", SCORES["ORGANIZATION"])
        if name in self.provinces or name[-1] in _WATER_END:
            return Span(start, end, "CN_ADDRESS", SCORES["CN_ADDRESS"])
        # a name does not end in a place word (王市区)
        if name[-1] in _PLACE_END or any(ch in _NOT_IN_NAME or ch.isascii() or not _in_name(ch) for ch in name):
            return None
        return Span(start, end, "PERSON", span.score)

    def _sex_noted(self, text: str, spans: list[Span]) -> list[Span]:
        """A name before a sex note (:data:`_SEX_NOTE`) that passes the PERSON check (a surname and one or two
        characters, or a two-character surname and two) is a name, whatever the model made of it (张某某，男，)."""
        person_ok = _person_valid()
        for m in _SEX_NOTE.finditer(text):
            start, end = m.span(1)
            if not person_ok(text[start:end]) or any(
                s.start == start and s.end == end and s.entity == "PERSON" for s in spans
            ):
                continue
            kept = [s for s in spans if not (s.start < end and start < s.end)]
            spans = sorted([*kept, Span(start, end, "PERSON", SCORES["RULE"])], key=lambda s: s.start)
        return spans

    def _surname_place(self, text: str, span: Span) -> Span:
        """A "place" that is exactly a surname followed by a given name (欧阳 + 娜娜, a county 欧阳 exists) is a
        person: the longest name of the surname and one or two more characters that the PERSON check accepts."""
        surname = text[span.start : span.end]
        if len(surname) != 2 or surname not in self.surnames:  # single characters are too often places (吴, 黄)
            return span
        person_ok = _person_valid()
        for given in (2, 1):
            end = span.end + given
            tail = text[span.end : end]
            if (
                end <= len(text)
                and has_han(tail)
                and not set(tail) & _PERSON_TRAIL
                and person_ok(text[span.start : end])
            ):
                return Span(span.start, end, "PERSON", SCORES["RULE"])
        return span

    # -- organisations --------------------------------------------------------------------------------

    def _is_address(self, text: str, span: Span) -> bool:
        """A place span with address detail or an inner division (浙江省宁波市象山县大徐镇殷夫中学,
        桐乡市振兴东路844号交通银行): the address corpora call such a span an address, organisation word or not."""
        return span.entity == "CN_ADDRESS" and (
            _ADDRESS_DETAIL.search(text, span.start, span.end) is not None
            or _DIVISION_INSIDE.search(text, span.start, span.end - 2) is not None
        )

    def _organisations(self, text: str, spans: list[Span]) -> list[Span]:
        # a "place" ending in an organisation word is the organisation (北京星河科技有限公司), unless it is an address
        # (above); a span holding an e-mail's @, or cutting a run of ASCII letters and digits (TK in 工单TK1235), is
        # neither (the model's guess around an identifier)
        spans = [
            Span(s.start, s.end, "ORGANIZATION", SCORES["ORGANIZATION"])
            if s.entity == "CN_ADDRESS" and self._org_end.search(text, s.start, s.end) and not self._is_address(text, s)
            else s
            for s in spans
            if not (
                s.entity in ("ORGANIZATION", "CN_ADDRESS")
                and ("@" in text[s.start : s.end] or _cuts_ascii_run(text, s.start) or _cuts_ascii_run(text, s.end))
            )
        ]
        out: list[Span] = []
        k = 0
        while k < len(spans):
            s = spans[k]
            m = (
                self._org_tail.match(text, s.end)
                if s.entity == "ORGANIZATION" or (s.entity == "CN_ADDRESS" and not self._is_address(text, s))
                else None
            )
            if m is not None and m.end() > s.end:
                # 北京 + 大学, 中国工商银行 + 北京分行: the span and the organisation word after it are one name; not
                # a word right after an organisation (禁毒署 + 署长), nor one far off unless it names a company
                gap = m.start(1) - s.end
                far = gap > _ORG_TAIL_GAP and (
                    not _COMPANY_WORD.search(m.group(1)) or text.endswith(self._org_suffixes, s.start, s.end)
                )
                # spans inside the tail go with it, unless one is a person (张伟 + 律师事务所 stays apart) or the
                # span is an organisation and so is one inside (出版社 + 和 + 北京市广电局)
                j = k + 1
                while j < len(spans) and spans[j].start < m.end():
                    j += 1
                inner = spans[k + 1 : j]
                if (
                    not far
                    and not (gap == 0 and s.entity == "ORGANIZATION")
                    and not any(
                        t.entity == "PERSON" or (t.entity == "ORGANIZATION" and s.entity == "ORGANIZATION")
                        for t in inner
                    )
                ):
                    end = max([m.end(), *(t.end for t in inner)])
                    out.append(Span(s.start, end, "ORGANIZATION", SCORES["ORGANIZATION"]))
                    k = j
                    continue
            out.append(s)
            k += 1
        return self._orgs_from_suffix(text, out)

    def _orgs_from_suffix(self, text: str, spans: list[Span]) -> list[Span]:
        """An organisation the model missed: a naming suffix (:data:`_NAMING_SUFFIXES`), and name characters to the
        left up to a stop; not a counted noun (几家金融公司)."""
        added: list[Span] = []
        for m in self._org_suffix.finditer(text):
            if not m.group().endswith(_NAMING_SUFFIXES):
                continue
            end = m.end()
            start = m.start()
            while start > 0 and end - start < 24:
                ch = text[start - 1]
                if (
                    ch in _ORG_STOP
                    or not _ORG_NAME_CHAR.match(ch)
                    or text[max(0, start - 2) : start] in _ORG_STOP_WORDS
                ):
                    break
                start -= 1
            if (
                m.start() - start < 2
                or _COUNTED.search(text, max(0, start - 6), m.start())
                or any(s.start < end and start < s.end for s in spans + added)
            ):
                continue
            added.append(Span(start, end, "ORGANIZATION", SCORES["RULE"]))
        return sorted(spans + added, key=lambda s: s.start) if added else spans

    def _organisations_from_lexicon(self, text: str, spans: list[Span]) -> list[Span]:
        """Names of the organisation lexicon (:func:`org_lexicon`: 新华社, 国务院, 外交部 …) as organisations, the
        longest name first. Not over a person, nor inside an organisation span as long or longer, nor before a
        division or road word (:data:`_LEXICON_NOT_BEFORE`), nor after a count (几家); a shorter organisation or a
        place inside the name gives way to it (北京 in 北京大学). A name that crosses a span's edge, or lies inside
        a longer place or address, is left alone (chosen on the dev data)."""
        scanner = _org_lexicon_scanner()
        if not scanner:
            return spans
        out = spans
        leagues = [m.span() for m in _LEAGUES.finditer(text)] if "盟" in text else []
        for a, b in scanner.spans(text):
            if text[b : b + 1] in _LEXICON_NOT_BEFORE:  # 越秀 + 区, 北大 + 街: a place, not the organisation
                continue
            if any(x <= a and b <= y for x, y in leagues):  # 兴安盟: the place
                continue
            if a >= 2 and any(_COUNTED.fullmatch(text, max(0, a - k), a) for k in (2, 3)):
                continue  # 几家 + 金融公司: a counted noun, no name
            over = [s for s in out if s.start < b and a < s.end]
            if any(s.entity == "PERSON" or s.start < a or s.end > b for s in over):
                continue
            out = [*(s for s in out if s not in over), Span(a, b, "ORGANIZATION", SCORES["ORGANIZATION"])]
        return sorted(out, key=lambda s: s.start) if out is not spans else spans

    # -- addresses ------------------------------------------------------------------------------------

    def _addresses(self, text: str, spans: list[Span]) -> list[Span]:
        spans = [self._address_not_organisation(text, s) if s.entity == "ORGANIZATION" else s for s in spans]
        out: list[Span] = []
        k = 0
        while k < len(spans):
            s = spans[k]
            if s.entity != "CN_ADDRESS":
                out.append(s)
                k += 1
                continue
            # adjacent place spans (北京市|朝阳区) are one candidate
            j, end = k + 1, s.end
            while j < len(spans) and spans[j].entity == "CN_ADDRESS" and spans[j].start == end:
                end = spans[j].end
                j += 1
            limit = spans[j].start if j < len(spans) else len(text)
            m = _DETAIL.match(text, end) or _NUMBERS.match(text, end)
            if m is not None and text.endswith(_NOT_DETAIL, 0, m.end()):
                m = None  # 安徽省 + 农村: the countryside, not a village
            if m is not None and end < m.end() <= limit:
                # 北京市朝阳区 + 建国路88号3单元502室: the place and its detail are one address
                out.append(Span(s.start, m.end(), "CN_ADDRESS", SCORES["CN_ADDRESS"]))
            elif j - k > 1 and _DETAIL_WORD.search(text[s.start : end]):
                out.append(Span(s.start, end, "CN_ADDRESS", SCORES["CN_ADDRESS"]))
            else:
                out.extend(spans[k:j])
            k = j
        return self._addresses_from_gazetteer(text, out)

    @staticmethod
    def _address_not_organisation(text: str, span: Span) -> Span:
        """An "organisation" with a division inside that holds a numbered part (重庆市渝中区胜利路858号1106室) or is
        followed by a division or a road (太原市小店 + 区, 南昌市东湖区学院 + 路315号) is the start of an address."""
        inside, end = text[span.start : span.end], span.end
        if _DIVISION_INSIDE.search(inside) and (
            _NUMBERED_PART.search(inside) or text.startswith(_DIVISION_NEXT, end) or _ROAD_NEXT.match(text, end)
        ):
            return Span(span.start, span.end, "CN_ADDRESS", SCORES["CN_ADDRESS"])
        return span

    def _addresses_from_gazetteer(self, text: str, spans: list[Span]) -> list[Span]:
        """Addresses the model missed: the CN_ADDRESS recognizer's pattern (division + detail words) with a numbered
        part (88号, 3单元, 三组); without one the pattern mostly matches prose (乡镇企业已经成为…, 山区农村)."""
        if len(text) > 500 or not _DETAIL_WORD.search(text):
            return spans
        added = [
            Span(m.start(), m.end(), "CN_ADDRESS", SCORES["RULE"])
            for m in _address_pattern().finditer(text)
            if not any(s.start < m.end() and m.start() < s.end for s in spans)
            and _NUMBERED_PART.search(text, m.start(), m.end())
        ]
        return sorted(spans + added, key=lambda s: s.start) if added else spans


@cache
def _address_pattern() -> re.Pattern[str]:
    from recognizers import cn_address

    return re.compile(cn_address.RECOGNIZER.python_pattern)


@once
def default_model_ner() -> ModelNer:
    """The model with every rule (built once per process)."""
    return ModelNer()


def find_entities(texts: Sequence[str | None]) -> list[list[Span]]:
    """PERSON / CN_ADDRESS / ORGANIZATION spans per text, model and rules (no identifiers: ``screening.freetext``)."""
    return default_model_ner().find(texts)
