"""Distinct persons while streaming, in bounded memory: exact up to ``EXACT_LIMIT`` values, then HyperLogLog.

A person is counted by a stable identifier (an ID number, else a mobile number). Values are hashed with
polars' 64-bit hash (a fixed seed, so every batch of one run agrees); only hashes are kept, never values.

* Exact: the distinct hashes, up to ``EXACT_LIMIT`` of them (8 bytes each). With 64-bit hashes, a
  collision among a million values has a probability of about 3e-8.
* Estimate: a HyperLogLog sketch with 2**14 registers (16 KiB), updated from the first batch on, so that it
  is complete when the exact set outgrows its limit. Its standard error is 1.04 / sqrt(2**14) = 0.81%.

Sketches of several columns merge (union), so two ID-number columns count each person once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

EXACT_LIMIT = 200_000
"""Distinct values counted exactly; above this the HyperLogLog estimate is reported."""
P = 14
M = 1 << P
_SEED = 0x5EED
_LOW_BITS = 64 - P


def hashes(values: pl.Series) -> np.ndarray:
    """uint64 hash per value (nulls dropped), its bits mixed with the SplitMix64 finaliser so that the
    register index (the top bits) is uniform whatever polars' hash does with short strings."""
    h = values.drop_nulls().hash(seed=_SEED).to_numpy().copy()
    with np.errstate(over="ignore"):
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


@dataclass
class PersonSketch:
    registers: np.ndarray = field(default_factory=lambda: np.zeros(M, dtype=np.uint8))
    exact: np.ndarray | None = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    """Distinct hashes while there are at most EXACT_LIMIT of them; None once the limit was passed."""

    def add(self, h: np.ndarray) -> None:
        if not len(h):
            return
        index = (h >> np.uint64(_LOW_BITS)).astype(np.intp)
        rest = h & np.uint64((1 << _LOW_BITS) - 1)
        # rank = position of the leftmost 1 in the remaining 50 bits (1-based); all zero -> 51.
        _, exponent = np.frexp(rest.astype(np.float64))  # rest < 2**50: exact in float64
        rank = np.where(rest == 0, _LOW_BITS + 1, _LOW_BITS + 1 - exponent).astype(np.uint8)
        np.maximum.at(self.registers, index, rank)
        if self.exact is not None:
            merged = pl.Series(np.concatenate([self.exact, h]), dtype=pl.UInt64).unique().to_numpy()
            self.exact = merged if len(merged) <= EXACT_LIMIT else None

    def merge(self, other: PersonSketch) -> PersonSketch:
        out = PersonSketch(np.maximum(self.registers, other.registers), None)
        if self.exact is not None and other.exact is not None:
            merged = pl.Series(np.concatenate([self.exact, other.exact]), dtype=pl.UInt64).unique().to_numpy()
            out.exact = merged if len(merged) <= EXACT_LIMIT else None
        return out

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def count(self) -> int:
        if self.exact is not None:
            return len(self.exact)
        return round(self.estimate())

    def estimate(self) -> float:
        """HyperLogLog with the small-range (linear counting) correction."""
        alpha = 0.7213 / (1 + 1.079 / M)
        raw = alpha * M * M / float(np.sum(np.ldexp(1.0, -self.registers.astype(np.int64))))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * M and zeros:
            return M * math.log(M / zeros)
        return raw


RELATIVE_ERROR = 1.04 / math.sqrt(M)
