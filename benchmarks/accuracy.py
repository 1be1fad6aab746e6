"""Accuracy of the column decisions and of the cells behind them, on the labelled set of benchmarks/labelled.py.

    python benchmarks/accuracy.py                      # 2,000 rows per table, seed 0
    python benchmarks/accuracy.py --rows 300 --seed 7  # a quick run on other data
    python benchmarks/accuracy.py --out /tmp/labelled  # where the tables and their labels are written

Each labelled table goes through ``screening.pipeline.screen`` (the ``scan`` pass, as the CLI runs it), and
the result is scored against the labels at two levels, per entity (precision, recall, F1; micro over the
entities that have a recognizer at run time):

**Column level.** A column's predicted set is its ``entity`` plus the keys of its ``entities`` (the members
of a mixed column; for free text, the entities found inside its cells), or nothing for an empty column.
Its true set is what its values hold (several entities for a mixed column, none for a hard negative or a
decoy header), minus any entity that needs its header (``Recognizer.header_required``) when the header is
opaque. Each entity in both sets is a true positive, in the prediction only a false positive, in the truth
only a false negative.

**Cell level.** The pipeline keeps counts, not per-cell marks, so the harness replays its per-cell rule on
every cell as read by ``screening.io`` (same decoding): in priority order, the first recognizer whose
pattern matches the whole (stripped, NFKC-folded where full-width) cell and whose vectorised validator
accepts it claims the cell (exclusive, as ``screening.detect`` counts); a cell matching a recognizer's
``masked_pattern`` is an already-masked value of it. A cell is predicted as entity E only when that rule
gives E *and* the column decision includes E: a serial that passes Luhn by chance inside a column the
pipeline left alone is not a finding, since nothing would be done with it. When the column was decided by
a card-number header on the shape alone, every cell of that shape counts. Free-text cells are predicted
by what ``run`` would mask in them: the spans of ``screening.freetext.find_entities`` (the project's
Presidio analyzer with the jieba name rules), when the column was flagged at all. Empty cells count for
nothing. The replay is checked against the pipeline on every run: each count in a column's profile (the
members behind its decision) must equal one of the replayed counts (valid, masked or shaped);
disagreements are listed under ``replay_mismatches``. :func:`detector_mismatches` checks it further,
entity by entity, against a second ``screening.detect.Detector`` pass (the tests run it).
A diagnostic ``cell_level_values_only`` drops the column gate (every cell that validates counts).

**Hard negatives.** Columns labelled as a hard negative or a decoy header are counted separately: one is
*flagged* when its predicted set is not empty. The target is zero.

Entities of ``screening.model.ENTITY_NAMES`` without a recognizer at run time are listed as not covered;
columns whose values hold one of them are left out of the scores (their predictions are still listed).

Prints a Markdown summary and writes every figure to benchmarks/accuracy-results.json (``--results``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or imported by the tests: labelled.py sits beside this file
    sys.path.insert(0, str(HERE))

import labelled  # noqa: E402

from recognizers import Recognizer, all_recognizers, by_entity  # noqa: E402
from screening import io  # noqa: E402
from screening.detect import Detector, Probe, build_probes, column_probes  # noqa: E402
from screening.model import ENTITY_NAMES, ColumnProfile  # noqa: E402
from screening.pipeline import Options, screen  # noqa: E402
from screening.profile import WEAK_GATE, header_names  # noqa: E402

DEFAULT_OUT = HERE / "data" / "labelled"
DEFAULT_RESULTS = HERE / "accuracy-results.json"

# ---------------------------------------------------------------------------------------------------------
# Scoring


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when nothing was there to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2TP / (2TP + FP + FN), the harmonic mean of precision and recall; None when all three are 0."""
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else None

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.tp + self.fn,
            "precision": r(self.precision),
            "recall": r(self.recall),
            "f1": r(self.f1),
        }


def score(pairs: Iterable[tuple[Iterable[str], Iterable[str]]], entities: Iterable[str]) -> dict[str, Counts]:
    """Per entity, TP/FP/FN over items given as (true set, predicted set); entities outside ``entities``
    are ignored."""
    counts = {e: Counts() for e in entities}
    for truth, predicted in pairs:
        t, p = set(truth), set(predicted)
        for e in (t | p) & counts.keys():
            c = counts[e]
            if e in t and e in p:
                c.tp += 1
            elif e in p:
                c.fp += 1
            else:
                c.fn += 1
    return counts


def micro(counts: Mapping[str, Counts]) -> Counts:
    total = Counts()
    for c in counts.values():
        total = total + c
    return total


