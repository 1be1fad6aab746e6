"""Re-identification risk: k-anonymity and l-diversity over quasi-identifiers, before and after desensitisation.

Quasi-identifiers (QIs) are declared (``--qi COLUMN``) or inferred from the column decisions:

* GENDER, DATE_OF_BIRTH, ETHNICITY columns, and a column whose header says occupation (职业, zhiye, occupation);
* CN_ADDRESS: the region, i.e. the address up to its district or county (the part a display mask keeps);
* CN_ID_CARD: the three attributes an ID number carries, region (digits 1-6), birth date (7-14) and gender
  (parity of the 17th). The number itself is a direct identifier, handled by its operator, not a QI.

Each QI is a polars expression over the column. The same expression runs on the input batch and on the
desensitised batch, so generalisation and masking show in the figures as they are: a masked ID number
``330106********123X`` still gives region 330106 but no birth date and no gender.

Counting streams: per batch, ``group_by(QIs).len()``; the group table is merged across batches, so memory is
bounded by the number of distinct QI combinations, not by the rows. l-diversity counts distinct values of one
sensitive attribute per group from ``group_by(QIs + [attribute])`` counts.

k of a record = size of its QI group. Reported: the minimum k, the number of groups, and the records (and
their share) in groups smaller than the threshold (default 5). Null QI values form their own group value.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from screening.model import ColumnProfile
from screening.operators import address_cut

K_THRESHOLD = 5
SPILL_GROUPS = 1_000_000
"""Distinct input groups (hashes) held in memory; beyond, the sorted table is written to a temporary folder as a
run and counting starts afresh. The runs are merged range by range of the hash space when the summary is read."""
MERGE_RANGES = 32
OCCUPATION_HEADERS = ("职业", "工作", "岗位", "zhiye", "occupation", "job", "profession")


@dataclass(frozen=True)
class QuasiIdentifier:
    name: str
    """Name of the derived attribute in the report, e.g. ``身份证号:birth``."""
    column: str
    derive: str
    """``value`` | ``region`` | ``id_region`` | ``id_birth`` | ``id_gender``"""

    def expr(self) -> pl.Expr:
        return self.derived(pl.col(self.column).cast(pl.String).str.strip_chars())

    def derived(self, v: pl.Expr) -> pl.Expr:
        """The attribute from ``v``, the column's text without surrounding blanks."""
        if self.derive == "region":
            return address_cut(v).alias(self.name)
        if self.derive == "id_region":
            return v.str.slice(0, 6).alias(self.name)
        if self.derive == "id_birth":
            return (
                pl.when(v.str.len_chars() == 18).then(v.str.slice(6, 8)).otherwise(v.str.slice(6, 6)).alias(self.name)
            )
        if self.derive == "id_gender":
            digit = pl.when(v.str.len_chars() == 18).then(v.str.slice(16, 1)).otherwise(v.str.slice(14, 1))
            return (digit.cast(pl.Int8, strict=False) % 2).cast(pl.String).alias(self.name)
        return v.alias(self.name)


def infer_quasi_identifiers(profiles: Sequence[ColumnProfile], declared: Sequence[str] = ()) -> list[QuasiIdentifier]:
    """Declared columns first (as they are), then those inferred from the column decisions."""
    qis = [QuasiIdentifier(c, c, "value") for c in declared]
    taken = set(declared)
    for p in profiles:
        if p.name in taken or p.kind != "structured":
            continue
        header = p.name.lower()
        if p.entity in ("GENDER", "DATE_OF_BIRTH", "ETHNICITY") or any(w in header for w in OCCUPATION_HEADERS):
            qis.append(QuasiIdentifier(p.name, p.name, "value"))
        elif p.entity == "CN_ADDRESS":
            qis.append(QuasiIdentifier(f"{p.name}:region", p.name, "region"))
        elif p.entity == "CN_ID_CARD":
            qis += [
                QuasiIdentifier(f"{p.name}:region", p.name, "id_region"),
                QuasiIdentifier(f"{p.name}:birth", p.name, "id_birth"),
                QuasiIdentifier(f"{p.name}:gender", p.name, "id_gender"),
            ]
    return qis


