"""Batch -> per-column evidence, vectorised: every row of every column goes through polars expressions.

Per batch and column the work is one ``select``:

* cheap statistics (non-empty cells, characters, full-width characters present);
* for each *active* probe (an entity pattern, or the masked form of one, that has hit in this column
  before), the full-match count and the validated count, or for free text the cells that contain a
  validated match;
* one combined alternation of all *inactive* probes: a column with no new kind of value costs one regex
  pass. When it fires, the column is evaluated again with every probe and the new ones become active.

On the first batch every probe is active, so the active set starts from what the data holds.
Counting is exclusive by priority in structured columns: a value that validates as an ID number is not
also counted as a bank card or a credit code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from recognizers import Recognizer
from screening.operators import mask_value

Mode = Literal["structured", "free_text"]

EXAMPLES_PER_ENTITY = 3
NER_SAMPLE_CELLS = 1000
"""Free text: names, places and organisations are estimated on the first this-many non-empty cells in scan."""
FREE_TEXT_MIN_CHARS = 15.0
FREE_TEXT_MIN_DISTINCT = 0.5
FREE_TEXT_MIN_CJK = 0.3
_FULLWIDTH = "[\uff01-\uff5e\u3000]"
_CJK = "[\u4e00-\u9fff]"


@dataclass(frozen=True)
class Probe:
    """One thing counted per column: an entity's values, or its already-masked values."""

    key: str
    rec: Recognizer
    masked: bool = False

    def full_pattern(self) -> str:
        if self.masked:
            return self.rec.masked_pattern or "$^"
        return f"^(?:{self.rec.pattern})$"


def build_probes(recognizers: tuple[Recognizer, ...]) -> tuple[Probe, ...]:
    probes = [Probe(r.entity, r) for r in recognizers]
    probes += [Probe(f"{r.entity}#masked", r, True) for r in recognizers if r.masked_pattern]
    return tuple(probes)


@dataclass
class ColumnEvidence:
    """Counters for one column, accumulated over every batch."""

    name: str
    rows: int = 0
    non_null: int = 0
    chars: int = 0
    max_chars: int = 0
    mode: Mode | None = None
    cjk_share: float = 0.0
    distinct_share: float = 0.0
    active: set[str] = field(default_factory=set)
    shaped: Counter[str] = field(default_factory=Counter)
    """Structured: cells whose whole value has the entity's shape (before validation)."""
    valid: Counter[str] = field(default_factory=Counter)
    """Structured: cells whose whole value validates (exclusive by priority); free text: cells containing one."""
    matches: Counter[str] = field(default_factory=Counter)
    """Free text: validated matches in all cells."""
    masked: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    """Masked examples per entity (never raw)."""
    ner_sample: list[str] = field(default_factory=list)

    @property
    def avg_chars(self) -> float:
        return self.chars / self.non_null if self.non_null else 0.0


def normalised(name: str) -> pl.Expr:
    """Cell text as screened: stripped, empty -> null."""
    v = pl.col(name).str.strip_chars()
    return pl.when(v.str.len_bytes() > 0).then(v).otherwise(None)