# ---------------------------------------------------------------------------------------------------------
# Predictions


def column_prediction(profile: ColumnProfile) -> frozenset[str]:
    """The entities the pipeline reports for a column: its decision plus the members behind it."""
    if profile.kind == "empty" or profile.entity is None:
        return frozenset(profile.entities)
    return frozenset({profile.entity, *profile.entities})


_FULLWIDTH = "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0a\uff0b\uff0d\uff0e\u3000]"
"""As screening.detect: the cells NFKC is applied to (full-width digits, letters, ＠＊＋－． and U+3000)."""


def _validate(rec: Recognizer, values: pl.Series) -> np.ndarray:
    """The recognizer's vectorised validator on stripped candidates (no validator: the shape is enough)."""
    if rec.valid_expr is None or len(values) == 0:
        return np.ones(len(values), dtype=bool)
    try:
        if rec.valid_series is not None:
            ok = rec.valid_series(values)
        else:
            ok = values.to_frame("x").select(rec.valid_expr(pl.col("x")).fill_null(False)).to_series()
        return ok.fill_null(False).to_numpy().astype(bool)
    except Exception:  # noqa: BLE001 - as the pipeline does: a failing validator is asked value by value
        out = []
        for value in values.to_list():
            try:
                out.append(bool(value is not None and rec.is_valid(value)))
            except Exception:  # noqa: BLE001
                out.append(False)
        return np.array(out, dtype=bool)


@dataclass
class Replay:
    """Per-cell result of the detection rule on one structured column."""

    valid: list[frozenset[str]]
    """Per cell, the entities it counts for: in claim order (the header's entities, then priority: see
    ``screening.detect.claim_order``), those whose shape and validator pass, until
    one claims the cell (an entity that needs its header, or a header-only value, counts but claims nothing)."""
    header_only: list[frozenset[str]]
    """Per cell, the entities among ``valid`` for which it is a header-only value (a gender code ``1``)."""
    claimed_by: list[str | None]
    """Per cell, the entity that claimed it: what the values alone say."""
    masked: list[frozenset[str]]
    """Per cell, the entities whose masked pattern the whole cell matches."""
    shaped: dict[str, np.ndarray]
    """Per entity, cells with its shape (before validation, not exclusive)."""

    def counts(self) -> tuple[Counter[str], Counter[str], Counter[str]]:
        """Valid, header-only and masked cells per entity, as the detector counts them."""
        return (
            Counter(e for s in self.valid for e in s),
            Counter(e for s in self.header_only for e in s),
            Counter(e for s in self.masked for e in s),
        )


def _folded(raw: pl.Series) -> pl.Series:
    """Cells as the detector screens them: text, NFKC-folded where they hold full-width characters."""
    text = raw.cast(pl.String)
    wide = text.str.contains(_FULLWIDTH).fill_null(False).to_numpy()
    if not wide.any():
        return text
    cells = text.to_list()
    return pl.Series(
        raw.name, [unicodedata.normalize("NFKC", s) if w else s for s, w in zip(cells, wide, strict=True)], pl.String
    )


def replay_table(frame: pl.DataFrame, names: Sequence[str], recs: Sequence[Recognizer]) -> dict[str, Replay]:
    """The detector's counting rule (``screening.detect``), cell by cell, for the columns ``names``."""
    probes = build_probes(tuple(recs))
    text = pl.DataFrame([_folded(frame[name]).alias(f"c{i}") for i, name in enumerate(names)])
    # Every probe's whole-cell shape on every column in one select, which polars evaluates in parallel.
    shapes = text.select(
        (pl.col(f"c{i}").str.contains(p.full_pattern()) & (pl.col(f"c{i}").str.len_bytes() > 0))
        .fill_null(False)
        .alias(f"{i}|{p.key}")
        for i in range(len(names))
        for p in probes
    )
    return {
        name: _replay(text[f"c{i}"], shapes, f"{i}|", probes, header_names(name, tuple(recs)))
        for i, name in enumerate(names)
    }


def replay_structured(raw: pl.Series, recs: Sequence[Recognizer]) -> Replay:
    """``replay_table`` for one column."""
    return replay_table(raw.to_frame("x"), ["x"], recs)["x"]


