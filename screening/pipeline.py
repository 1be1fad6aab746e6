"""Wiring only: read -> detect -> profile -> classify -> act -> write -> verify -> report."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from recognizers import Recognizer, all_recognizers, by_entity
from screening import io
from screening.assessment import assess
from screening.classify import classify
from screening.detect import EXAMPLES_PER_ENTITY, NER_SAMPLE_CELLS, Detector, normalised
from screening.errors import ConfigError, InputError, OutputError
from screening.model import Action, Classification, ColumnProfile, DatasetInfo
from screening.operators import (
    GENERIC_MASK,
    KEYED,
    generalize_expr,
    key_id,
    mask_expr,
    mask_value,
    pseudonymize_series,
)
from screening.policy import SPAN_OPERATORS, Override, choose_action
from screening.profile import decide
from screening.report import build_report, column_entry
from screening.risk import K_THRESHOLD, GroupCounter, QuasiIdentifier, infer_quasi_identifiers, suggest
from screening.rules import RulePack, load_pack
from screening.textpool import MIN_TEXTS as TEXTS_FOR_WORKERS
from screening.textpool import text_workers

FIRST_BATCH_ROWS = 20_000
"""Rows of a scan's first batch of a CSV file (the others have ``Options.batch_rows``)."""
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
Progress = Callable[[str, int], Callable[[int], None]]
"""progress(label, total) -> advance(done_so_far); the CLI supplies a progress bar, the library none."""


@dataclass
class Options:
    pack: RulePack = field(default_factory=load_pack)
    encoding: str | None = None
    batch_rows: int = 100_000
    ner_sample: int = NER_SAMPLE_CELLS
    fail_on: int | None = None
    overrides: dict[str, Override] = field(default_factory=dict)
    key: bytes | None = None
    output_format: str | None = None
    workers: int = 2
    progress: Progress | None = None
    today: dt.date | None = None
    """The scan date (ages of ID holders); None = today."""
    qi: tuple[str, ...] = ()
    """Declared quasi-identifier columns (others are inferred from the column decisions)."""
    k: int = K_THRESHOLD
    sensitive_attr: str | None = None
    """Column whose l-diversity is reported."""
    sample: int = 0
    """``run``: rows of the registration sample (0 = none)."""
    sample_mode: str = "head"
    seed: int = 0


@dataclass
class Screening:
    """The result of the scan pass over one file."""

    info: DatasetInfo
    rows: int
    sha256: str
    profiles: list[ColumnProfile]
    classifications: list[Classification]
    actions: list[Action]
    seconds: float
    assessment: dict[str, Any] = field(default_factory=dict)

    def report(self, opts: Options) -> dict[str, Any]:
        cols = [
            column_entry(p, c, a) for p, c, a in zip(self.profiles, self.classifications, self.actions, strict=True)
        ]
        return build_report(
            self.info, self.rows, self.sha256, cols, opts.pack, opts.fail_on, self.seconds, self.assessment or None
        )


def expand_paths(paths: Sequence[str | Path]) -> list[tuple[Path, Path]]:
    """Each input file with the folder it is reported relative to; a folder contributes every data file below it."""
    out: list[tuple[Path, Path]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            )
            if not found:
                raise InputError(p, "folder holds no .csv or .parquet file")
            out += [(f, p) for f in found]
        else:
            out.append((p, p.parent))
    return out


