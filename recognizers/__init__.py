"""Recognizers: one module per entity type, found by walking this package.

A module defines ``RECOGNIZER = Recognizer(...)``. Adding a recognizer means adding one file here (and,
if it needs one, a line in the rule pack); nothing else registers it.

One definition serves two engines:

* the column path runs ``pattern`` with polars (Rust regex dialect) over whole columns and checks the
  candidates with ``valid_expr`` (a polars expression);
* the free-text path turns the same definition into a Presidio ``PatternRecognizer`` whose
  ``validate_result`` calls the scalar ``validate``.

Patterns are written in the dialect both engines understand: ``[0-9]`` not ``\\d``, no look-around, and
``(?-u:\\b)`` for an ASCII word boundary (a CJK character counts as a boundary, so ``身份证号110101…`` is
found while a match inside a longer digit run is not). :func:`python_pattern` translates that boundary
for Python's regex engines.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl

ASCII_BOUNDARY = "(?-u:\\b)"

Kind = Literal["identifier", "vocabulary"]


@dataclass(frozen=True)
class Recognizer:
    """Everything the pipeline knows about one entity type."""

    entity: str
    """Entity type name, e.g. ``CN_ID_CARD`` (the names are part of the report interface)."""
    pattern: str
    """Unanchored regex for one candidate inside a (NFKC-normalised) text, Rust + Python compatible."""
    headers: tuple[str, ...]
    """Header words: Chinese, pinyin, pinyin initials, English, all lower case."""
    kind: Kind = "identifier"
    """``identifier``: a pattern with a checksum or a tight shape; ``vocabulary``: decided from words."""
    priority: int = 50
    """Lower wins when one value matches several entities (an ID number beats a USCC or a bank card)."""
    validate: Callable[[str], bool] | None = None
    """Scalar validator on a matched candidate (Presidio's ``validate_result``); None = shape is enough."""
    valid_expr: Callable[[pl.Expr], pl.Expr] | None = None
    """Vectorised validator: a Utf8 expression of candidates -> Boolean; must agree with ``validate``."""
    valid_series: Callable[..., pl.Series] | None = None
    """Optional faster twin of ``valid_expr`` for a Series of candidates (numpy over the Arrow buffer), called as
    ``valid_series(values)``, or ``valid_series(values, shaped=True)`` when every value is known to match
    ``pattern`` wholly."""
    shape_is_valid: bool = False
    """A value without surrounding blanks matches ``pattern`` wholly exactly when it validates (a closed list of
    words): the detector then counts shapes from the validator and runs no shape regex."""
    header_required: bool = False
    """Values alone never decide: the entity names a column only when the header names it too (a date is a
    date of birth only under a birth-date header, a digit string a bank account only under an account
    header). Such entities are not searched for in free text."""
    header_only_pattern: str | None = None
    """The values of a value-decided entity that count only under its header: the generic part of ``pattern``
    (gender codes ``1``/``2`` and ``M``/``F``, a bare ``汉``, ICD-10 codes), while the rest (``男``, ``汉族``,
    ``高血压``) decides a column on its own. A whole-value regex in the dialect of ``pattern``."""
    negative_headers: tuple[str, ...] = ()
    """Header words that cancel a header match (``地址类型``, ``phone_model``)."""
    masked_pattern: str | None = None
    """Anchored regex of an already-masked value of this entity (``138****5678``)."""
    mask: dict[str, Any] = field(default_factory=lambda: {"style": "head_tail", "keep_head": 1, "keep_tail": 1})
    """Display mask convention used for examples and the ``mask`` operator (see screening.operators)."""
    context: tuple[str, ...] = ()
    """Words that make a free-text match more likely (Presidio context)."""
    negative_context: tuple[str, ...] = ()
    """Words that rule out a free-text match when they end right before it (``版本 2.1.0.45``), lowercase; see
    :func:`preceded_by`."""
    score: float = 0.5
    """Presidio score of a pattern match before validation."""
    examples_valid: tuple[str, ...] = ()
    examples_invalid: tuple[str, ...] = ()

    @property
    def python_pattern(self) -> str:
        return python_pattern(self.pattern)

    def is_valid(self, value: str) -> bool:
        """True when ``value`` (one candidate) passes the validator; True when there is none."""
        return True if self.validate is None else bool(self.validate(value))


_LEAD_FILLER = " \t:：=#号为是"
"""Characters skipped between a negative context word and the match (版本号：, version =)."""


def preceded_by(text: str, start: int, words: tuple[str, ...], reach: int = 16) -> bool:
    """True when one of ``words`` ends right before ``text[start:]``, past spaces, colons, 号, 为 and 是."""
    if not words:
        return False
    before = text[max(0, start - reach) : start].rstrip(_LEAD_FILLER).lower()
    return any(before.endswith(w) for w in words)


def python_pattern(pattern: str) -> str:
    """Translate the Rust-dialect pattern to Python's ``re``/``regex`` (ASCII word boundary)."""
    return pattern.replace(ASCII_BOUNDARY, "(?a:\\b)")


@cache
def all_recognizers() -> tuple[Recognizer, ...]:
    """Every ``RECOGNIZER`` defined in a module of this package, in priority order."""
    found: list[Recognizer] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rec = getattr(module, "RECOGNIZER", None)
        if isinstance(rec, Recognizer):
            found.append(rec)
    names = [r.entity for r in found]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise RuntimeError(f"two recognizers define {sorted(dupes)}")
    return tuple(sorted(found, key=lambda r: (r.priority, r.entity)))


def by_entity() -> dict[str, Recognizer]:
    return {r.entity: r for r in all_recognizers()}
