"""Train the free-text NER model (PERSON, CN_ADDRESS, ORGANIZATION) and install it as package data.

    python training/train_ner.py [--corpora ../shared/corpora] [--work /tmp/screening-ner] [--seed 0]

Steps: read the corpora into the project's labels (training/corpora.py), fold full-width ASCII as the
runtime does, write train/dev ``.spacy`` files into ``--work`` (outside the repository: the corpora are
never copied into the project), run ``spacy train`` with training/config.cfg, then copy the best
model (dev F1) to ``screening/models/zh_pii_ner``. Everything is seeded; one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import spacy  # noqa: E402
from spacy.tokens import DocBin  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpora as C  # noqa: E402

from screening.ner_model import FULLWIDTH, MODEL_DIR  # noqa: E402

ADDRESS_CONTEXT_SHARE = 0.3
"""Share of the address records also trained on with a short lead-in (see corpora.augment_addresses)."""
NAME_LISTS = 800
"""Lines of names run together without a separator, built from the training names (corpora.augment_name_lists)."""


def to_docbin(nlp: spacy.language.Language, examples: list[C.Example]) -> DocBin:
    db = DocBin(store_user_data=False)
    for ex in examples:
        doc = nlp.make_doc(ex.text.translate(FULLWIDTH))
        doc.ents = [doc.char_span(s, e, label=label) for s, e, label in ex.spans]  # char tokens: always aligned
        db.add(doc)
    return db


def build(corpora_dir: Path, work: Path, seed: int) -> dict[str, int]:
    nlp = spacy.blank("zh")  # per-character segmenter
    train, dev = C.train_dev(corpora_dir, seed=seed)
    train += C.augment_addresses(train, ADDRESS_CONTEXT_SHARE, seed=seed) + C.augment_name_lists(
        train, NAME_LISTS, seed=seed
    )
    random.Random(seed).shuffle(train)
    work.mkdir(parents=True, exist_ok=True)
    to_docbin(nlp, train).to_disk(work / "train.spacy")
    to_docbin(nlp, dev).to_disk(work / "dev.spacy")
    return {"train": len(train), "dev": len(dev), "train_chars": sum(len(e.text) for e in train)}


def install(best: Path, target: Path, training: dict[str, object] | None = None) -> None:
    """Copy the trained pipeline into the package, without training-only files; ``training`` (how it was trained:
    seed, overrides, the model resumed from) goes into meta.json."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(best, target)
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        name="zh_pii_ner",
        version="0.1.0",
        description="PERSON, CN_ADDRESS and ORGANIZATION in Chinese free text (char CNN + transition NER); "
        "trained by training/train_ner.py",
        license="see training/README.md (research corpora)",
    )
    if training:
        meta["training"] = training
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=C.DEFAULT_CORPORA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/screening-ner"))
    parser.add_argument("--config", type=Path, default=HERE / "config.cfg")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=Path, default=MODEL_DIR, help="where the model is installed")
    parser.add_argument("--skip-build", action="store_true", help="reuse the .spacy files in --work")
    parser.add_argument("--set", action="append", default=[], help="config override, e.g. training.max_steps=10")
    parser.add_argument(
        "--resume",
        type=Path,
        help="continue from this trained pipeline: its tok2vec and ner weights are sourced, not initialised",
    )
    parser.add_argument("--blis", action="store_true", help="keep thinc's BLIS matrix products (default: numpy's)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    if not args.skip_build:
        print("data:", build(args.corpora, args.work, args.seed), flush=True)
    overrides: dict[str, object] = {
        "paths.train": str(args.work / "train.spacy"),
        "paths.dev": str(args.work / "dev.spacy"),
        "system.seed": args.seed,
    }
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    from spacy.cli.train import train

    config = args.config
    if args.resume is not None:
        # spaCy resumes sourced components (nlp.resume_training) instead of initialising them
        cfg = spacy.util.load_config(args.config)
        for name in ("tok2vec", "ner"):
            cfg["components"][name] = {"source": str(args.resume.resolve())}
        config = args.work / "config-resume.cfg"
        args.work.mkdir(parents=True, exist_ok=True)
        cfg.to_disk(config)
    if not args.blis:
        from thinc.api import NumpyOps, set_current_ops

        # numpy's OpenBLAS gemm does 62 GFLOPS on one core here, BLIS 27: 300 training steps 82 s instead of 135
        set_current_ops(NumpyOps(use_blis=False))
    t1 = time.perf_counter()
    train(config, args.work / "output", use_gpu=-1, overrides=overrides)
    t2 = time.perf_counter()
    best = args.work / "output" / "model-best"
    score = json.loads((best / "meta.json").read_text(encoding="utf-8")).get("performance", {}).get("ents_f")
    step = {
        "what": "from scratch" if args.resume is None else "--resume from the step before",
        "overrides": {k: v for k, v in overrides.items() if not k.startswith(("paths.", "system.seed"))},
        "train_seconds": round(t2 - t1),
        "dev_ents_f": None if score is None else round(score, 4),
    }
    steps: list[object] = []
    if args.resume is not None:  # the resumed model's history, then this step
        before = json.loads((args.resume / "meta.json").read_text(encoding="utf-8")).get("training") or {}
        steps = list(before.get("steps", [])) or [{"what": "unrecorded", "training": before}]
    install(best, args.target, {"seed": args.seed, "steps": [*steps, step]})
    print(f"build {t1 - t0:.0f} s, train {t2 - t1:.0f} s; installed in {args.target}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