# ------------------------------------------------------------------------------------------------ scan
def screen(path: Path, opts: Options) -> Screening:
    """Pass 1: every row of every column through the detectors; one decision per column."""
    t0 = time.perf_counter()
    info = io.open_source(path, encoding=opts.encoding)
    recs = with_pack_headers(all_recognizers(), opts.pack)
    today = opts.today or dt.date.today()
    detector = Detector(info.columns, recs, ner_sample=opts.ner_sample, today=today)
    rows = 0
    # The NER model holds the GIL for much of its work: in a thread it would slow the column threads, so the
    # name sample runs in a process of its own (forked on Linux, so it starts at once).
    with ThreadPoolExecutor(max_workers=1) as pool, _ner_pool() as ner_pool, contextlib.closing(detector):
        sha: Future[str] = pool.submit(io.sha256_file, path)
        ner: dict[str, Future[tuple[Counter[str], list[tuple[str, str]]]]] = {}

        def submit_samples(final: bool) -> None:
            """Send a free-text column's name sample off once it is full (or the file has ended)."""
            for name, ev in detector.evidence.items():
                full = len(ev.ner_sample) >= opts.ner_sample
                if ev.mode == "free_text" and name not in ner and ev.ner_sample and (full or final):
                    ner[name] = ner_pool.submit(_ner_counts, ev.ner_sample)

        advance = opts.progress(f"scan {path.name}", io.progress_total(info)) if opts.progress else None
        # A small first batch: the columns' first look and probes start while the reader goes on.
        batches = io.iter_batches(info, batch_rows=opts.batch_rows, on_progress=advance, first_rows=FIRST_BATCH_ROWS)
        for batch in read_ahead(batches):
            rows += batch.height
            detector.observe(batch, wait=False)
            if (
                rows == batch.height
                and opts.ner_sample
                and any(ev.mode == "free_text" for ev in detector.evidence.values())
            ):
                # Let the name worker load the NER model while the rest of the file is screened.
                ner_pool.submit(_ner_warm_up)
            submit_samples(final=False)
        detector.finish()
        submit_samples(final=True)
        profiles = []
        for name in info.columns:
            ev = detector.evidence[name]
            counts: Counter[str] = Counter()
            if name in ner:
                counts, examples = ner[name].result()
                for entity, ex in examples:
                    have = ev.examples.setdefault(entity, [])
                    if len(have) < EXAMPLES_PER_ENTITY:
                        have.append(ex)
            profiles.append(decide(ev, recs, dict(counts)))
        digest = sha.result()
    classes = [classify(p, opts.pack) for p in profiles]
    actions = [choose_action(p, c, opts.pack, opts.overrides) for p, c in zip(profiles, classes, strict=True)]
    assessment = assess(profiles, classes, detector.evidence, opts.pack, rows, today)
    return Screening(info, rows, digest, profiles, classes, actions, time.perf_counter() - t0, assessment)


def with_pack_headers(recs: tuple[Recognizer, ...], pack: RulePack) -> tuple[Recognizer, ...]:
    """The recognizers with the header words a rule pack adds (``headers:`` in a pack layer)."""
    if not pack.extra_headers:
        return recs
    return tuple(
        dataclasses.replace(r, headers=r.headers + tuple(w.lower() for w in pack.extra_headers.get(r.entity, ())))
        for r in recs
    )


def read_ahead(batches: Iterator[pl.DataFrame], depth: int = 1) -> Generator[pl.DataFrame, None, None]:
    """Read the next batch on a thread while the caller works on this one (the readers release the GIL)."""
    import queue
    import threading

    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pump() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                box.put(("batch", batch))
            box.put(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            box.put(("error", exc))

    thread = threading.Thread(target=pump, name="screening-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue, then let it finish
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(0.05)


@contextlib.contextmanager
def _ner_pool() -> Iterator[Executor]:
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))
    # Start the worker now, while this process is small: forking it later, from a process grown to
    # hundreds of MB, cost seconds of system time in copy-on-write faults.
    pool.submit(int)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ner_warm_up() -> None:
    from screening.ner_model import find_entities

    find_entities(["预热"])  # loads the model (spaCy import, weights) while the file is being read


def _ner_counts(sample: list[str]) -> tuple[Counter[str], list[tuple[str, str]]]:
    """Cells of the sample containing each model-based entity, and masked examples of them.

    The NER model and its rules alone (``screening.ner_model``), without Presidio: the same spans ``run`` finds
    through Presidio, minus its start-up; identifiers are counted over every row by the column path. A bare
    place name (北京) is not counted as an address: only CN_ADDRESS spans with address detail are."""
    from screening.ner_model import find_entities, is_personal

    vocab = {r.entity: r for r in all_recognizers() if r.kind == "vocabulary"}
    counts: Counter[str] = Counter()
    examples: list[tuple[str, str]] = []
    # The model sees each distinct text once (templated remarks repeat: 738 distinct in the benchmark's first 1,000).
    distinct = list(dict.fromkeys(sample))
    found = dict(zip(distinct, find_entities(distinct), strict=True))
    for text in sample:
        spans = found[text]
        kept = [s for s in spans if s.entity in vocab and is_personal(s)]
        counts.update({s.entity for s in kept})
        for s in kept:
            if sum(1 for e, _ in examples if e == s.entity) < EXAMPLES_PER_ENTITY:
                examples.append((s.entity, mask_value(text[s.start : s.end], vocab[s.entity].mask)))
    return counts, examples


def scan_file(path: Path, opts: Options) -> dict[str, Any]:
    return screen(path, opts).report(opts)


# ------------------------------------------------------------------------------------------------- run
def output_paths(path: Path, root: Path, out_dir: Path, fmt: str) -> tuple[Path, Path]:
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    data = out_dir / rel.with_suffix(".parquet" if fmt == "parquet" else ".csv")
    return data, data.with_name(data.stem + ".report")


