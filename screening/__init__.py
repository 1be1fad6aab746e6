"""Pre-registration screening of datasets: detect, classify, grade and desensitise Chinese personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screening.model import Span

__version__ = "0.1.0"


def find_entities(texts: Sequence[str | None]) -> list[list[Span]]:
    """Entities in free texts: per text, a list of spans with ``start``, ``end`` (exclusive, character offsets),
    ``entity`` and ``score``, sorted and never overlapping.

    Identifiers (ID, phone, card numbers, e-mail ...) come from the recognizers in ``recognizers/``; PERSON,
    CN_ADDRESS and ORGANIZATION from the NER model shipped in the package and the rules around it; a bare place
    name (北京) is not personal information and is left out (``screening.ner_model.find_entities`` keeps it, with a
    lower score, for the evaluation against the corpora). None and
    empty texts give no spans. The first call loads the model (about a second)."""
    from screening.freetext import find_entities as find

    return find(texts)