def _replay(v: pl.Series, shapes: pl.DataFrame, prefix: str, probes: Sequence[Probe], named: set[str]) -> Replay:
    n = len(v)
    none = frozenset[str]()
    sets: list[set[str]] = [set() for _ in range(n)]
    only: list[set[str]] = [set() for _ in range(n)]
    masks: list[set[str]] = [set() for _ in range(n)]
    claimed_by: list[str | None] = [None] * n
    shaped_by: dict[str, np.ndarray] = {}
    claimed = np.zeros(n, dtype=bool)
    # Each probe sees the cells no earlier probe claimed (an entity that needs its header only under one).
    for probe in column_probes(probes, named):
        rec, shaped = probe.rec, shapes[prefix + probe.key].to_numpy() & ~claimed
        if not shaped.any():
            continue
        if probe.masked:
            for i in np.flatnonzero(shaped):
                masks[i].add(rec.entity)
            continue
        shaped_by[rec.entity] = shaped
        todo = np.flatnonzero(shaped)
        if not len(todo):
            continue
        values = v.gather(todo).str.strip_chars()
        ok = _validate(rec, values)
        hits = todo[ok]
        header_only = np.zeros(len(hits), dtype=bool)
        pattern = rec.header_only_pattern
        if pattern is not None and len(hits):
            header_only = values.filter(pl.Series(ok)).str.contains(f"^(?:{pattern})$").fill_null(False).to_numpy()
        for i, h_only in zip(hits, header_only, strict=True):
            sets[i].add(rec.entity)
            if h_only:
                only[i].add(rec.entity)
        # Unless the header names the entity, a value of one that needs its header, and a header-only value,
        # count but take the cell from nobody.
        takes = hits if rec.entity in named else hits[:0] if rec.header_required else hits[~header_only]
        claimed[takes] = True
        for i in takes:
            claimed_by[i] = rec.entity
    return Replay(
        [frozenset(s) if s else none for s in sets],
        [frozenset(s) if s else none for s in only],
        claimed_by,
        [frozenset(s) if s else none for s in masks],
        shaped_by,
    )


def cell_predictions(
    raw: pl.Series, profile: ColumnProfile, recs: Sequence[Recognizer], rp: Replay | None = None
) -> tuple[list[frozenset[str]], list[frozenset[str]], Replay | None]:
    """Per cell: (as decided: gated by the column decision, values only: what claims each cell on its own),
    and the replay for the cross-check (structured columns only)."""
    n = len(raw)
    none = [frozenset[str]()] * n
    if profile.kind == "empty":
        return none, none, None
    column = column_prediction(profile)
    if profile.kind == "free_text":
        from screening.freetext import find_entities

        texts = raw.cast(pl.String).to_list()
        found = [frozenset(s.entity for s in spans) for spans in find_entities(texts)]
        return (found if column else none), found, None
    rp = rp or replay_structured(raw, recs)
    # A header-only value (gender code 1) counts for its entity only under a header naming it.
    named = header_names(profile.name, tuple(recs))
    # A card-number header decided the column on the shape alone: every cell of that shape is the card.
    valid = rp.counts()[0]
    by_shape = {
        e
        for e in column & set(WEAK_GATE)
        if e in rp.shaped and profile.entities.get(e) == int(rp.shaped[e].sum()) != valid[e]
    }
    gated, loose = [], []
    for i in range(n):
        pred = {e for e in rp.valid[i] & column if e not in rp.header_only[i] or e in named}
        pred |= rp.masked[i] & column
        pred |= {e for e in by_shape if rp.shaped[e][i]}
        gated.append(frozenset(pred))
        who = rp.claimed_by[i]
        loose.append(frozenset() if who is None else frozenset({who}))
    return gated, loose, rp


def profile_mismatches(name: str, rp: Replay, profile: ColumnProfile) -> list[str]:
    """Entities the profile counts (the members behind its decision) whose count is none of the replay's."""
    valid, only, masked = rp.counts()
    out = []
    for e, n in profile.entities.items():
        shaped = int(rp.shaped[e].sum()) if e in rp.shaped else 0
        if n not in (valid[e], valid[e] - only[e], masked[e], shaped, shaped - only[e]):
            out.append(
                f"{name}: profile counts {n} {e}, replay {valid[e]} valid / {masked[e]} masked / {shaped} shaped"
            )
    return out


