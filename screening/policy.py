"""Classification -> Action: which operator desensitises a column, from the pack's level/entity policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening.classify import governing_entity
from screening.errors import ConfigError
from screening.model import Action, Classification, ColumnProfile
from screening.rules import OPERATORS, RulePack


def choose_action(
    profile: ColumnProfile,
    classification: Classification,
    pack: RulePack,
    overrides: Mapping[str, str] | None = None,
) -> Action:
    """Per-column override, else the pack's rule for the governing entity, else the rule for its level."""
    override = (overrides or {}).get(profile.name)
    if override is not None:
        if override not in OPERATORS:
            raise ConfigError(
                None, f"--action {profile.name}={override}: unknown operator (one of {', '.join(OPERATORS)})"
            )
        return Action(override, {})
    if profile.kind == "empty":
        return Action("keep", {})
    entity = governing_entity(profile, pack)
    spec: dict[str, Any] = dict(pack.entity_actions.get(entity or "", pack.level_actions[classification.level]))
    operator = spec.pop("operator")
    if operator == "mask" and profile.kind == "free_text":
        spec = {"scope": "spans"}  # only the entities found inside the text are masked
    return Action(operator, spec)
