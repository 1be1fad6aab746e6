"""Classification -> Action: which operator desensitises a column, from the pack's level/entity policy."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from screening.classify import governing_entity
from screening.errors import ConfigError
from screening.model import Action, Classification, ColumnProfile
from screening.operators import check_params
from screening.rules import OPERATORS, RulePack

GENERALIZE_DEFAULT = {"CN_ADDRESS": "city", "GEO_COORDINATE": "round", "DATE_OF_BIRTH": "year"}
"""``generalize`` without ``to``: the level that suits the column's entity (dates to the year otherwise)."""
SPAN_OPERATORS = ("mask", "pseudonymize", "encrypt")
"""Operators applied to the entities found inside free text rather than to the whole cell."""


Override = str | Mapping[str, Any]
"""A column's operator from the command line (``mask``) or a policy file (``{operator: mask, keep_head: 3}``)."""


def load_policy_file(path: Path) -> dict[str, Override]:
    """Per-column actions from a YAML policy file (``run --policy FILE``)::

        columns:
          手机号: mask                                    # an operator, with the pack's parameters if it chose it too
          身份证号: {operator: mask, keep_head: 3, keep_tail: 4}
          备注: keep

    Errors (unreadable file, unknown key, unknown operator, a parameter the operator does not take) raise a
    ConfigError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(path, f"not a readable YAML policy file ({type(err).__name__})") from None
    if not isinstance(data, dict) or set(data) - {"columns"} or not isinstance(data.get("columns"), dict):
        raise ConfigError(path, "a policy file holds one key, columns: a mapping of column name to operator")
    out: dict[str, Override] = {}
    for column, action in data["columns"].items():
        if isinstance(action, str):
            spec: dict[str, Any] = {"operator": action}
        elif isinstance(action, dict) and isinstance(action.get("operator"), str):
            spec = dict(action)
        else:
            raise ConfigError(path, f"column {column!r}: give an operator name or a mapping with operator:")
        operator = spec.pop("operator")
        if operator not in OPERATORS:
            raise ConfigError(path, f"column {column!r}: unknown operator {operator!r} (one of {', '.join(OPERATORS)})")
        try:
            check_params(operator, spec, f"column {column!r}")
        except ConfigError as err:
            raise ConfigError(path, err.problem) from None
        out[str(column)] = {"operator": operator, **spec} if spec else operator
    return out


def choose_action(
    profile: ColumnProfile,
    classification: Classification,
    pack: RulePack,
    overrides: Mapping[str, Override] | None = None,
) -> Action:
    """Per-column override, else the pack's rule for the governing entity, else the rule for its level.

    An override without parameters takes the pack's parameters when the pack chose the same operator for the
    column; an override with parameters (from a policy file) uses exactly its own."""
    raw = (overrides or {}).get(profile.name)
    override = raw if raw is None or isinstance(raw, str) else str(raw["operator"])
    own: dict[str, Any] | None = (
        None if raw is None or isinstance(raw, str) else {k: v for k, v in raw.items() if k != "operator"}
    )
    if override is not None and override not in OPERATORS:
        raise ConfigError(None, f"--action {profile.name}={override}: unknown operator (one of {', '.join(OPERATORS)})")
    if profile.kind == "empty" and override is None:
        return Action("keep", {})
    entity = governing_entity(profile, pack)
    spec: dict[str, Any] = dict(pack.entity_actions.get(entity or "", pack.level_actions[classification.level]))
    operator = spec.pop("operator")
    if override is not None and (override != operator or own):
        operator, spec = override, dict(own or {})
    if operator in SPAN_OPERATORS and profile.kind == "free_text":
        # only the entities found inside the text are replaced (masks after each entity's convention)
        spec = {"scope": "spans", **({"hash": spec["hash"]} if operator == "pseudonymize" and "hash" in spec else {})}
    if operator == "generalize" and "to" not in spec:
        spec = {"to": GENERALIZE_DEFAULT.get(profile.entity or "", "year"), **spec}
    check_params(operator, spec, f"column {profile.name!r}")
    return Action(operator, spec)