def run_file(path: Path, root: Path, out_dir: Path, opts: Options) -> tuple[dict[str, Any], Path]:
    """Scan, desensitise every row into ``out_dir`` (atomically), re-scan the output, report."""
    t0 = time.perf_counter()
    s = screen(path, opts)
    fmt = opts.output_format or s.info.format
    data_path, report_stem = output_paths(path, root, out_dir, fmt)
    if data_path.resolve() == path.resolve():
        raise OutputError(data_path, "the output would overwrite the input; choose another --out folder")
    keyed = [f"{p.name} ({a.operator})" for p, a in zip(s.profiles, s.actions, strict=True) if a.operator in KEYED]
    if keyed and opts.key is None:
        raise ConfigError(None, f"{', '.join(keyed)} needs a key: set SCREENING_KEY or pass --key-file")
    data_path.parent.mkdir(parents=True, exist_ok=True)
    plan = [_Step(p.name, a, p) for p, a in zip(s.profiles, s.actions, strict=True)]
    advance = opts.progress(f"run {path.name}", io.progress_total(s.info)) if opts.progress else None
    source = read_ahead(io.iter_batches(s.info, batch_rows=opts.batch_rows, on_progress=advance))
    # encrypt keeps the format on purpose (a phone stays a valid phone number): the verifier cannot tell its
    # output from raw values, so those columns are not re-scanned; nor are the columns redact drops.
    changed = tuple(
        st.name
        for st in plan
        if st.action.operator != "keep"
        and not (st.action.operator == "encrypt" and st.profile.kind != "free_text")
        and not (st.action.operator == "redact" and st.action.params.get("drop"))
    )
    # The verifier looks for raw identifiers only (see _residual): names and places are not re-estimated.
    verifier = Detector(
        changed, tuple(r for r in all_recognizers() if r.kind == "identifier"), ner_sample=0, masked_forms=False
    )

    missing = [
        c for c in (*opts.qi, *([opts.sensitive_attr] if opts.sensitive_attr else [])) if c not in s.info.columns
    ]
    if missing:
        raise ConfigError(None, f"--qi/--sensitive-attr: no column named {missing[0]!r} in {path}")
    qis = infer_quasi_identifiers(s.profiles, opts.qi)
    # the input's groups need only counting (hashes); the output's keep their values for the suggestions
    before = GroupCounter(qis, opts.sensitive_attr, keep_values=False)
    after = GroupCounter(qis, opts.sensitive_attr)
    sampler = Sampler(opts.sample, opts.sample_mode, opts.seed) if opts.sample else None

    # the registration prefill's field types and date ranges, from this pass instead of one more read of the input
    from screening.registration import Measurer, prefill, sample_rows

    measurer = Measurer([column_entry(*c) for c in zip(s.profiles, s.classifications, s.actions, strict=True)])

    def count(batch: pl.DataFrame) -> None:
        before.add(batch)
        if measurer.wants_more:
            measurer.add(batch)

    def process(batch: pl.DataFrame, side: ThreadPoolExecutor) -> pl.DataFrame:
        counted = side.submit(count, batch)  # beside the operators: both are mostly polars, without the GIL
        out = _apply(batch, plan, opts)
        if changed:
            # counted on the detector's threads while the writer and the next batch go on
            verifier.observe(out.select([c for c in changed if c in out.columns]), wait=False)
        after.add(out)
        if sampler is not None:
            sampler.add(out)
        counted.result()
        return out

    encoding = s.info.encoding or "utf-8"
    # A column left as it was keeps its Parquet type (a number stays a number); what an operator wrote is text.
    kept = {st.name for st in plan if st.action.operator == "keep"}
    types = {c: t for c, t in io.parquet_types(s.info).items() if c in kept} if fmt == "parquet" else {}
    texts = sum(st.profile.non_null for st in plan if _spans_masked(st))
    try:
        with (
            text_workers(opts.workers if texts >= TEXTS_FOR_WORKERS else 1, opts.key),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="screening-groups") as side,
        ):
            # The next batch is desensitised on a thread while this one is written (polars' writer releases
            # the GIL). Closed before the pools are: the thread stops after its batch, and so does the reader.
            desensitised = read_ahead(process(b, side) for b in source)
            digest = hashlib.sha256() if fmt == "csv" else None  # hashed as written
            try:
                written = io.write_batches(
                    desensitised,
                    data_path,
                    fmt,
                    encoding=encoding,
                    delimiter=s.info.delimiter or ",",
                    protect=[path],
                    digest=digest,
                    types=types,
                )
            finally:
                desensitised.close()
                source.close()
    except BaseException:
        verifier.close()  # the first error is the one to report
        raise
    verifier.finish()
    report = s.report(opts)
    sha = digest.hexdigest() if digest is not None else io.sha256_file(data_path)
    report["output"] = {"path": str(data_path), "format": fmt, "rows": written, "sha256": sha}
    if keyed and opts.key is not None:
        report["output"]["key_id"] = key_id(opts.key)
    report["residual"] = _residual(verifier, s)
    report["risk"] = _risk(qis, before, after, opts.k)
    before.close()  # its spilled group runs, if any
    if sampler is not None:
        sample_path = data_path.with_name(data_path.stem + ".sample" + data_path.suffix)
        frame = sampler.result()
        rows = io.write_batches(
            [frame], sample_path, fmt, encoding=encoding, delimiter=s.info.delimiter or ",", protect=[path], types=types
        )
        report["sample"] = {
            "path": str(sample_path),
            "rows": rows,
            "mode": opts.sample_mode,
            "seed": opts.seed if opts.sample_mode == "random" else None,
            "sha256": io.sha256_file(sample_path),
        }
    report["registration"] = prefill(report, measurer.result(), None, sample_rows(report))
    report["timing"]["seconds"] = round(time.perf_counter() - t0, 3)
    return report, report_stem


