"""Classification -> Action: which operator desensitises a column, from the pack's level/entity policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening.classify import governing_entity
from screening.errors import ConfigError
from screening.model import Action, Classification, ColumnProfile
from screening.operators import check_params
from screening.rules import OPERATORS, RulePack

GENERALIZE_DEFAULT = {"CN_ADDRESS": "city", "GEO_COORDINATE": "round", "DATE_OF_BIRTH": "year"}
"""``generalize`` without ``to``: the level that suits the column's entity (dates to the year otherwise)."""
SPAN_OPERATORS = ("mask", "pseudonymize", "encrypt")
"""Operators applied to the entities found inside free text rather than to the whole cell."""


def choose_action(
    profile: ColumnProfile,
    classification: Classification,
    pack: RulePack,
    overrides: Mapping[str, str] | None = None,
) -> Action:
    """Per-column override, else the pack's rule for the governing entity, else the rule for its level.

    An override takes the pack's parameters when the pack chose the same operator for the column."""
    override = (overrides or {}).get(profile.name)
    if override is not None and override not in OPERATORS:
        raise ConfigError(None, f"--action {profile.name}={override}: unknown operator (one of {', '.join(OPERATORS)})")
    if profile.kind == "empty" and override is None:
        return Action("keep", {})
    entity = governing_entity(profile, pack)
    spec: dict[str, Any] = dict(pack.entity_actions.get(entity or "", pack.level_actions[classification.level]))
    operator = spec.pop("operator")
    if override is not None and override != operator:
        operator, spec = override, {}
    if operator in SPAN_OPERATORS and profile.kind == "free_text":
        # only the entities found inside the text are replaced (masks after each entity's convention)
        spec = {"scope": "spans", **({"hash": spec["hash"]} if operator == "pseudonymize" and "hash" in spec else {})}
    if operator == "generalize" and "to" not in spec:
        spec = {"to": GENERALIZE_DEFAULT.get(profile.entity or "", "year"), **spec}
    check_params(operator, spec, f"column {profile.name!r}")
    return Action(operator, spec)