def detector_mismatches(path: Path, batch_rows: int = 500) -> list[str]:
    """Every structured column of a table: the replay's counts against a ``Detector``'s counters over the same
    cells, entity by entity, valid, header-only and masked (a second detection pass, so slower than the
    profile check)."""
    recs = all_recognizers()
    frame = _read(path, batch_rows)
    detector = Detector(tuple(frame.columns), recs, ner_sample=0)
    for start in range(0, frame.height, batch_rows):
        detector.observe(frame.slice(start, batch_rows))
    names = [name for name in frame.columns if detector.evidence[name].mode == "structured"]
    replays = replay_table(frame, names, recs)
    out = []
    for name in names:
        ev = detector.evidence[name]
        valid, only, masked = replays[name].counts()
        theirs_only = ev.header_only
        for kind, mine, theirs in (
            ("valid", valid, ev.valid),
            ("header-only", only, theirs_only),
            ("masked", masked, ev.masked),
        ):
            for e in sorted(set(mine) | set(theirs)):
                if mine[e] != theirs[e]:
                    out.append(f"{path.name}.{name}: {e} {kind} cells: replay {mine[e]}, detector {theirs[e]}")
    return out


def _read(path: Path, batch_rows: int) -> pl.DataFrame:
    """The table as the pipeline reads it: every column as text, same decoding."""
    info = io.open_source(path)
    return pl.concat(list(io.iter_batches(info, batch_rows=batch_rows)), how="vertical")


def _fmt_set(s: Iterable[str]) -> str:
    items = sorted(s)
    return "{" + ", ".join(items) + "}" if items else "∅"