class Detector:
    """Accumulates evidence for every column of one dataset, batch by batch."""

    def __init__(
        self, columns: tuple[str, ...], recognizers: tuple[Recognizer, ...], ner_sample: int = NER_SAMPLE_CELLS
    ):
        self.recognizers = recognizers
        self.probes = build_probes(recognizers)
        self.by_key = {p.key: p for p in self.probes}
        self.columns = columns
        self.ner_sample_cells = ner_sample
        self.evidence = {c: ColumnEvidence(c, active={p.key for p in self.probes}) for c in columns}

    # ------------------------------------------------------------------------------------------ batch
    def observe(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        cols = [f"c{i}" for i in range(df.width)]
        df = df.rename(dict(zip(df.columns, cols, strict=True)))
        stats = df.select([e for c in cols for e in _stat_exprs(c)]).row(0, named=True)
        fullwidth = {c for c in cols if stats[f"{c}|fw"]}
        new_mode = [
            c
            for c, name in zip(cols, self.columns, strict=True)
            if self.evidence[name].mode is None and stats[f"{c}|nn"] > 0
        ]
        if new_mode:
            self._first_look(df, new_mode)
        norm = df.select([self._norm(c, c in fullwidth) for c in cols])
        exprs: list[pl.Expr] = []
        row_exprs: list[pl.Expr] = []
        for c, name in zip(cols, self.columns, strict=True):
            ev = self.evidence[name]
            ev.rows += df.height
            ev.non_null += stats[f"{c}|nn"]
            ev.chars += stats[f"{c}|chars"] or 0
            ev.max_chars = max(ev.max_chars, stats[f"{c}|max"] or 0)
            if stats[f"{c}|nn"]:
                r, a = self._probe_exprs(c, ev, ev.active)
                row_exprs += r
                exprs += a
                inactive = [p for p in self.probes if p.key not in ev.active and self._applies(p, ev)]
                if inactive:
                    alt = "|".join(f"(?:{self._prefilter(p, ev)})" for p in inactive)
                    exprs.append(pl.col(c).str.contains(alt).any().alias(f"{c}|new"))
        if not exprs:
            return
        out = norm.with_columns(row_exprs).select(exprs).row(0, named=True)
        again = [c for c in cols if out.get(f"{c}|new")]
        for c, name in zip(cols, self.columns, strict=True):
            if c not in again:
                self._absorb(c, self.evidence[name], self.evidence[name].active, out)
        if again:
            # New kinds of values in these columns: evaluate them with every probe and widen the active set.
            redo_rows: list[pl.Expr] = []
            redo: list[pl.Expr] = []
            for c in again:
                ev = self.evidence[self.columns[cols.index(c)]]
                r, a = self._probe_exprs(c, ev, {p.key for p in self.probes})
                redo_rows += r
                redo += a
            out2 = norm.with_columns(redo_rows).select(redo).row(0, named=True)
            for c in again:
                ev = self.evidence[self.columns[cols.index(c)]]
                self._absorb(c, ev, {p.key for p in self.probes}, out2)
        self._sample_free_text(norm, cols)

    # ---------------------------------------------------------------------------------------- helpers
    @staticmethod
    def _norm(c: str, fullwidth: bool) -> pl.Expr:
        e = normalised(c)
        if fullwidth:  # NFKC costs ~0.6 s per million cells: only where full-width characters occur
            e = e.str.normalize("NFKC")
        return e.alias(c)

    def _first_look(self, df: pl.DataFrame, cols: list[str]) -> None:
        """Decide structured vs free text from the first 10,000 non-empty cells of a column."""
        head = df.head(10_000)
        exprs = []
        for c in cols:
            v = normalised(c).drop_nulls()
            exprs += [
                v.str.len_chars().mean().alias(f"{c}|avg"),
                (v.n_unique() / v.len()).alias(f"{c}|distinct"),
                (v.str.count_matches(_CJK).sum() / v.str.len_chars().sum()).alias(f"{c}|cjk"),
                (v.str.count_matches(" ").sum() / v.len()).alias(f"{c}|spaces"),
            ]
            vocab = [p for p in self.probes if p.rec.kind == "vocabulary" and not p.masked]
            if vocab:
                alt = "|".join(f"(?:{p.full_pattern()})" for p in vocab)
                exprs.append(v.str.contains(alt).mean().alias(f"{c}|vocab"))
        row = head.select(exprs).row(0, named=True)
        for c in cols:
            ev = self.evidence[self.columns[int(c[1:])]]
            avg, distinct = row[f"{c}|avg"] or 0.0, row[f"{c}|distinct"] or 0.0
            cjk, spaces = row[f"{c}|cjk"] or 0.0, row[f"{c}|spaces"] or 0.0
            ev.cjk_share, ev.distinct_share = cjk, distinct
            prose = cjk >= FREE_TEXT_MIN_CJK or spaces >= 2
            wholly_vocab = (row.get(f"{c}|vocab") or 0.0) >= 0.5
            free = avg >= FREE_TEXT_MIN_CHARS and distinct >= FREE_TEXT_MIN_DISTINCT and prose and not wholly_vocab
            ev.mode = "free_text" if free else "structured"

    @staticmethod
    def _applies(p: Probe, ev: ColumnEvidence) -> bool:
        # In free text the vocabulary entities come from the NER sample and masked forms are not counted.
        return ev.mode == "structured" or (p.rec.kind == "identifier" and not p.masked)

    @staticmethod
    def _prefilter(p: Probe, ev: ColumnEvidence) -> str:
        return p.full_pattern() if ev.mode == "structured" else p.rec.pattern

    def _probe_exprs(self, c: str, ev: ColumnEvidence, keys: set[str]) -> tuple[list[pl.Expr], list[pl.Expr]]:
        """Per-row expressions (materialised first, so that priority exclusion stays cheap) and aggregates."""
        probes = [p for p in self.probes if p.key in keys and self._applies(p, ev)]
        v = pl.col(c)
        rows: list[pl.Expr] = []
        aggs: list[pl.Expr] = []
        want_ex = {p.key for p in probes if len(ev.examples.get(p.rec.entity, ())) < EXAMPLES_PER_ENTITY}
        if ev.mode == "free_text":
            for p in probes:
                elem = pl.element()
                ok = _valid(p.rec, elem)
                for q in self.recognizers:  # a higher-priority entity claims the match first
                    if q.kind == "identifier" and q.priority < p.rec.priority and q.valid_expr is not None:
                        ok = ok & ~q.valid_expr(elem).fill_null(False)
                good = f"{c}|{p.key}|good"
                rows.append(v.str.extract_all(p.rec.pattern).list.eval(elem.filter(ok)).alias(good))
                n = pl.col(good).list.len()
                aggs += [(n > 0).sum().alias(f"{c}|{p.key}|valid"), n.sum().alias(f"{c}|{p.key}|matches")]
                if p.key in want_ex:
                    aggs.append(
                        pl.col(good).explode().drop_nulls().head(EXAMPLES_PER_ENTITY).implode().alias(f"{c}|{p.key}|ex")
                    )
            return rows, aggs
        claimed: list[pl.Expr] = []
        for p in probes:
            if p.masked:
                aggs.append(v.str.contains(p.full_pattern()).sum().alias(f"{c}|{p.key}|masked"))
                continue
            shaped_col = f"{c}|{p.key}|s"
            if p.rec.kind == "vocabulary":
                rows.append(v.str.contains(p.full_pattern()).fill_null(False).alias(shaped_col))
                valid = pl.col(shaped_col)
            else:
                m = v.str.extract(p.rec.pattern, 0)
                rows.append((m == v).fill_null(False).alias(shaped_col))
                rows.append(_valid(p.rec, m).alias(f"{c}|{p.key}|m"))
                valid = pl.col(shaped_col) & pl.col(f"{c}|{p.key}|m")
            own = valid & ~pl.any_horizontal(claimed) if claimed else valid
            claimed.append(valid)
            aggs += [pl.col(shaped_col).sum().alias(f"{c}|{p.key}|shaped"), own.sum().alias(f"{c}|{p.key}|valid")]
            if p.key in want_ex:
                aggs.append(v.filter(own).head(EXAMPLES_PER_ENTITY).implode().alias(f"{c}|{p.key}|ex"))
        return rows, aggs

    def _absorb(self, c: str, ev: ColumnEvidence, keys: set[str], out: dict) -> None:
        for p in self.probes:
            if p.key not in keys or not self._applies(p, ev):
                continue
            prefix = f"{c}|{p.key}|"
            if p.masked:
                n = out.get(prefix + "masked") or 0
                if n:
                    ev.masked[p.rec.entity] += n
                    ev.active.add(p.key)
                else:
                    ev.active.discard(p.key)
                continue
            valid = out.get(prefix + "valid") or 0
            shaped = out.get(prefix + "shaped") or 0
            matches = out.get(prefix + "matches") or 0
            ev.valid[p.rec.entity] += valid
            ev.shaped[p.rec.entity] += shaped
            ev.matches[p.rec.entity] += matches
            if valid or shaped or matches:
                ev.active.add(p.key)
            else:
                ev.active.discard(p.key)
            examples = out.get(prefix + "ex")
            if examples:
                have = ev.examples.setdefault(p.rec.entity, [])
                for raw in examples:
                    if raw is not None and len(have) < EXAMPLES_PER_ENTITY:
                        have.append(mask_value(raw, p.rec.mask))

    def _sample_free_text(self, norm: pl.DataFrame, cols: list[str]) -> None:
        for c, name in zip(cols, self.columns, strict=True):
            ev = self.evidence[name]
            need = self.ner_sample_cells - len(ev.ner_sample)
            if ev.mode == "free_text" and need > 0:
                ev.ner_sample += norm.get_column(c).drop_nulls().head(need).to_list()


def _valid(rec: Recognizer, e: pl.Expr) -> pl.Expr:
    return rec.valid_expr(e).fill_null(False) if rec.valid_expr is not None else e.is_not_null()


def _stat_exprs(c: str) -> list[pl.Expr]:
    v = normalised(c)
    n = v.str.len_chars()
    return [
        v.is_not_null().sum().alias(f"{c}|nn"),
        n.sum().alias(f"{c}|chars"),
        n.max().alias(f"{c}|max"),
        pl.col(c).str.contains(_FULLWIDTH).any().alias(f"{c}|fw"),
    ]
