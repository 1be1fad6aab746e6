"""Build the organisation lexicon (``screening/models/org_lexicon.txt``) from the training split.

    python training/build_org_lexicon.py [--corpora ../shared/corpora] [--min-count K] [--min-share S]

Reads the training split of ``training/corpora.py`` only (``train_dev(...)[0]``: never dev, never a test file),
with full-width ASCII folded as the model sees it. A name is kept when

* it is annotated ORGANIZATION at least ``K`` times in train (exact surface),
* of its non-overlapping occurrences in the train sentences that are not inside a longer ORGANIZATION annotation,
  at least a share ``S`` (``--min-share-short`` for two characters) are such annotations: a name that is mostly an
  ordinary word or unannotated is left out,
* it is annotated PERSON or CN_ADDRESS at most ``--max-other`` times as often as ORGANIZATION, never PERSON more
  than once, and it holds no string of two or more characters that train annotates as PERSON anywhere (so no
  name such as X政府 or X基金会 brings a person's name into the file),
* it has at least 2 characters and a Han character, and no whitespace or punctuation,
* it is not a generic unit (:func:`generic`): a head such as 部, 处, 系, 队, 团, 公司 or 委员会 after nothing but a
  level (市委, 母公司) or one common word of jieba's dictionary (金融公司, 秘书处, 化学系, 漂流队), which in a
  remark (转秘书处处理) names no particular organisation.

The rule that uses it is ``ModelNer._organisations_from_lexicon`` in ``screening/ner_model.py``. K and S were
chosen on the dev split (training/README.md). The output is deterministic: one name per line, sorted by code point.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Collection, Iterable
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpora as C  # noqa: E402

from screening.ner_model import FULLWIDTH, ORG_LEXICON  # noqa: E402

MIN_COUNT = 2
"""K: ORGANIZATION annotations of the exact surface in train, at least."""
MIN_SHARE = 0.2
"""S: ORGANIZATION annotations of the surface / its non-overlapping occurrences in the train sentences, not
counting those inside a longer ORGANIZATION annotation (新华社 in 新华社香港分社), at least."""
MIN_SHARE_SHORT = 0.3
"""S for two-character names, which are more often ordinary words (大众, 方正, 海军)."""
MAX_OTHER = 0.1
"""PERSON + CN_ADDRESS annotations of the surface, at most this share of its ORGANIZATION annotations."""
MIN_LEN = 2
GENERIC_HEADS = (
    *("股份公司", "委员会"),
    *("中心", "公司", "小组", "支部", "党委", "党组", "总部", "支队", "大队", "男队", "女队"),
    *("部", "处", "科", "队", "团", "组", "系", "局", "委", "厅", "室", "所", "站", "办", "会"),
)
"""Heads of a generic unit's name (:func:`generic`)."""
GENERIC_LEVELS = "市县区乡镇省村团总母分本男女"
"""Characters that make no name in front of a head: a level (市委, 县卫生局) or a relation (母公司, 本公司)."""
NAME_TAGS = frozenset({"nt", "ns", "nr", "nrt", "nrfg", "nz", "j", "eng", "x"})
"""jieba part-of-speech tags of names (organisation, place, person, other proper noun, abbreviation)."""


@cache
def _jieba_tags() -> dict[str, str]:
    import jieba
    from jieba import posseg

    jieba.setLogLevel(60)
    return posseg.dt.word_tag_tab  # type: ignore[no-any-return]


