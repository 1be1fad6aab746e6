"""Evaluate the free-text NER: exact-span precision, recall and F1 per label and per test corpus.

    python training/evaluate_ner.py [--corpora ../shared/corpora] [--split test|dev] [--throughput]

Systems, on the same texts:

* ``jieba``: the part-of-speech rules of ``screening.ner`` (the baseline);
* ``model``: the trained model alone;
* ``model+person`` / ``model+address`` / ``model+organization`` / ``model+org-lexicon``: the model with one rule
  group (``org-lexicon``: the names of ``screening/models/org_lexicon.txt``, training/build_org_lexicon.py);
* ``model+rules-no-lexicon``: every rule group but ``org-lexicon`` (what the lexicon adds to the other rules);
* ``model+rules``: the model with every rule group (what ``screening.ner_model.find_entities`` returns);
* on the synthetic remarks only, ``full``: ``screening.find_entities`` (rules and the identifier recognizers).

A predicted span counts only if start, end and label all equal a gold span. The test corpora are never trained
on (see training/corpora.py); Boson is a whole corpus left out of training, the out-of-domain figure. ``--split
dev`` scores the dev data instead (what the rules were designed on). Results go to training/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpora as C  # noqa: E402

from screening.model import Span  # noqa: E402

LABELS = C.LABELS
Finder = Callable[[Sequence[str]], list[list[Span]]]
Triple = tuple[int, int, str]


def score(gold: Sequence[Sequence[Triple]], pred: Sequence[Sequence[Triple]]) -> dict[str, dict[str, float]]:
    """Per label and overall ("ALL"): tp, fp, fn, precision, recall, f1 (exact spans)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g), set(p)
        for s in gs & ps:
            tp[s[2]] += 1
        for s in ps - gs:
            fp[s[2]] += 1
        for s in gs - ps:
            fn[s[2]] += 1
    out: dict[str, dict[str, float]] = {}
    for label in (*LABELS, "ALL"):
        t = sum(tp.values()) if label == "ALL" else tp[label]
        f_p = sum(fp.values()) if label == "ALL" else fp[label]
        f_n = sum(fn.values()) if label == "ALL" else fn[label]
        p = t / (t + f_p) if t + f_p else 0.0
        r = t / (t + f_n) if t + f_n else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[label] = {"tp": t, "fp": f_p, "fn": f_n, "p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}
    return out


def _triples(spans: list[Span]) -> list[Triple]:
    return [(s.start, s.end, s.entity) for s in spans if s.entity in LABELS]


def systems(include_full: bool = False) -> dict[str, Finder]:
    from screening import ner, ner_model

    # the model as it ships: in numpy (screening.ner_numpy), the same spans as spaCy's pipeline
    found: dict[str, Finder] = {"jieba": ner.find_names}
    found["model"] = ner_model.ModelNer(rules=()).find
    for rule in ner_model.RULES:
        found[f"model+{rule}"] = ner_model.ModelNer(rules=(rule,)).find
    found["model+rules-no-lexicon"] = ner_model.ModelNer(rules=[r for r in ner_model.RULES if r != "org-lexicon"]).find
    found["model+rules"] = ner_model.ModelNer().find
    if include_full:
        from screening.freetext import FreeText

        found["full"] = FreeText(cache_size=0).find  # type: ignore[assignment]
        found["full-no-identifiers"] = FreeText(cache_size=0, identifiers=False).find  # type: ignore[assignment]
    return found


def evaluate(sets: dict[str, list[C.Example]], finders: dict[str, Finder]) -> dict[str, dict[str, object]]:
    """{system: {corpus: scores}} plus pooled rows: "in-domain" (every test corpus but Boson) and "all"."""
    results: dict[str, dict[str, object]] = {}
    for name, find in finders.items():
        per: dict[str, object] = {}
        pooled_gold: dict[str, list[list[Triple]]] = {"in-domain": [], "all": []}
        pooled_pred: dict[str, list[list[Triple]]] = {"in-domain": [], "all": []}
        t0 = time.perf_counter()
        for corpus, examples in sets.items():
            texts = [e.text for e in examples]
            pred = [_triples(p) for p in find(texts)]
            gold = [list(e.spans) for e in examples]
            per[corpus] = score(gold, pred)
            for pool in ("all", *(("in-domain",) if corpus not in HELD_OUT else ())):
                pooled_gold[pool] += gold
                pooled_pred[pool] += pred
        for pool in ("in-domain", "all"):
            if pooled_gold[pool]:
                per[pool] = score(pooled_gold[pool], pooled_pred[pool])
        per["seconds"] = round(time.perf_counter() - t0, 1)
        results[name] = per
        print(f"{name}: {per['seconds']} s", file=sys.stderr, flush=True)
    return results


HELD_OUT = ("boson",)
"""Test corpora from a source the model never saw in training."""


# -- synthetic remarks: the whole stack, identifiers included -----------------------------------------------

_REMARK_TEMPLATES = (
    "来电人{person}，手机{phone}，反映{address}楼道灯不亮",
    "{person}（身份证{id_card}）申请把收件地址改为{address}",
    "已与{org}财务{person}核对发票，联系电话{phone}",
    "请将合同寄到{address}，收件人{person}",
    "客户在{org}工作，月收入约八千元，电话{phone}",
    "{person}于上周到{org}办理业务，地址{address}",
    "复核通过，无异常",
    "经办：{person}；单位：{org}",
)


def synthetic_remarks(n: int, seed: int = 7) -> list[C.Example]:
    """Remarks built from the project's synthetic generators, with the truth of every name, address and org."""
    from screening import synthetic

    rng = random.Random(seed)
    makers = {
        "person": ("PERSON", synthetic.person_name),
        "address": ("CN_ADDRESS", synthetic.address),
        "org": ("ORGANIZATION", synthetic.company),
        "phone": (None, synthetic.phone),
        "id_card": (None, synthetic.id_card),
    }
    out: list[C.Example] = []
    for _ in range(n):
        template = rng.choice(_REMARK_TEMPLATES)
        text, spans = "", []
        for literal, field, _, _ in string.Formatter().parse(template):
            text += literal
            if field:
                label, make = makers[field]
                value = str(make(rng))
                if label:
                    spans.append((len(text), len(text) + len(value), label))
                text += value
        out.append(C.Example(text, tuple(spans), "synthetic_remarks"))
    return out


# -- throughput -------------------------------------------------------------------------------------------


def throughput(n: int = 20_000, seed: int = 0) -> dict[str, object]:
    """Characters per second on synthetic remarks: wall clock and CPU, 1 and 2 processes."""
    from screening import freetext, ner, ner_model, synthetic

    rng = random.Random(seed)
    texts = [synthetic.remark(rng) for _ in range(n)]
    chars = sum(map(len, texts))
    nlp = ner_model.load()
    out: dict[str, object] = {"texts": n, "chars": chars, "mean_chars": round(chars / n, 1), "cpus": os.cpu_count()}

    def timed(label: str, fn: Callable[[], object]) -> None:
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        out[label] = {"chars_per_s": round(chars / wall), "seconds": round(wall, 2), "parent_cpu_s": round(cpu, 2)}
        print(label, out[label], file=sys.stderr, flush=True)

    distinct = list(dict.fromkeys(texts))
    out["distinct_texts"] = len(distinct)
    timed("nlp.pipe, 1 process", lambda: list(nlp.pipe(texts, batch_size=256)))
    timed("nlp.pipe, n_process=2", lambda: list(nlp.pipe(texts, batch_size=256, n_process=2)))
    timed("model+rules through spaCy, 1 process", lambda: ner_model.ModelNer(nlp).find(texts))
    timed("model+rules in numpy (what ships), 1 process", lambda: ner_model.ModelNer().find(texts))
    engine = freetext.FreeText(cache_size=0)
    timed("full (identifiers + model + rules), 1 process", lambda: engine.find(texts))
    freetext.default_freetext()._cache.clear()
    timed(
        "full, find_entities_parallel workers=2",
        lambda: freetext.find_entities_parallel(texts, workers=2, min_texts=0),
    )
    timed("jieba baseline (screening.ner.find_names), 1 process", lambda: ner.find_names(texts))
    return out


# -- output -------------------------------------------------------------------------------------------------


def markdown(results: dict[str, dict[str, object]], corpora: Sequence[str], system_names: Sequence[str]) -> str:
    lines = [
        "| corpus | system | PERSON P / R / F1 | CN_ADDRESS P / R / F1 | ORGANIZATION P / R / F1 |",
        "|---|---|---|---|---|",
    ]
    for corpus in corpora:
        for name in system_names:
            row = results[name].get(corpus)
            if not isinstance(row, dict):
                continue
            cells = []
            for label in LABELS:
                m = row[label]
                cells.append("–" if m["tp"] + m["fn"] == 0 else f"{m['p']:.2f} / {m['r']:.2f} / **{m['f1']:.2f}**")
            lines.append(f"| {corpus} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=C.DEFAULT_CORPORA)
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--throughput", action="store_true", help="also measure characters per second")
    parser.add_argument("--systems", default="", help="comma-separated subset of the systems")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.split == "dev":
        _, dev = C.train_dev(args.corpora, seed=args.seed)
        sets: dict[str, list[C.Example]] = {}
        for ex in dev:
            sets.setdefault(ex.corpus, []).append(ex)
    else:
        sets = {name: C.load(args.corpora, name) for name in C.TEST}
    finders = systems()
    if args.systems:
        finders = {k: v for k, v in finders.items() if k in args.systems.split(",")}
    results = evaluate(sets, finders)
    report: dict[str, object] = {"split": args.split, "systems": results}

    remarks = {"synthetic_remarks": synthetic_remarks(2_000)}
    full = systems(include_full=True)
    remark_finders = {k: full[k] for k in ("jieba", "model", "model+rules", "full-no-identifiers", "full")}
    report["synthetic_remarks"] = evaluate(remarks, remark_finders)

    order = [*sets, *(("in-domain", "all") if args.split == "test" else ())]
    table = markdown(results, order, list(finders))
    print(table)
    print(markdown(report["synthetic_remarks"], ["synthetic_remarks"], list(remark_finders)))  # type: ignore[arg-type]
    if args.throughput:
        report["throughput"] = throughput()
    if args.split == "test":
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        args.out.with_name("results-dev.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