def _risk(qis: list[QuasiIdentifier], before: GroupCounter, after: GroupCounter, k: int) -> dict[str, Any]:
    """k-anonymity (and l-diversity) of the quasi-identifiers in the input and in the desensitised output."""
    if not qis:
        return {"quasi_identifiers": [], "threshold": k, "before": None, "after": None, "suggestion": []}
    return {
        "quasi_identifiers": [{"name": q.name, "column": q.column, "derived": q.derive} for q in qis],
        "threshold": k,
        "before": before.summary(k),
        "after": after.summary(k),
        "suggestion": suggest(after, k),
    }


class Sampler:
    """The registration sample (样例数据) of the desensitised rows: the first ``n``, or a seeded uniform random
    sample of ``n`` rows (each row gets a random key; the ``n`` smallest keys are kept, so memory is ``n`` rows
    plus one batch)."""

    def __init__(self, n: int, mode: str, seed: int) -> None:
        if mode not in ("head", "random"):
            raise ConfigError(None, f"--sample-mode {mode!r}: use head or random")
        self.n, self.mode = n, mode
        self.rng = np.random.default_rng(seed)
        self.kept: pl.DataFrame | None = None
        self.seen = 0

    def add(self, df: pl.DataFrame) -> None:
        if self.mode == "head":
            if self.kept is None or self.kept.height < self.n:
                need = self.n - (0 if self.kept is None else self.kept.height)
                part = df.head(need)
                self.kept = part if self.kept is None else pl.concat([self.kept, part])
            return
        keyed = df.with_columns(pl.Series("__key", self.rng.random(df.height)), pl.lit(self.seen).alias("__pos"))
        keyed = keyed.with_columns(pl.col("__pos") + pl.int_range(pl.len()))
        self.seen += df.height
        both = keyed if self.kept is None else pl.concat([self.kept, keyed])
        self.kept = both.sort("__key").head(self.n)

    def result(self) -> pl.DataFrame:
        assert self.kept is not None
        if self.mode == "random":  # in file order
            return self.kept.sort("__pos").drop("__key", "__pos")
        return self.kept


@dataclass(frozen=True)
class _Step:
    name: str
    action: Action
    profile: ColumnProfile


def _mask_spec(entity: str | None, params: dict[str, Any]) -> dict[str, Any]:
    recs = by_entity()
    base = dict(recs[entity].mask) if entity in recs else dict(GENERIC_MASK)
    extra = {k: v for k, v in params.items() if k in ("keep_head", "keep_tail", "mask_char")}
    if params.get("bin") and entity in (None, "CN_BANK_CARD", "BANK_ACCOUNT"):  # BIN + last 4 (PCI DSS)
        extra = {"keep_head": 6, "keep_tail": 4, **extra}
    if extra.keys() - {"mask_char"} and base.get("style") != "head_tail":
        base = {"style": "head_tail", **{k: v for k, v in base.items() if k != "style"}}
    return {**base, **extra}


