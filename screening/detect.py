"""Batch -> per-column evidence. Every non-empty cell of every column is screened; Python touches only
the candidates a vectorised filter let through.

Per batch, two phases:

* phase A is one polars ``select`` over all columns, which polars evaluates in parallel with no Python in
  between: per column, the non-empty cells; per free-text column also the matches of one alternation of every
  identifier pattern;
* phase B counts per column (two threads). A structured column's probes (one per entity, one per entity's
  masked form) run in claim order: first the entities its header names, then by priority. Each probe sees
  only the cells no earlier probe claimed: its validator runs on them (numpy over the Arrow buffer for the
  checksums), and its shape regex on the ones the validator rejected. Counting is exclusive: a value that
  validates as an ID number is not also counted as a bank card or a credit code, and it is never offered to
  their validators. A value that counts only under a header naming its entity (an entity with
  ``header_required``, a value matching ``header_only_pattern``) claims its cell only under such a header;
  elsewhere it is counted but the entities after it still see it. An entity with ``header_required`` is not
  probed at all in a column whose header does not name it: there it would count nothing.

Only the *active* probes run on every batch: those whose shape occurred in the column so far (the first
batch probes every pattern on its first ``FIRST_LOOK_CELLS`` cells to start the set). One alternation of the
inactive probes over the cells they would have seen asks whether anything new turned up; a batch where it
did, or that holds full-width text, takes the general path: normalised (NFKC), every probe evaluated, the new
ones become active.

Free-text columns: one alternation of every identifier pattern extracts the candidates inside the cells;
each candidate goes to the first entity, by priority, whose shape and validator it passes. Names, places
and organisations are left to the NER sample (see ``screening.pipeline``).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from recognizers import Recognizer, preceded_by
from recognizers._common import ascii_matrix, shared_buffers, utf8_buffers
from screening.operators import mask_value
from screening.persons import PersonSketch, hashes

Mode = Literal["structured", "free_text"]

EXAMPLES_PER_ENTITY = 3
FIRST_LOOK_CELLS = 1_000
"""Cells a column's first batch is probed on with every pattern, to pick the patterns to run on every row."""
NER_SAMPLE_CELLS = 1000
"""Free text: names, places and organisations are estimated on the first this-many non-empty cells in scan."""
FREE_TEXT_MIN_CHARS = 15.0
FREE_TEXT_MIN_DISTINCT = 0.5
FREE_TEXT_MIN_CJK = 0.3
_FULLWIDTH = "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0a\uff0b\uff0d\uff0e\u3000]"
"""Full-width digits, letters, ＠ ＊ ＋ － ． and the ideographic space: what NFKC must fold before identifiers
match. Full-width punctuation (，：（）) is ordinary in Chinese text and needs no normalising."""
_CJK = "[\u4e00-\u9fff]"

# The UTF-8 bytes of _FULLWIDTH: EF BC xx (U+FF00-FF3F), EF BD xx (U+FF40-FF7F), E3 80 80 (U+3000).
_WIDE_BC = np.zeros(256, dtype=bool)
_WIDE_BC[[0x8A, 0x8B, 0x8D, 0x8E, *range(0x90, 0x9A), *range(0xA0, 0xBB)]] = True  # ＊＋－． ０-９ ＠Ａ-Ｚ
_WIDE_BD = np.zeros(256, dtype=bool)
_WIDE_BD[0x81:0x9B] = True  # ａ-ｚ


_SPACE_LEAD = np.zeros(256, dtype=bool)
_SPACE_LEAD[[0xC2, 0xE1, 0xE2, 0xE3]] = True
"""First bytes of the non-ASCII whitespace characters."""
_SPACE_END = np.zeros(256, dtype=bool)
_SPACE_END[[0x85, 0xA0, *range(0x80, 0x8B), 0xA8, 0xA9, 0xAF, 0x9F]] = True
"""Last bytes of the non-ASCII whitespace characters."""


def _is_ascii_space(b: np.ndarray) -> np.ndarray:
    return (b == 0x20) | ((b >= 0x09) & (b <= 0x0D))