def evaluate(
    out_dir: Path, seed: int = 0, rows: int = 2000, batch_rows: int = 500, ner_sample: int | None = None
) -> dict[str, Any]:
    """Write the labelled set to ``out_dir``, screen every table, score; the results as a JSON-able dict."""
    t0 = time.perf_counter()
    label_paths = labelled.write_set(out_dir, seed=seed, rows=rows)
    recs = all_recognizers()
    rec_by = by_entity()
    covered = [e for e in ENTITY_NAMES if e in rec_by]
    not_covered = [e for e in ENTITY_NAMES if e not in rec_by]
    header_required = {e: r.header_required for e, r in rec_by.items()}
    opts = (
        Options(batch_rows=batch_rows) if ner_sample is None else Options(batch_rows=batch_rows, ner_sample=ner_sample)
    )

    column_pairs: list[tuple[frozenset[str], frozenset[str]]] = []
    cell_pairs: list[tuple[frozenset[str], frozenset[str]]] = []
    loose_pairs: list[tuple[frozenset[str], frozenset[str]]] = []
    columns_out: list[dict[str, Any]] = []
    hard: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    mismatches: list[str] = []
    cell_errors: list[dict[str, Any]] = []
    by_style: dict[str, Counter[str]] = defaultdict(Counter)
    tables_scanned: list[str] = []
    n_cells = 0

    for label_path in label_paths:
        label = labelled.read_labels(label_path)
        path = out_dir / label["file"]
        result = screen(path, opts)
        tables_scanned.append(label["table"])
        profiles = {p.name: p for p in result.profiles}
        frame = _read(path, batch_rows)
        replays = replay_table(frame, [p.name for p in result.profiles if p.kind == "structured"], recs)
        for col in label["columns"]:
            name = col["name"]
            where = f"{label['table']}.{name}"
            profile = profiles[name]
            predicted = column_prediction(profile)
            entry = {
                "table": label["table"],
                "column": name,
                "style": col["style"],
                "values": col["entities"],
                "hard_negative": col["hard_negative"],
                "predicted": sorted(predicted),
                "kind": profile.kind,
                "confidence": profile.confidence,
                "reason": profile.reason,
            }
            if set(col["entities"]) - set(covered):
                skipped.append(entry)
                continue
            truth = labelled.expected(col, header_required)
            entry["expected"] = sorted(truth)
            entry["correct"] = truth == predicted
            columns_out.append(entry)
            column_pairs.append((truth, predicted))
            by_style[col["style"]]["columns"] += 1
            by_style[col["style"]]["correct"] += int(truth == predicted)
            if col["hard_negative"]:
                hard.append(entry)
            gated, loose, rp = cell_predictions(frame[name], profile, recs, replays.get(name))
            dropped = set(col["entities"]) - truth  # header-needing entities under an opaque header
            pairs = [(labelled.cell_entities(c) - dropped, g) for c, g in zip(col["cells"], gated, strict=True)]
            cell_pairs += pairs
            loose_pairs += [(t, lo) for (t, _), lo in zip(pairs, loose, strict=True)]
            wrong = {e: c for e, c in score(pairs, covered).items() if c.fp or c.fn}
            if wrong:
                cell_errors.append(
                    {"table": label["table"], "column": name, **{e: {"fp": c.fp, "fn": c.fn} for e, c in wrong.items()}}
                )
            n_cells += len(gated)
            if rp is not None:
                mismatches += profile_mismatches(where, rp, profile)

    col_counts = score(column_pairs, covered)
    cell_counts = score(cell_pairs, covered)
    loose_counts = score(loose_pairs, covered)
    flagged = [h for h in hard if h["predicted"]]
    errors = [c for c in columns_out if not c["correct"]]
    return {
        "seed": seed,
        "rows_per_table": rows,
        "batch_rows": batch_rows,
        "tables": len(label_paths),
        "tables_scanned": tables_scanned,
        "columns_scored": len(columns_out),
        "cells_scored": n_cells,
        "covered": covered,
        "not_covered": not_covered,
        "column_level": {
            "per_entity": {e: c.as_dict() for e, c in col_counts.items()},
            "micro": micro(col_counts).as_dict(),
        },
        "cell_level": {
            "per_entity": {e: c.as_dict() for e, c in cell_counts.items()},
            "micro": micro(cell_counts).as_dict(),
        },
        "cell_level_values_only": {
            "per_entity": {e: c.as_dict() for e, c in loose_counts.items()},
            "micro": micro(loose_counts).as_dict(),
        },
        "by_header_style": {s: dict(c) for s, c in sorted(by_style.items())},
        "hard_negatives": {
            "columns": len(hard),
            "flagged": len(flagged),
            "flagged_columns": [_brief(h) for h in flagged],
        },
        "column_errors": [_brief(c) for c in errors],
        "cell_errors": cell_errors,
        "not_covered_columns": [_brief(c) for c in skipped],
        "replay_mismatches": mismatches,
        "environment": {"python": platform.python_version(), "polars": pl.__version__},
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _brief(entry: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("table", "column", "style", "hard_negative", "values", "expected", "predicted", "reason")
    return {k: entry[k] for k in keys if k in entry}


# ---------------------------------------------------------------------------------------------------------
# Output


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def markdown(results: Mapping[str, Any]) -> str:
    col, cell = results["column_level"], results["cell_level"]
    lines = [
        f"Labelled set: {results['tables']} tables × {results['rows_per_table']:,} rows (seed {results['seed']}), "
        f"{results['columns_scored']} columns and {results['cells_scored']:,} cells scored.",
        "",
        "| Entity | Columns | Col P | Col R | Col F1 | Cells | Cell P | Cell R | Cell F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in results["covered"]:
        c, k = col["per_entity"][e], cell["per_entity"][e]
        lines.append(
            f"| {e} | {c['support']} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])} | "
            f"{k['support']:,} | {_f(k['precision'])} | {_f(k['recall'])} | {_f(k['f1'])} |"
        )
    c, k = col["micro"], cell["micro"]
    lines.append(
        f"| **micro** | {c['support']} | {_f(c['precision'])} | {_f(c['recall'])} | **{_f(c['f1'])}** | "
        f"{k['support']:,} | {_f(k['precision'])} | {_f(k['recall'])} | **{_f(k['f1'])}** |"
    )
    hn = results["hard_negatives"]
    lines += ["", f"Hard-negative and decoy-header columns: {hn['columns']}, flagged: **{hn['flagged']}**."]
    for h in hn["flagged_columns"]:
        lines.append(f"- `{h['table']}.{h['column']}` ({h['hard_negative']}) → {_fmt_set(h['predicted'])}")
    styles = results["by_header_style"]
    lines += [
        "",
        "| Header style | Columns | Decided exactly right |",
        "|---|---:|---:|",
        *(f"| {s} | {c['columns']} | {c.get('correct', 0)} |" for s, c in styles.items()),
    ]
    other = [e for e in results["column_errors"] if not e.get("hard_negative")]
    if other:
        lines += ["", "Other column errors (expected → predicted):"]
        lines += [
            f"- `{e['table']}.{e['column']}`: {_fmt_set(e['expected'])} → {_fmt_set(e['predicted'])}" for e in other
        ]
    if results["not_covered"]:
        lines += [
            "",
            f"Not covered (no recognizer at run time, {len(results['not_covered_columns'])} columns left out): "
            + ", ".join(results["not_covered"])
            + ".",
        ]
    if results["replay_mismatches"]:
        lines += ["", f"**Cell replay disagrees with the profiles in {len(results['replay_mismatches'])} places.**"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=2000, help="rows per table (default 2,000)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the tables and their labels")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="JSON file for the figures")
    parser.add_argument("--batch-rows", type=int, default=500, help="rows per batch in the pipeline (default 500)")
    args = parser.parse_args(argv)
    results = evaluate(args.out, seed=args.seed, rows=args.rows, batch_rows=args.batch_rows)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(markdown(results))
    print(f"\n{results['seconds']} s; figures in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
