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
* it has at least 2 characters and a Han character, and no whitespace or punctuation.

The rule that uses it is ``ModelNer._organisations_from_lexicon`` in ``screening/ner_model.py``. K and S were
chosen on the dev split (training/README.md). The output is deterministic: one name per line, sorted by code point.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
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
    parser.add_argument("--seed", type=int, default=0, help="the train/dev split's seed (as train_ner.py)")
    args = parser.parse_args(argv)
    train, _ = C.train_dev(args.corpora, seed=args.seed)
    names = build(train, args.min_count, args.min_share, args.max_other, args.min_share_short)
    args.out.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    print(f"{len(names)} names -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