def _is_space_tail(b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """The last two bytes of a 3-byte whitespace character E2 80 xx / E2 81 9F (U+2000-200A, 2028, 2029, 202F,
    205F), given E2 before them."""
    return ((b1 == 0x80) & (((b2 >= 0x80) & (b2 <= 0x8A)) | (b2 == 0xA8) | (b2 == 0xA9) | (b2 == 0xAF))) | (
        (b1 == 0x81) & (b2 == 0x9F)
    )


def scan_bytes(v: pl.Series) -> tuple[bool, bool]:
    """Two facts about a column of text, read from its UTF-8 bytes with numpy rather than two regex passes (the
    regex engine has no fast scan for a class of multi-byte characters):

    * does any cell hold a character of ``_FULLWIDTH`` (to be folded by NFKC)?
    * does any cell begin or end with whitespace (what ``str.strip_chars`` removes: Unicode White_Space)?
    """
    _, offsets, data = utf8_buffers(v)
    if not len(data):
        return False, False
    wide = False
    ascii_only = int(data.max()) < 0x80  # most identifier columns: neither scan below can find anything
    if not ascii_only:
        lead = np.flatnonzero(data[:-2] == 0xEF)
        if len(lead):
            b1, b2 = data[lead + 1], data[lead + 2]
            wide = bool(((b1 == 0xBC) & _WIDE_BC[b2] | (b1 == 0xBD) & _WIDE_BD[b2]).any())
        if not wide:
            lead = np.flatnonzero(data[:-2] == 0xE3)
            wide = bool(len(lead) and ((data[lead + 1] == 0x80) & (data[lead + 2] == 0x80)).any())
    # First and last bytes of each non-empty value; reads past a short value's end (clipped to the buffer) can
    # only find whitespace that is not there, which costs a strip, never a missed one. Only values that begin
    # or end with a byte of a non-ASCII space are looked at closer (in a CJK column, a few).
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    starts, last = starts[filled], ends[filled] - 1
    top = len(data) - 1
    h0, t0 = data[starts], data[last]
    if (_is_ascii_space(h0) | _is_ascii_space(t0)).any():
        return wide, True
    if ascii_only:
        return wide, False
    at = starts[_SPACE_LEAD[h0]]
    if len(at):
        h0, h1, h2 = data[at], data[np.minimum(at + 1, top)], data[np.minimum(at + 2, top)]
        if (
            (h0 == 0xC2) & ((h1 == 0x85) | (h1 == 0xA0))
            | (h0 == 0xE1) & (h1 == 0x9A) & (h2 == 0x80)
            | (h0 == 0xE2) & _is_space_tail(h1, h2)
            | (h0 == 0xE3) & (h1 == 0x80) & (h2 == 0x80)
        ).any():
            return wide, True
    at = last[_SPACE_END[t0]]
    if len(at):
        t0, t1, t2 = data[at], data[np.maximum(at - 1, 0)], data[np.maximum(at - 2, 0)]
        edges = bool(
            (
                (t1 == 0xC2) & ((t0 == 0x85) | (t0 == 0xA0))
                | (t2 == 0xE1) & (t1 == 0x9A) & (t0 == 0x80)
                | (t2 == 0xE2) & _is_space_tail(t1, t0)
                | (t2 == 0xE3) & (t1 == 0x80) & (t0 == 0x80)
            ).any()
        )
        return wide, edges
    return wide, False


@dataclass(frozen=True)
class Probe:
    """One thing counted per column: an entity's values, or its already-masked values."""

    key: str
    rec: Recognizer
    masked: bool = False

    def full_pattern(self) -> str:
        """The whole cell, blanks around it allowed."""
        if self.masked:
            inner = (self.rec.masked_pattern or "$^").removeprefix("^").removesuffix("$")
            return f"^\\s*(?:{inner})\\s*$"
        return f"^\\s*(?:{self.rec.pattern})\\s*$"


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
    first_look_chars: float = 0.0
    mode: Mode | None = None
    cjk_share: float = 0.0
    distinct_share: float = 0.0
    active: set[str] = field(default_factory=set)
    shaped: Counter[str] = field(default_factory=Counter)
    """Structured: cells whose whole value has the entity's shape (before validation)."""
    open_shaped: Counter[str] = field(default_factory=Counter)
    """Structured: shaped cells that no higher-priority entity had claimed (what the validator saw)."""
    valid: Counter[str] = field(default_factory=Counter)
    """Structured: cells whose whole value validates (exclusive by priority); free text: cells containing one."""
    matches: Counter[str] = field(default_factory=Counter)
    """Free text: validated matches in all cells."""
    header_only: Counter[str] = field(default_factory=Counter)
    """Structured: valid cells (included in ``valid``) that count only under a header naming the entity
    (``Recognizer.header_only_pattern``)."""
    masked: Counter[str] = field(default_factory=Counter)
    offered: Counter[str] = field(default_factory=Counter)
    """Structured: cells offered to each probe's validator (how the next batch orders shape and validator)."""
    examples: dict[str, list[str]] = field(default_factory=dict)
    """Masked examples per entity (never raw)."""
    ner_sample: list[str] = field(default_factory=list)
    persons: dict[str, PersonSketch] = field(default_factory=dict)
    """Per person-identifying entity (ID number, mobile), a sketch of the distinct valid values."""
    minors: int = 0
    """Valid ID numbers whose birth date makes the person younger than 14 on the scan date."""
    errors: dict[str, str] = field(default_factory=dict)
    """Per entity, the first error its validator raised (type and a masked value); the value counted as
    not matching and the scan went on."""

    @property
    def avg_chars(self) -> float:
        """Free text: average characters per non-empty cell (structured columns: from the first look)."""
        if self.mode == "free_text" and self.non_null:
            return self.chars / self.non_null
        return self.first_look_chars


def normalised(name: str) -> pl.Expr:
    """Cell text as screened: stripped, empty -> null."""
    return pl.col(name).str.strip_chars().replace("", None)  # one strip (a when/then evaluates it twice)


@dataclass(frozen=True)
class _Claim:
    """What one probe found in a batch of one structured column, before it is counted."""

    probe: Probe
    shaped: int
    """Cells, among those no earlier probe claimed, with the probe's shape."""
    valid: np.ndarray
    """Positions of those cells that validate."""
    header_only: int = 0
    """How many of the valid cells count only under a header naming the entity."""
    offered: int = 0
    """Cells the probe looked at."""


def _alternation(probes: Sequence[Probe]) -> str:
    """One regex matching a whole cell that any of ``probes`` would see as its shape."""
    return "|".join(f"(?:{p.full_pattern()})" for p in probes)


class Detector:
    """Accumulates evidence for every column of one dataset, batch by batch.

    Within a column, probes run in claim order (:func:`claim_order`), each on the cells no earlier probe
    claimed: a cell that validates as an ID number is not offered to the credit-code and bank-card validators.
    """

    def __init__(
        self,
        columns: tuple[str, ...],
        recognizers: tuple[Recognizer, ...],
        ner_sample: int = NER_SAMPLE_CELLS,
        today: dt.date | None = None,
        masked_forms: bool = True,
    ):
        self.recognizers = recognizers
        self.today = today or dt.date.today()
        """Ages (minors under 14) are computed on this date."""
        self.probes = tuple(p for p in build_probes(recognizers) if masked_forms or not p.masked)
        """Every entity's values and, with ``masked_forms``, its already-masked values (a verifier looking for raw
        values left behind counts no masked ones)."""
        self.columns = columns
        self.ner_sample_cells = ner_sample
        from screening.profile import header_names  # late: the profile stage builds on this module

        self._named = {c: header_names(c, recognizers) for c in columns}
        """Per column, the entities its header names (for the values that count only under such a header)."""
        self._order = {c: column_probes(self.probes, self._named[c]) for c in columns}
        """Per column, the probes that can count there, in claim order."""
        self.evidence = {c: ColumnEvidence(c, active={p.key for p in self._order[c]}) for c in columns}
        self._last: dict[str, Future[None]] = {}
        """Per column, the task counting its latest queued batch."""
        self._queued: collections.deque[list[Future[None]]] = collections.deque()
        self._pool: ThreadPoolExecutor | None = None

    def observe(self, df: pl.DataFrame, wait: bool = True) -> None:
        """Add one batch's evidence.

        Phase A is one polars ``select`` over every column (polars runs the expressions in parallel, with
        no Python in between): the non-empty cells and, for a free-text column, the identifier candidates
        inside its cells. Phase B counts per column on two threads (see :meth:`_structured`). With
        ``wait=False`` the call returns once the batch is queued, so that the next batch's phase A (and the
        reader) overlap this one's phase B; at most one batch is left queued, and :meth:`finish` waits for it.
        A column's batches are counted in order.
        """
        if df.height == 0:
            return
        pairs = list(zip(self.columns, df.get_columns(), strict=True))
        starting = [(self.evidence[name], raw) for name, raw in pairs if self.evidence[name].mode is None]
        if starting:
            self.finish()  # _start decides a column's mode, which its queued batches read
            with ThreadPoolExecutor(max_workers=2) as pool:  # columns are independent; polars releases the GIL
                list(pool.map(lambda work: self._start(work[0], _as_text(work[1])), starting))
        exprs: list[pl.Expr] = []
        for i, (name, _) in enumerate(pairs):
            exprs += self._phase_a(i, self.evidence[name], pl.col(name).cast(pl.String))
        found = df.select(exprs)
        if self._pool is None:
            # Two threads: columns are independent, numpy and polars release the GIL for their big loops, and
            # the machine this is measured on has two cores. Tasks start in the order queued (FIFO).
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="screening-detect")
        tasks = []
        for i, (name, raw) in enumerate(pairs):
            tasks.append(self._pool.submit(self._after, self._last.get(name), self._phase_b, name, raw, i, found))
            self._last[name] = tasks[-1]
        self._queued.append(tasks)
        if wait:
            self.finish()
        elif len(self._queued) > 1:
            for task in self._queued.popleft():
                task.result()

    def finish(self) -> None:
        """Wait for every queued batch (and raise what its counting raised); the threads end until the next batch
        (a process forked later inherits none of them busy)."""
        try:
            while self._queued:
                for task in self._queued.popleft():
                    task.result()
        finally:
            self.close()

    def close(self) -> None:
        """Stop counting: queued batches are dropped and their errors ignored (the caller is already failing)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._queued.clear()
        self._last.clear()

    @staticmethod
    def _after(before: Future[None] | None, work: Callable[..., None], *args: object) -> None:
        # Tasks start in the order they were queued, so the column's previous batch is running or done here.
        if before is not None:
            before.result()
        work(*args)

    def _phase_a(self, i: int, ev: ColumnEvidence, v: pl.Expr) -> list[pl.Expr]:
        """Expressions evaluated for column number ``i`` in the batch's one select."""
        out = [
            (v.str.len_bytes() > 0).sum().alias(f"{i}|n"),
        ]
        if ev.mode == "free_text":
            out += [
                v.str.len_chars().sum().alias(f"{i}|chars"),
                v.str.extract_all(self._free_text_alt).alias(f"{i}|found"),
            ]
        return out

    def _phase_b(self, name: str, raw: pl.Series, i: int, found: pl.DataFrame) -> None:
        with shared_buffers():  # the whitespace scan, shapes and validators read one copy of each column's bytes
            self._count_batch(name, raw, i, found)

    def _count_batch(self, name: str, raw: pl.Series, i: int, found: pl.DataFrame) -> None:
        ev = self.evidence[name]
        ev.rows += len(raw)
        n = int(found[f"{i}|n"][0] or 0)
        if not n:
            return
        v = _as_text(raw)
        wide, edges = scan_bytes(v)
        if wide:  # full-width text to fold first
            self._observe_column(ev, raw)
            return
        if ev.mode == "free_text":
            ev.non_null += n
            ev.chars += int(found[f"{i}|chars"][0] or 0)
            self._count_free_text(ev, found[f"{i}|found"], v)
            self._add_ner_sample(ev, v)
            return
        if not self._structured(ev, v.str.strip_chars() if edges else v, n):
            self._observe_column(ev, raw)

    def _add_ner_sample(self, ev: ColumnEvidence, v: pl.Series) -> None:
        need = self.ner_sample_cells - len(ev.ner_sample)
        if need > 0:
            v = v.filter(v.str.len_bytes() > 0)
            ev.ner_sample += self._normalised(v.head(need)).to_list()

    def _start(self, ev: ColumnEvidence, raw: pl.Series) -> None:
        """A column's first non-empty cells decide structured or free text and the first active probes."""
        v = raw.filter(raw.str.len_bytes() > 0)
        if len(v) == 0:
            return
        v = self._normalised(v)
        self._first_look(ev, v.head(10_000))
        if ev.mode == "structured":
            # Start with the probes whose shape occurs in the first cells; later batches notice the rest.
            head = pl.DataFrame({"v": v.head(FIRST_LOOK_CELLS)})
            probes = self._order[ev.name]
            # one select: polars runs the probes' searches on every core
            hits = head.select([pl.col("v").str.contains(p.full_pattern()).any().alias(p.key) for p in probes])
            ev.active = {key for key, hit in hits.row(0, named=True).items() if hit}

    # ----------------------------------------------------------------------------------------- column
    def _structured(self, ev: ColumnEvidence, stripped: pl.Series, n: int) -> bool:
        """The fast path for a structured column's batch: the active probes only, each on the cells no earlier
        probe claimed. In a clean column the first probe claims every cell and the others look at none.

        The active probes stand for all probes only if no inactive probe could have counted in this batch: it
        would have seen the unclaimed cells, and the cells claimed by a probe after it in claim order. One
        alternation of those inactive probes over those cells asks; when it finds something, nothing is
        counted and the caller takes the general path. ``stripped``: the batch's cells without surrounding
        whitespace. Returns whether the batch was counted."""
        order = self._order[ev.name]
        active = [p for p in order if p.key in ev.active]
        inactive = [p for p in order if p.key not in ev.active]
        unclaimed = non_empty(stripped)
        claims, claimed_by = self._claims(ev, stripped, active, unclaimed)
        if inactive:
            rank = {p.key: r for r, p in enumerate(order)}
            looks = [(np.flatnonzero(unclaimed), inactive)]
            for a, p in enumerate(active):
                before = [q for q in inactive if rank[q.key] < rank[p.key]]
                if before:
                    looks.append((np.flatnonzero(claimed_by == a), before))
            for idx, probes in looks:
                if not len(idx):
                    continue
                cells = stripped if len(idx) == len(stripped) else stripped.gather(idx)
                if cells.str.contains(_alternation(probes)).any():
                    return False
        ev.non_null += n
        self._commit(ev, stripped, claims)
        return True

    def _observe_column(self, ev: ColumnEvidence, raw: pl.Series) -> None:
        """The general path for one column of one batch: normalise, then every probe."""
        # Empty and null cells are not screened; blank-only cells count as non-empty (and match nothing).
        v = _as_text(raw)
        v = v.filter(v.str.len_bytes() > 0)
        if len(v) == 0:
            return
        ev.non_null += len(v)
        v = self._normalised(v)
        if ev.mode == "free_text":  # one alternation of every identifier pattern, no active set needed
            ev.chars += int(v.str.len_chars().sum())
            self._count_free_text(ev, v.str.extract_all(self._free_text_alt), v)
            self._add_ner_sample(ev, v)
            return
        stripped = v.str.strip_chars()
        claims, _ = self._claims(ev, stripped, self._order[ev.name], np.ones(len(v), dtype=bool))
        self._commit(ev, stripped, claims)

    @staticmethod
    def _normalised(v: pl.Series) -> pl.Series:
        """NFKC on the cells holding full-width digits, letters or number punctuation, and only those: it
        costs ~0.6 s per million cells."""
        wide = v.str.contains(_FULLWIDTH).fill_null(False)
        if not wide.any():
            return v
        idx = np.flatnonzero(wide.to_numpy())
        return v.scatter(idx, v.gather(idx).str.normalize("NFKC"))

    def _first_look(self, ev: ColumnEvidence, head: pl.Series) -> None:
        """Decide structured vs free text from the first 10,000 non-empty cells of a column."""
        chars = int(head.str.len_chars().sum()) or 1
        ev.first_look_chars = chars / len(head)
        avg = chars / len(head)
        distinct = head.n_unique() / len(head)
        cjk = int(head.str.count_matches(_CJK).sum()) / chars
        spaces = int(head.str.count_matches(" ").sum()) / len(head)
        vocab = [p for p in self.probes if p.rec.kind == "vocabulary" and not p.masked]
        wholly_vocab = False
        if vocab:
            alt = "|".join(f"(?:{p.full_pattern()})" for p in vocab)
            wholly_vocab = int(head.str.contains(alt).sum()) >= 0.5 * len(head)
        ev.cjk_share, ev.distinct_share = cjk, distinct
        prose = cjk >= FREE_TEXT_MIN_CJK or spaces >= 2
        free = avg >= FREE_TEXT_MIN_CHARS and distinct >= FREE_TEXT_MIN_DISTINCT and prose and not wholly_vocab
        ev.mode = "free_text" if free else "structured"

    def _claims(
        self, ev: ColumnEvidence, stripped: pl.Series, probes: list[Probe], unclaimed: np.ndarray
    ) -> tuple[list[_Claim], np.ndarray]:
        """Each probe, in the given (claim) order, on the cells of ``stripped`` still ``unclaimed``: the cells
        that validate, and how many have the probe's shape. A probe's claims are cleared from ``unclaimed``;
        ``claimed_by`` gives per cell the position of the probe that claimed it (-1: none). Nothing is counted
        yet (see :meth:`_commit`).

        A validator accepts only values of its entity's shape (tested for every recognizer), so one of the two
        can spare the other most of its work: where most cells validated so far (a clean column), the validator
        runs first and the shape regex only on the cells it rejected; where most did not (a column of other
        things), and for the numpy validators, which test the shape anyway, the shape regex runs first and the
        validator only on the shaped cells. A closed word list (``shape_is_valid``) needs no regex at all."""
        claimed_by = np.full(len(stripped), -1, dtype=np.int16)
        claims: list[_Claim] = []
        for a, p in enumerate(probes):
            idx = np.flatnonzero(unclaimed)
            if not len(idx):
                break
            cand = stripped if len(idx) == len(stripped) else stripped.gather(idx)
            if p.masked:  # counted, never claimed
                claims.append(_Claim(p, int(cand.str.contains(p.full_pattern()).sum()), idx[:0]))
                continue
            if p.rec.shape_is_valid:  # a closed list of words: a membership test answers both
                ok = _checked(ev, p.rec, cand).fill_null(False).to_numpy()
                shaped = int(ok.sum())
            elif p.rec.valid_series is not None or ev.valid[p.rec.entity] * 2 < ev.offered[p.key]:
                # Shape first, validator on the shaped cells: numpy twins test the shape anyway (run it once,
                # for both), and where most cells failed the validator before, a second regex pass over the
                # rejected cells would cost more than the validator on the few shaped ones.
                has_shape = cand.str.contains(p.full_pattern()).fill_null(False).to_numpy()
                ok = np.zeros(len(cand), dtype=bool)
                at = np.flatnonzero(has_shape)
                if len(at):
                    values = cand if len(at) == len(cand) else cand.gather(at)
                    ok[at] = _checked(ev, p.rec, values, shaped=True).fill_null(False).to_numpy()
                shaped = len(at)
            else:
                ok = _checked(ev, p.rec, cand).fill_null(False).to_numpy()
                rejected = np.flatnonzero(~ok)
                shaped = int(ok.sum())
                if len(rejected):
                    rest = cand if len(rejected) == len(cand) else cand.gather(rejected)
                    shaped += int(rest.str.contains(p.full_pattern()).sum())
            valid = idx[ok]
            taken, header_only = self._claiming(ev, p.rec, valid, stripped)
            unclaimed[taken] = False
            claimed_by[taken] = a
            claims.append(_Claim(p, shaped, valid, header_only, len(idx)))
        return claims, claimed_by

    def _commit(self, ev: ColumnEvidence, stripped: pl.Series, claims: list[_Claim]) -> None:
        """Count one batch's claims into the column's evidence. A probe seen once stays active for the rest of
        the file (no flapping in and out of the general path)."""
        for c in claims:
            entity = c.probe.rec.entity
            ev.offered[c.probe.key] += c.offered
            if not c.shaped:
                continue
            ev.active.add(c.probe.key)
            if c.probe.masked:
                ev.masked[entity] += c.shaped
                continue
            ev.shaped[entity] += c.shaped
            ev.open_shaped[entity] += c.shaped
            if not len(c.valid):
                continue
            ev.valid[entity] += len(c.valid)
            if c.header_only:
                ev.header_only[entity] += c.header_only
            self._keep_examples(ev, c.probe.rec, stripped.gather(c.valid[:EXAMPLES_PER_ENTITY]))
            if entity in PERSON_KEYS:
                self._count_persons(ev, entity, stripped if len(c.valid) == len(stripped) else stripped.gather(c.valid))

    def _claiming(
        self, ev: ColumnEvidence, rec: Recognizer, idx: np.ndarray, stripped: pl.Series
    ) -> tuple[np.ndarray, int]:
        """Which of the validated cells ``idx`` the entity takes from the entities after it, and how many of them
        count only under a header naming it.

        A value that counts only under a header naming its entity takes its cell only under such a header, so
        that elsewhere the entities after it still see it: every value of an entity that needs its header
        (``header_required``), and the values matching ``header_only_pattern`` (gender code ``1``, a bare
        ``汉``), which are also counted in ``ev.header_only``."""
        named = rec.entity in self._named.get(ev.name, ())
        if rec.header_required:
            return (idx if named else idx[:0]), 0
        if rec.header_only_pattern is None or not len(idx):
            return idx, 0
        values = stripped.gather(idx)
        only = values.str.contains(f"^(?:{rec.header_only_pattern})$").fill_null(False).to_numpy()
        return (idx if named else idx[~only]), int(only.sum())

    def _count_persons(self, ev: ColumnEvidence, entity: str, values: pl.Series) -> None:
        """Distinct persons (hashes only) and, from ID numbers, persons under 14 on ``self.today``."""
        key = PERSON_KEYS[entity](values)
        ev.persons.setdefault(entity, PersonSketch()).add(hashes(key))
        if entity == "CN_ID_CARD":
            ev.minors += minors_in_id_numbers(key, self.today)

    @functools.cached_property
    def _free_text_idents(self) -> list[Probe]:
        return [p for p in self.probes if p.rec.kind == "identifier" and not p.masked and not p.rec.header_required]

    @functools.cached_property
    def _free_text_alt(self) -> str:
        return "|".join(f"(?:{p.rec.pattern})" for p in self._free_text_idents)

    def _count_free_text(self, ev: ColumnEvidence, found: pl.Series, texts: pl.Series) -> None:
        """``found``: per cell of ``texts``, the matches of one alternation of every identifier pattern. Each
        candidate goes to the first entity, in priority order, whose shape and validator it passes and, for an
        entity with ``negative_context``, that is not right after such a word (版本 2.1.0.45) everywhere it occurs
        in its cell (a Python check on those few validated candidates only)."""
        idents = self._free_text_idents
        rows = pl.Series("row", range(len(found)), dtype=pl.UInt32)
        flat = pl.DataFrame({"row": rows, "m": found}).explode("m").drop_nulls()
        if not len(flat):
            return
        candidates = flat["m"]
        # Wholly the pattern (no blanks around it, which a match never has): the numpy validators then need not
        # run the same regex again (``shaped``).
        shapes = flat.select(pl.col("m").str.contains(f"^(?:{p.rec.pattern})$").alias(p.key) for p in idents)
        claimed = np.zeros(len(flat), dtype=bool)
        for p in idents:
            shaped = shapes[p.key].to_numpy() & ~claimed
            if not shaped.any():
                continue
            idx = np.flatnonzero(shaped)
            cand = candidates.gather(idx)
            ok = _checked(ev, p.rec, cand, shaped=True).to_numpy()
            if ok.any() and p.rec.negative_context:
                ok = ok.copy()
                rows_of = flat["row"].gather(idx).to_list()
                for j in np.flatnonzero(ok):
                    ok[j] = _outside_negative_context(texts[rows_of[j]], cand[int(j)], p.rec.negative_context)
            if ok.any():
                claimed[idx[ok]] = True
                good_rows = flat["row"].gather(idx[ok])
                ev.valid[p.rec.entity] += good_rows.n_unique()
                ev.matches[p.rec.entity] += int(ok.sum())
                self._keep_examples(ev, p.rec, cand.filter(pl.Series(ok)))

    @staticmethod
    def _keep_examples(ev: ColumnEvidence, rec: Recognizer, values: pl.Series) -> None:
        have = ev.examples.setdefault(rec.entity, [])
        if len(have) < EXAMPLES_PER_ENTITY:
            have += [mask_value(x, rec.mask) for x in values.head(EXAMPLES_PER_ENTITY - len(have)).to_list()]


