"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest

from recognizers import Recognizer


@pytest.fixture
def ticket_recognizer() -> Recognizer:
    """A made-up identifier (TK and four digits) whose context word 工单号 raises its score from 0.4."""
    return Recognizer(
        entity="TEST_TICKET",
        pattern="(?-u:\\b)TK[0-9]{4}(?-u:\\b)",
        headers=(),
        priority=5,
        context=("工单号",),
        score=0.4,
    )
