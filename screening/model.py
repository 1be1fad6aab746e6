"""Small frozen dataclasses that flow between the pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ColumnKind = Literal["structured", "free_text", "empty"]


@dataclass(frozen=True)
class DatasetInfo:
    """What the reader learnt about one input file."""

    path: str
    format: Literal["csv", "parquet"]
    bytes: int
    columns: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()
    """Header problems the reader repaired (duplicate or empty names), in plain language."""


@dataclass(frozen=True)
class ColumnProfile:
    """One decision per column, fused from header and value evidence over every row."""

    name: str
    kind: ColumnKind
    entity: str | None
    entities: dict[str, int]
    confidence: float
    reason: str
    rows: int
    non_null: int
    header_entity: str | None = None
    masked: dict[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    """A few example values, already masked."""
    sampled: int | None = None
    """Free text: number of cells the model-based entities were estimated on (None = every cell)."""
    errors: tuple[str, ...] = ()
    """Recognizer errors met while screening the column (one per entity, values masked)."""


@dataclass(frozen=True)
class Classification:
    category: str
    level: int
    sensitive: bool
    rule: str
    basis: str
    """One line: the standard and clause behind each of category, class, level and sensitive."""
    cites: dict[str, str] = field(default_factory=dict)
    """Aspect (category, class, level, sensitive) -> the standard and clause it rests on."""
    decided_by: str | None = None
    """The reading (standard and clause) or pack layer that decided where the standards disagree."""
    bases: tuple[dict[str, Any], ...] = ()
    """The standards' readings where they disagree: standard, clause, tag, sensitive, level, note."""
    pfi_class: str | None = None
    """Class of personal financial information (JR/T 0171-2020 C1/C2/C3), in packs that have classes."""


@dataclass(frozen=True)
class Action:
    operator: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"operator": self.operator, **self.params}


@dataclass(frozen=True)
class Span:
    """An entity found inside a free-text cell; ``end`` is exclusive, offsets in characters."""

    start: int
    end: int
    entity: str
    score: float


ENTITY_NAMES: tuple[str, ...] = (
    "CN_ID_CARD", "CN_PHONE", "CN_LANDLINE", "CN_BANK_CARD", "CN_USCC", "CN_ORG_CODE", "CN_PASSPORT",
    "CN_HK_MACAO_PERMIT", "CN_TAIWAN_PERMIT", "CN_LICENSE_PLATE", "CN_VIN", "EMAIL_ADDRESS", "IP_ADDRESS",
    "MAC_ADDRESS", "IMEI", "GEO_COORDINATE", "PERSON", "CN_ADDRESS", "ORGANIZATION", "DATE_OF_BIRTH", "GENDER",
    "ETHNICITY", "RELIGION", "HEALTH", "MARITAL_STATUS", "BANK_ACCOUNT",
)  # fmt: skip
"""Entity type names: part of the report interface that other tools rely on."""