def generic(name: str, named: Collection[str] = ()) -> bool:
    """Whether ``name`` is a generic unit, not a name: a head of :data:`GENERIC_HEADS` (longest first) after a
    modifier that is, as it stands or without the level characters (:data:`GENERIC_LEVELS`) in front, empty or one
    word of two or more characters that jieba's dictionary tags as a common word (not :data:`NAME_TAGS`) and that
    ``named`` (the strings train annotates as any entity) does not hold. So 市委, 母公司, 金融公司, 秘书处,
    化学系 and 漂流队 are generic; 新华社, 外交部 (jieba: organisation), 北京队 (北京 is a place), 联想集团 (集团
    is no head) and 国家质量技术监督局 (more than one word) are not. Ministries named by one common word (教育部,
    水利部) count as generic: 人事部 and 体育部 are as often a company's department."""
    tags = _jieba_tags()
    if tags.get(name) in NAME_TAGS:
        return False
    for head in GENERIC_HEADS:
        if name.endswith(head) and name != head:
            modifier = name[: -len(head)]
            for core in (modifier, modifier.lstrip(GENERIC_LEVELS)):  # 市场部: 市场; 县卫生局: 卫生
                if not core or (len(core) >= 2 and core not in named and tags.get(core, "nt") not in NAME_TAGS):
                    return True
    return False


def _plausible(name: str) -> bool:
    return (
        len(name) >= MIN_LEN
        and any("\u3400" <= ch <= "\u9fff" for ch in name)
        and all(ch.isalnum() or ch in "()（）·-&" for ch in name)
    )


def build(
    examples: Iterable[C.Example],
    min_count: int = MIN_COUNT,
    min_share: float = MIN_SHARE,
    max_other: float = MAX_OTHER,
    min_share_short: float = MIN_SHARE_SHORT,
    drop_generic: bool = True,
) -> list[str]:
    """The lexicon from ``examples`` (the training split): sorted organisation names."""
    texts: list[str] = []
    labelled: dict[str, Counter[str]] = {label: Counter() for label in C.LABELS}
    for ex in examples:
        text = ex.text.translate(FULLWIDTH)
        texts.append(text)
        for start, end, label in ex.spans:
            labelled[label][text[start:end]] += 1
    orgs = labelled["ORGANIZATION"]
    candidates = sorted(
        name
        for name, n in orgs.items()
        if n >= min_count
        and _plausible(name)
        and labelled["PERSON"][name] <= 1
        and labelled["PERSON"][name] + labelled["CN_ADDRESS"][name] <= max_other * n
    )
    if drop_generic:
        named = {name for counter in labelled.values() for name in counter}
        candidates = [name for name in candidates if not generic(name, named)]
    if not candidates:
        return []
    # one string, separated by a character no name holds: str.count gives non-overlapping occurrences
    joined = "\n".join(texts)
    # occurrences inside a longer organisation name (新华社 in 新华社香港分社) are no evidence against the name: the
    # rule does not fire inside a longer organisation span
    wanted = set(candidates)
    nested: Counter[str] = Counter()
    for longer, n in orgs.items():
        inner = {longer[i:j] for i in range(len(longer)) for j in range(i + MIN_LEN, len(longer))}
        inner |= {longer[i:] for i in range(1, len(longer) - 1)}
        for name in inner & wanted:
            nested[name] += n * longer.count(name)
    persons = {name for name, n in labelled["PERSON"].items() if len(name) >= MIN_LEN}
    return [
        name
        for name in candidates
        if orgs[name]
        >= (min_share if len(name) > 2 else max(min_share, min_share_short)) * (joined.count(name) - nested[name])
        and not any(name[i:j] in persons for i in range(len(name)) for j in range(i + MIN_LEN, len(name) + 1))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=C.DEFAULT_CORPORA)
    parser.add_argument("--out", type=Path, default=ORG_LEXICON)
    parser.add_argument("--min-count", type=int, default=MIN_COUNT)
    parser.add_argument("--min-share", type=float, default=MIN_SHARE)
    parser.add_argument("--min-share-short", type=float, default=MIN_SHARE_SHORT)
    parser.add_argument("--max-other", type=float, default=MAX_OTHER)
    parser.add_argument("--keep-generic", action="store_true", help="keep generic units (金融公司, 秘书处)")
    parser.add_argument("--seed", type=int, default=0, help="the train/dev split's seed (as train_ner.py)")
    args = parser.parse_args(argv)
    train, _ = C.train_dev(args.corpora, seed=args.seed)
    names = build(train, args.min_count, args.min_share, args.max_other, args.min_share_short, not args.keep_generic)
    args.out.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    print(f"{len(names)} names -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