def claim_order(probes: Sequence[Probe], named: Collection[str]) -> list[Probe]:
    """The order in which entities claim a structured column's cells: those its header names first, then by
    priority. A cell valid as two entities (an IMEI that is also a plausible 15-digit ID number, an account
    number that passes Luhn) counts for the one the header names; without such a header, for the higher
    priority."""
    return sorted(probes, key=lambda p: p.rec.entity not in named)


def column_probes(probes: Sequence[Probe], named: Collection[str]) -> list[Probe]:
    """The probes of a column whose header names ``named``, in claim order, without those of entities that need
    a header naming them when this header does not: such an entity counts nothing and claims nothing there
    (see ``screening.profile.decide``), so its values need not be looked at."""
    return claim_order([p for p in probes if not p.rec.header_required or p.rec.entity in named], named)


def _outside_negative_context(text: str | None, candidate: str, words: tuple[str, ...]) -> bool:
    """True when ``candidate`` occurs in ``text`` at least once not right after one of ``words``."""
    if not text:
        return True
    start = text.find(candidate)
    if start < 0:  # not found as such (a folded full-width cell): counted as the validator decided
        return True
    while start >= 0:
        if not preceded_by(text, start, words):
            return True
        start = text.find(candidate, start + 1)
    return False


def _as_text(raw: pl.Series) -> pl.Series:
    return raw if raw.dtype == pl.String else raw.cast(pl.String)


