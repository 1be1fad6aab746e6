"""The training corpora (``../shared/corpora``, JSONL) read into the project's three entity labels.

Label mapping (documented in training/README.md):

* ``PERSON`` (every corpus) -> PERSON. Weibo's nominal mentions (``PER.NOM`` 老师, 粉丝们) are not names: dropped.
* ``LOCATION`` (MSRA, People's Daily, Weibo, Resume, Boson) -> CN_ADDRESS: a place name is the short form of an
  address, and a free-text column that names places is treated like one that holds addresses.
* the address corpus: one CN_ADDRESS span per record, from its first to its last address element (PROV .. ROOMNO,
  POI, ...), inner REDUNDANT elements included; leading or trailing REDUNDANT (``_``, 电联), ADDR_PERSON (a
  company or desk inside the building, not a person), ASSIST (门口, 附近) and OTHERINFO are left out.
* ``ORG`` and Boson's ``COMPANY_NAME`` -> ORGANIZATION.
* everything else (TITLE, EDU, PRO, CONT, RACE, TIME, PRODUCT_NAME, ``*.NOM``) is dropped; the text stays, as
  context without entities.

Boson's passages (up to 4,623 characters) are cut into sentences after 。！？ where no span crosses the cut.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LABELS = ("PERSON", "CN_ADDRESS", "ORGANIZATION")
LABEL_MAP = {
    "PERSON": "PERSON",
    "LOCATION": "CN_ADDRESS",
    "ORG": "ORGANIZATION",
    "COMPANY_NAME": "ORGANIZATION",
}
ADDRESS_EDGE_LABELS = frozenset({"REDUNDANT", "ADDR_PERSON", "ASSIST", "OTHERINFO"})
"""Address-corpus elements that do not start or end the address span."""

DEFAULT_CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Example:
    text: str
    spans: tuple[Span, ...]
    corpus: str


def _read(path: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _mapped(record: dict) -> tuple[Span, ...]:  # type: ignore[type-arg]
    return tuple((s["start"], s["end"], LABEL_MAP[s["label"]]) for s in record["spans"] if s["label"] in LABEL_MAP)


def _address_span(record: dict) -> tuple[Span, ...]:  # type: ignore[type-arg]
    core = [s for s in record["spans"]]
    while core and core[0]["label"] in ADDRESS_EDGE_LABELS:
        core.pop(0)
    while core and core[-1]["label"] in ADDRESS_EDGE_LABELS:
        core.pop()
    if not core:
        return ()
    start, end = core[0]["start"], core[-1]["end"]
    text = record["text"]
    # the source sometimes glues a separator to the element edge
    while start < end and not text[start].strip():
        start += 1
    while end > start and not text[end - 1].strip():
        end -= 1
    return ((start, end, "CN_ADDRESS"),) if end > start else ()


_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)]*")


def split_sentences(text: str, spans: Iterable[Span], max_len: int = 300) -> Iterator[tuple[str, tuple[Span, ...]]]:
    """Cut a passage after sentence-final punctuation (never inside a span); offsets re-based per piece."""
    spans = sorted(spans)
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    inside = {i for s, e, _ in spans for i in range(s + 1, e)}
    start = 0
    pieces: list[tuple[int, int]] = []
    for cut in cuts:
        if cut in inside or cut - start < 2:
            continue
        pieces.append((start, cut))
        start = cut
    if start < len(text):
        pieces.append((start, len(text)))
    for a, b in pieces:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if not piece:
            continue
        a += lead
        mine = tuple((s - a, e - a, label) for s, e, label in spans if s >= a and e <= a + len(piece))
        if len(piece) > max_len and not mine:
            continue
        yield piece, mine


# People's Daily 1998 (PFR) puts 邓小平理论, 毛泽东思想, 马克思主义 in one bracket of another tag, so the names inside
# are no PERSON there, while MSRA tags them in every one of its ~600 occurrences: the names are added to PFR so the
# two corpora agree (MSRA's spans, relative to the compound). Nothing else in PFR names a frequent person untagged.
_PFR_DOCTRINES = {
    "马克思列宁主义": ((0, 3), (3, 5)),
    "邓小平理论": ((0, 3),),
    "毛泽东思想": ((0, 3),),
    "马克思主义": ((0, 3),),
    "列宁主义": ((0, 2),),
    "马列主义": ((0, 1), (1, 2)),
}
_PFR_DOCTRINE = re.compile("|".join(sorted(_PFR_DOCTRINES, key=len, reverse=True)))


def _pfr_doctrine_names(text: str, spans: tuple[Span, ...]) -> tuple[Span, ...]:
    added = [
        (m.start() + a, m.start() + b, "PERSON")
        for m in _PFR_DOCTRINE.finditer(text)
        if not any(s < m.end() and m.start() < e for s, e, _ in spans)
        for a, b in _PFR_DOCTRINES[m.group()]
    ]
    return tuple(sorted((*spans, *added))) if added else spans


def load(corpora: Path, name: str) -> list[Example]:
    """One corpus file (``msra_train``, ``address_test``, ...) as project-labelled examples."""
    path = corpora / f"{name}.jsonl"
    out: list[Example] = []
    for record in _read(path):
        text = record["text"]
        if name.startswith("address"):
            out.append(Example(text, _address_span(record), name))
        elif name == "boson":
            out.extend(Example(t, s, name) for t, s in split_sentences(text, _mapped(record)))
        elif name == "people_daily_1998jan_pfr":
            out.append(Example(text, _pfr_doctrine_names(text, _mapped(record)), name))
        else:
            out.append(Example(text, _mapped(record), name))
    return out


# -- splits ----------------------------------------------------------------------------------------------

TRAIN = ("msra_train", "people_daily_1998jan_pfr", "resume_train", "weibo_train", "address_train")
"""Training corpora. Boson is held out whole: the out-of-domain test (web and news text of another source)."""
DEV = ("people_daily_dev", "address_dev")
"""Whole dev files used for model selection, plus DEV_FRACTION of each training corpus."""
TEST = ("msra_test", "people_daily_test", "weibo_dev", "resume_dev", "address_test", "boson")
"""Never trained on, never used to choose anything. Boson is the corpus held out entirely."""
DEV_FRACTION = 0.03


def train_dev(corpora: Path, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """Training examples and dev examples (the dev files plus a seeded slice of every training corpus)."""
    rng = random.Random(seed)
    train: list[Example] = []
    dev: list[Example] = []
    for name in TRAIN:
        examples = load(corpora, name)
        rng.shuffle(examples)
        k = max(1, int(len(examples) * DEV_FRACTION))
        dev += examples[:k]
        train += examples[k:]
    for name in DEV:
        dev += load(corpora, name)
    return train, dev


# Lead-ins put before some bare addresses so that the model also sees addresses inside a sentence (the address
# corpus holds whole-record addresses only). Written for this purpose; unrelated to screening.synthetic.
_ADDRESS_LEADS = ("住在", "地址：", "现居", "送到", "位于", "家在", "寄往", "门店在", "搬到了", "籍贯", "住址为", "在")
_ADDRESS_TAILS = ("", "", "。", "，", "附近", "一带", "。谢谢", "，请联系")


def augment_addresses(examples: list[Example], share: float, seed: int = 0) -> list[Example]:
    """A copy of ``share`` of the address examples with a short lead-in and tail around the address."""
    rng = random.Random(seed + 1)
    out: list[Example] = []
    for ex in examples:
        if not ex.corpus.startswith("address") or not ex.spans or rng.random() >= share:
            continue
        lead, tail = rng.choice(_ADDRESS_LEADS), rng.choice(_ADDRESS_TAILS)
        spans = tuple((s + len(lead), e + len(lead), label) for s, e, label in ex.spans)
        out.append(Example(lead + ex.text + tail, spans, ex.corpus + "+context"))
    return out


# Names run together with no separator (委员：李鹏乔石李瑞环…, 参会人员张伟王芳): membership lists print them so, and
# the corpora hold only a handful of such lines, so the model otherwise reads a run of names as one long name.
_NAME_LIST_LEADS = (
    "", "名单：", "委员：", "出席会议的有", "参加人员：", "经办人", "联系人：", "成员有", "获奖者：", "与会者",
)  # fmt: skip
_NAME_LIST_NOTES = ("（女）", "（回族）", "（特邀）")
_NAME_LIST_HAN = re.compile(r"^[\u4e00-\u9fff]+(?:·[\u4e00-\u9fff]+)?$")


def augment_name_lists(examples: list[Example], n: int, seed: int = 0) -> list[Example]:
    """``n`` lines of 3 to 30 PERSON names from ``examples`` run together, some with a note such as （女）."""
    rng = random.Random(seed + 2)
    names = sorted(
        {
            ex.text[s:e]
            for ex in examples
            for s, e, label in ex.spans
            if label == "PERSON" and 2 <= e - s <= 8 and _NAME_LIST_HAN.match(ex.text[s:e])
        }
    )
    out: list[Example] = []
    if not names:
        return out
    for _ in range(n):
        text = rng.choice(_NAME_LIST_LEADS)
        spans: list[Span] = []
        for _ in range(rng.randint(3, 30)):
            name = rng.choice(names)
            spans.append((len(text), len(text) + len(name), "PERSON"))
            text += name
            if rng.random() < 0.08:
                text += rng.choice(_NAME_LIST_NOTES)
        if rng.random() < 0.5:
            text += "。"
        out.append(Example(text, tuple(spans), "name_lists"))
    return out