def _structured_expr(step: _Step) -> pl.Expr:
    """The operator of a structured column, on its cells as screened (``normalised``, already in the column)."""
    a, p = step.action, step.profile
    v = pl.col(step.name)
    if a.operator == "redact":
        return pl.lit(None, dtype=pl.String).alias(step.name)
    if a.operator == "generalize":
        params = {k: x for k, x in a.params.items() if k != "to"}
        return generalize_expr(v, a.params.get("to", "year"), **params).alias(step.name)
    # mask: each cell after the convention of the entity it validates as (a mixed column has several)
    recs = by_entity()
    members = [e for e in p.entities if e in recs]
    fallback = mask_expr(v, _mask_spec(p.entity, a.params))
    if len(members) <= 1:
        return fallback.alias(step.name)
    chain: Any = pl
    for e in sorted(members, key=lambda e: recs[e].priority):
        rec = recs[e]
        m = v.str.extract(rec.pattern, 0)
        ok = (m == v).fill_null(False)
        if rec.valid_expr is not None:
            ok = ok & rec.valid_expr(m).fill_null(False)
        chain = chain.when(ok).then(mask_expr(v, _mask_spec(e, a.params)))
    return chain.otherwise(fallback).alias(step.name)


def _spans_masked(step: _Step) -> bool:
    """A free-text column whose operator replaces the spans found in its cells."""
    return step.action.operator in SPAN_OPERATORS and step.profile.kind == "free_text"


def _apply(df: pl.DataFrame, plan: list[_Step], opts: Options) -> pl.DataFrame:
    """One batch through every column's operator; ``redact`` with ``drop`` leaves the column out."""
    steps = [st for st in plan if not (st.action.operator == "redact" and st.action.params.get("drop"))]
    spans = {st.name for st in steps if _spans_masked(st)}
    exprs: list[pl.Expr] = []
    operated: list[str] = []
    for step in steps:
        op = step.action.operator
        if op == "keep" or op in KEYED or step.name in spans:
            exprs.append(pl.col(step.name))
        else:
            exprs.append(_structured_expr(step))
            operated.append(step.name)
    # An operator refers to its input several times and an eager select evaluates each reference: normalise once.
    out = df.with_columns(normalised(c) for c in operated).select(exprs)
    for step in steps:
        op, params = step.action.operator, step.action.params
        if step.name in spans:
            texts = out.get_column(step.name).to_list()
            out = out.with_columns(pl.Series(step.name, _mask_free_text(texts, opts, op, params), dtype=pl.String))
        elif op in KEYED:
            assert opts.key is not None
            s = out.get_column(step.name).str.strip_chars()
            if op == "pseudonymize":
                out = out.with_columns(pseudonymize_series(s, opts.key, params.get("hash", "sha256")).alias(step.name))
            else:
                from screening.fpe import encrypt_series  # ff3 and cryptography load only when used

                out = out.with_columns(encrypt_series(s, opts.key).alias(step.name))
    return out


def _mask_free_text(
    texts: list[str | None], opts: Options, operator: str = "mask", params: dict[str, Any] | None = None
) -> list[str | None]:
    """Every cell: spans found by the Presidio analyzer, replaced with each entity's mask, or with a keyed
    pseudonym, or with an ``encrypt`` token (``e_…``, which ``screening reveal`` finds in the text again); in the
    run's text workers when they are open (``screening.textpool``)."""
    from screening.textpool import mask

    return mask(texts, operator, params or {}, opts.key)


def _residual(verifier: Detector, s: Screening) -> dict[str, Any]:
    """Every desensitised batch went through the same detectors on its way to the writer: any identifier
    that still validates in a column where an operator was applied is a raw value left behind."""
    recs = by_entity()
    exact = {e for e, r in recs.items() if r.kind == "identifier"}
    left = []
    for profile in s.profiles:
        ev = verifier.evidence.get(profile.name)
        if ev is None:
            continue
        # Identifiers are checked exactly; vocabulary shapes (names, places) are only estimated by the NER.
        # An entity that needs its header counts only in the column decided as it.
        raw = {
            e: n
            for e, n in ev.valid.items()
            if n and e in exact and (not recs[e].header_required or e == profile.entity)
        }
        if raw:
            left.append({"name": profile.name, "entities": raw})
    return {"clean": not left, "columns": left}


# ------------------------------------------------------------------------ after run: registration, manifest
def after_run(report: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """Give a run's registration prefill (``screening.registration``, made by :func:`run_file` from its pass over
    the input) the dataset name chosen with ``--name``."""
    if name:
        report["registration"]["name"], report["registration"]["name_source"] = name, "option"
    return report


def write_manifest(report: dict[str, Any], report_files: Sequence[Path], path: Path) -> dict[str, Any]:
    """Write the evidence manifest (``screening.manifest``) of a run once its reports are written."""
    from screening import manifest

    data = manifest.for_run(report, report_files, path)
    with io.atomic_output(path) as tmp:
        tmp.write_text(manifest.to_json(data), encoding="utf-8")
    return data