def non_empty(v: pl.Series) -> np.ndarray:
    """Per cell, whether it is non-null with at least one byte, read from the Arrow offsets (a value polars
    turned into null may keep its bytes there, so nulls are masked by their validity)."""
    _, offsets, _ = utf8_buffers(v)
    filled = np.diff(offsets) > 0
    if v.null_count():
        filled &= v.is_not_null().to_numpy()
    return filled


def _id_key(values: pl.Series) -> pl.Series:
    _, _, data = utf8_buffers(values)
    return values.str.to_uppercase() if (data == ord("x")).any() else values


def _phone_key(values: pl.Series) -> pl.Series:
    """The national 11 digits: +86 138 1234 5678 and 13812345678 are one person."""
    if (values.str.len_bytes() == 11).all():  # valid phone numbers of 11 characters are the 11 digits
        return values
    return values.str.replace_all("[^0-9]", "").str.slice(-11)


PERSON_KEYS: dict[str, Callable[[pl.Series], pl.Series]] = {"CN_ID_CARD": _id_key, "CN_PHONE": _phone_key}
"""Entities that identify a person, with the normal form they are counted by."""
MINOR_AGE = 14


def minors_in_id_numbers(ids: pl.Series, today: dt.date) -> int:
    """Valid ID numbers (18 or 15 characters) whose holder is younger than ``MINOR_AGE`` on ``today``."""
    year = today.year - MINOR_AGE
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    threshold = year * 10_000 + today.month * 100 + day  # born after this date: not yet 14 today
    if len(ids) and ids.null_count() == 0 and (ids.str.len_bytes() == 18).all():  # the usual column: numpy
        digits = ascii_matrix(ids, 18)[:, 6:14].astype(np.int64) - 48
        return int((digits @ 10 ** np.arange(7, -1, -1, dtype=np.int64) > threshold).sum())
    v = pl.col("id")
    birth = (
        pl.when(v.str.len_bytes() == 18)
        .then(v.str.slice(6, 8))
        .otherwise(pl.lit("19") + v.str.slice(6, 6))
        .cast(pl.Int64, strict=False)
    )
    return int(ids.to_frame("id").select((birth > threshold).sum()).item() or 0)