@dataclass
class GroupCounter:
    """Streaming counts of QI combinations (and of QI + sensitive attribute, for l-diversity).

    With ``keep_values=True`` (the output's counter, whose group table the generalisation suggestions work on) each
    batch is reduced to its group counts at once; those tables wait in ``_pending`` and are merged into the running
    table only when they hold as many rows as it does (O(n log n) over a file, not one pass over every group per
    batch), and always before a result is read.

    With ``keep_values=False`` (the input's counter: only k and l are needed) a group is one 64-bit hash of its QI
    values, kept in sorted numpy arrays with its count (16 bytes a group, 16 MB at the spill limit); each batch's
    distinct hashes are merged in with a binary search, so a merge needs about one more copy of the arrays, not a
    hash table of both. Two groups whose hashes collide (about one chance in 10^6 at 4,000,000 groups) would be
    counted as one. Past ``SPILL_GROUPS`` groups the table goes to disk as a sorted run (16 bytes a group), so the
    input's k stays exact with memory bounded whatever the number of groups; the l-diversity pairs and the output's
    table (``keep_values``) grow with the number of distinct groups."""

    qis: list[QuasiIdentifier]
    sensitive: str | None = None
    keep_values: bool = True
    rows: int = 0
    _names: list[str] = field(default_factory=list)
    _groups: pl.DataFrame | None = None
    _pairs: pl.DataFrame | None = None
    _pending: list[tuple[pl.DataFrame, pl.DataFrame | None]] = field(default_factory=list)
    _pending_rows: int = 0
    _keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    _counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _runs: list[tuple[Path, Path]] = field(default_factory=list)
    _spill: Path | None = None
    _cleanup: Callable[[], Any] = field(default=lambda: None, repr=False)
    _pair_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    _pair_groups: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))

    def __post_init__(self) -> None:
        self._names = [q.name for q in self.qis] if self.keep_values else ["__g"]

    def add(self, df: pl.DataFrame) -> None:
        if not self.qis or df.height == 0:
            return
        self.rows += df.height
        # a QI column the output dropped (redact with drop) is suppressed: one value for every record
        # Each QI column stripped once (the derivations refer to it several times: an eager select would strip
        # it once per reference); the sensitive attribute is taken as it is.
        used = dict.fromkeys(q.column for q in self.qis if q.column in df.columns)
        base = df.select(pl.col(c).cast(pl.String).str.strip_chars() for c in used)
        if self.sensitive is not None:
            base = base.with_columns(df.get_column(self.sensitive).cast(pl.String).alias("__s"))
        exprs = [
            q.derived(pl.col(q.column)) if q.column in used else pl.lit(None, pl.String).alias(q.name) for q in self.qis
        ]
        if not self.keep_values:
            self._add_hashed(base, exprs)
            return
        if self.sensitive is not None:
            exprs.append(pl.col("__s"))
        keyed = base.select(exprs)
        groups = keyed.group_by(self._names).len()
        pairs = keyed.group_by([*self._names, "__s"]).len() if self.sensitive is not None else None
        self._pending.append((groups, pairs))
        self._pending_rows += groups.height
        if self._pending_rows >= max(self._groups.height if self._groups is not None else 0, 100_000):
            self._flush()

    def _add_hashed(self, df: pl.DataFrame, exprs: list[pl.Expr]) -> None:
        cols = [pl.struct(exprs).hash(seed=0).alias("g")]
        if self.sensitive is not None:
            cols.append(pl.struct([*exprs, pl.col("__s")]).hash(seed=0).alias("p"))
        hashed = df.select(cols)
        keys, counts = np.unique(hashed["g"].to_numpy(), return_counts=True)
        self._keys, self._counts = _merge_sorted(self._keys, self._counts, keys, counts, add=True)
        if len(self._keys) > SPILL_GROUPS:
            self._spill_run()
        if self.sensitive is not None:
            pairs, first = np.unique(hashed["p"].to_numpy(), return_index=True)
            groups = hashed["g"].to_numpy()[first]
            self._pair_keys, self._pair_groups = _merge_sorted(self._pair_keys, self._pair_groups, pairs, groups)

    def _spill_run(self) -> None:
        if self._spill is None:
            self._spill = Path(tempfile.mkdtemp(prefix="screening-groups-"))
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._spill, True)
        run = len(self._runs)
        paths = (self._spill / f"{run}.keys.npy", self._spill / f"{run}.counts.npy")
        np.save(paths[0], self._keys)
        np.save(paths[1], self._counts)
        self._runs.append(paths)
        self._keys, self._counts = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)

    def close(self) -> None:
        """Remove the spilled runs (also done when the counter is collected, or at exit)."""
        if self._spill is not None:
            self._cleanup()
            self._spill, self._runs = None, []

    def _hashed_tables(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The input's group table (sorted hashes, counts) in pieces: the in-memory table whole when nothing was
        spilled; otherwise, per range of the hash space, that range of every run and of the table, merged."""
        if not self._runs:
            yield self._keys, self._counts
            return
        runs = [(np.load(k, mmap_mode="r"), np.load(c, mmap_mode="r")) for k, c in self._runs]
        runs.append((self._keys, self._counts))
        edges = [np.uint64(i * (2**64 // MERGE_RANGES)) for i in range(MERGE_RANGES)]
        for i, low in enumerate(edges):
            parts = []
            for keys, counts in runs:
                a = int(np.searchsorted(keys, low))
                b = int(np.searchsorted(keys, edges[i + 1])) if i + 1 < len(edges) else len(keys)
                parts.append((np.asarray(keys[a:b]), np.asarray(counts[a:b])))
            keys = np.concatenate([k for k, _ in parts])
            counts = np.concatenate([c for _, c in parts])
            order = np.argsort(keys, kind="stable")
            keys, counts = keys[order], counts[order]
            if not len(keys):
                continue
            starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
            yield keys[starts], np.add.reduceat(counts, starts)

    def _flush(self) -> None:
        if not self._pending:
            return
        self._groups = _merge(self._groups, [g for g, _ in self._pending], self._names)
        if self.sensitive is not None:
            self._pairs = _merge(self._pairs, [p for _, p in self._pending if p is not None], [*self._names, "__s"])
        self._pending, self._pending_rows = [], 0

    @property
    def groups(self) -> pl.DataFrame | None:
        """One row per group: its QI values (or ``__g``, their hash) and ``len``, the records in it."""
        if not self.keep_values:
            if not self.rows:
                return None
            tables = list(self._hashed_tables())
            keys = np.concatenate([k for k, _ in tables])
            return pl.DataFrame({"__g": keys, "len": np.concatenate([c for _, c in tables])})
        self._flush()
        return self._groups

    def summary(self, threshold: int = K_THRESHOLD) -> dict[str, Any] | None:
        if not self.rows:
            return None
        if self.keep_values:
            groups = self.groups
            assert groups is not None
            k = k_summary(groups, threshold, self.rows)
        else:  # the hashed table piece by piece: a spilled one is never whole in memory
            k = _k_summary_parts(self._hashed_tables(), threshold, self.rows)
        return k | ({"l_diversity": self._l()} if self.sensitive is not None else {})

    def _l(self) -> dict[str, Any]:
        if not self.keep_values:
            _, distinct = np.unique(self._pair_groups, return_counts=True)
            low = int(distinct.min()) if len(distinct) else None
            return {"attribute": self.sensitive, "min_l": low, "groups": len(distinct)}
        self._flush()
        assert self._pairs is not None
        per_group = self._pairs.group_by(self._names).agg(pl.col("__s").n_unique().alias("l"))
        return {"attribute": self.sensitive, "min_l": _min(per_group["l"]), "groups": per_group.height}


def _k_summary_parts(parts: Iterator[tuple[np.ndarray, np.ndarray]], threshold: int, rows: int) -> dict[str, Any]:
    """:func:`k_summary` of a group table given as disjoint pieces of (keys, counts)."""
    low: int | None = None
    groups = below = 0
    for _, counts in parts:
        if len(counts):
            low = int(counts.min()) if low is None else min(low, int(counts.min()))
            groups += len(counts)
            below += int(counts[counts < threshold].sum())
    return {
        "min_k": low or 0,
        "groups": groups,
        "threshold": threshold,
        "records_below": below,
        "share_below": round(below / rows, 4) if rows else 0.0,
    }


def _merge_sorted(
    keys: np.ndarray, values: np.ndarray, new_keys: np.ndarray, new_values: np.ndarray, add: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique ``keys`` with ``values``, merged with sorted unique ``new_keys``: a key present in both adds
    its values (``add``) or keeps the old one; new keys are inserted in order."""
    if not len(keys):
        return new_keys, new_values.astype(values.dtype)
    pos = np.searchsorted(keys, new_keys)
    found = pos < len(keys)
    found[found] = keys[pos[found]] == new_keys[found]
    if add:
        np.add.at(values, pos[found], new_values[found])
    fresh = ~found
    return np.insert(keys, pos[fresh], new_keys[fresh]), np.insert(values, pos[fresh], new_values[fresh])


def _merge(acc: pl.DataFrame | None, new: list[pl.DataFrame], keys: list[str]) -> pl.DataFrame:
    tables = ([acc] if acc is not None else []) + new
    if len(tables) == 1:
        return tables[0]
    return pl.concat(tables).group_by(keys).agg(pl.col("len").sum())


def k_summary(groups: pl.DataFrame, threshold: int, rows: int) -> dict[str, Any]:
    sizes = groups["len"]
    below = int(sizes.filter(sizes < threshold).sum() or 0)
    return {
        "min_k": _min(sizes),
        "groups": groups.height,
        "threshold": threshold,
        "records_below": below,
        "share_below": round(below / rows, 4) if rows else 0.0,
    }


# Generalisations tried, in order, when k is below the threshold after desensitisation.
_COARSER: dict[str, list[tuple[str, Callable[[pl.Expr], pl.Expr]]]] = {
    "id_birth": [("birth year", lambda e: e.str.slice(0, 4)), ("5-year band", lambda e: _band(e.str.slice(0, 4), 5))],
    "id_region": [
        ("city (4 digits)", lambda e: e.str.slice(0, 4)),
        ("province (2 digits)", lambda e: e.str.slice(0, 2)),
    ],
    "region": [
        ("city", lambda e: e.str.extract(r"^(.*?[市州盟])", 1)),
        ("province", lambda e: e.str.extract(r"^(.*?(?:省|自治区|市))", 1)),
    ],
    "value": [],
}


def _band(year: pl.Expr, width: int) -> pl.Expr:
    y = year.cast(pl.Int32, strict=False)
    start = (y // width) * width
    return pl.concat_str([start.cast(pl.String), pl.lit("-"), (start + width - 1).cast(pl.String)])


def suggest(counter: GroupCounter, threshold: int = K_THRESHOLD) -> list[dict[str, Any]]:
    """Generalisation steps, applied cumulatively to the desensitised QIs' group table, until min k reaches the
    threshold; a QI that cannot be generalised further is suggested for removal (redact) last."""
    if counter.groups is None:
        return []
    table = counter.groups
    names = counter._names
    steps: list[dict[str, Any]] = []
    if _min(table["len"]) >= threshold:
        return steps
    for q in counter.qis:
        for label, coarser in _COARSER.get(q.derive, []):
            table = table.with_columns(coarser(pl.col(q.name)).alias(q.name)).group_by(names).agg(pl.col("len").sum())
            k = k_summary(table, threshold, counter.rows)
            steps.append({"quasi_identifier": q.name, "generalize_to": label, "min_k": k["min_k"], **_share(k)})
            if k["min_k"] >= threshold:
                return steps
    # Still below: drop QIs, the one with most distinct values first.
    remaining = list(names)
    while len(remaining) > 1 and _min(table["len"]) < threshold:
        widest = max(remaining, key=lambda n: table[n].n_unique())
        remaining.remove(widest)
        table = table.group_by(remaining).agg(pl.col("len").sum())
        k = k_summary(table, threshold, counter.rows)
        steps.append({"quasi_identifier": widest, "generalize_to": "remove (redact)", "min_k": k["min_k"], **_share(k)})
    return steps


def _min(s: pl.Series) -> int:
    v: Any = s.min()
    return int(v or 0)


def _share(k: dict[str, Any]) -> dict[str, Any]:
    return {"share_below": k["share_below"]}