def _checked(ev: ColumnEvidence, rec: Recognizer, values: pl.Series, shaped: bool = False) -> pl.Series:
    """``_validate``, contained: when the vectorised validator raises, each value is checked on its own;
    a value whose check raises counts as not matching, and the first error is kept, with the value masked."""
    try:
        return _validate(rec, values, shaped)
    except Exception:  # noqa: BLE001 - a recognizer's bug must not stop the scan
        pass
    out = []
    for value in values.to_list():
        try:
            out.append(bool(value is not None and rec.is_valid(value)))
        except Exception as exc:  # noqa: BLE001
            out.append(False)
            if rec.entity not in ev.errors:
                shown = mask_value(str(value)[:64], rec.mask)
                ev.errors[rec.entity] = f"{rec.entity} validator raised {type(exc).__name__} on a value like {shown!r}"
    return pl.Series(values.name, out, dtype=pl.Boolean)


def _validate(rec: Recognizer, values: pl.Series, shaped: bool = False) -> pl.Series:
    """Boolean per candidate (the vectorised validator; no validator means the shape is enough). ``shaped``: the
    candidates are known to match the pattern wholly (a numpy twin then skips that regex)."""
    if rec.valid_expr is None or len(values) == 0:
        return pl.Series([True] * len(values), dtype=pl.Boolean)
    if rec.valid_series is not None:
        return rec.valid_series(values, shaped=True) if shaped else rec.valid_series(values)
    # On a materialised column the recognizers' evaluate-once wrapper (a one-element list per cell) is
    # pure overhead: call the check itself.
    check = getattr(rec.valid_expr, "__wrapped__", rec.valid_expr)
    return values.to_frame("x").select(check(pl.col("x")).fill_null(False)).to_series()
