"""Load and check YAML rule packs (classification, grading and the desensitisation policy)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from screening.errors import ConfigError
from screening.model import ENTITY_NAMES

OPERATORS = ("mask", "redact", "keep", "pseudonymize", "generalize")


@dataclass(frozen=True)
class EntityRule:
    rule: str
    category: str
    level: int
    sensitive: bool
    basis: str


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    title: str
    source: str
    sha256: str
    levels: dict[int, str]
    entities: dict[str, EntityRule]
    unidentified: EntityRule
    level_actions: dict[int, dict[str, Any]]
    entity_actions: dict[str, dict[str, Any]]

    @property
    def max_level(self) -> int:
        return max(self.levels)


def builtin_packs() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("rules").iterdir() if p.name.endswith(".yaml"))


def load_pack(name_or_path: str | Path = "default") -> RulePack:
    """Load a built-in pack by name (``default``) or a YAML file by path."""
    text, source = _read(name_or_path)
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(source, f"{where}not valid YAML ({getattr(exc, 'problem', 'syntax error')})") from None
    return _parse(data, source, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(path, f"cannot read rule pack ({exc.__class__.__name__})") from None
    name = str(name_or_path)
    if name not in builtin_packs():
        raise ConfigError(None, f"unknown rule pack {name!r}; built-in packs: {', '.join(builtin_packs())}")
    return (resources.files("rules") / f"{name}.yaml").read_text(encoding="utf-8"), f"rules/{name}.yaml"


def _parse(data: Any, source: str, sha: str) -> RulePack:
    def need(obj: Any, key: str, kind: type, where: str) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            raise ConfigError(source, f"{where}: missing key {key!r}")
        value = obj[key]
        if not isinstance(value, kind):
            raise ConfigError(source, f"{where}.{key}: expected {kind.__name__}, got {type(value).__name__}")
        return value

    if not isinstance(data, dict):
        raise ConfigError(source, "a rule pack is a YAML mapping")
    levels = {int(k): str(v) for k, v in need(data, "levels", dict, "pack").items()}

    def entity_rule(obj: Any, where: str) -> EntityRule:
        level = need(obj, "level", int, where)
        if level not in levels:
            raise ConfigError(source, f"{where}.level: {level} is outside the pack's levels {sorted(levels)}")
        return EntityRule(
            rule=need(obj, "rule", str, where),
            category=need(obj, "category", str, where),
            level=level,
            sensitive=need(obj, "sensitive", bool, where),
            basis=str(obj.get("basis", "")),
        )

    entities: dict[str, EntityRule] = {}
    seen_rules: dict[str, str] = {}
    for entity, obj in need(data, "entities", dict, "pack").items():
        if entity not in ENTITY_NAMES:
            raise ConfigError(source, f"entities: unknown entity {entity!r}")
        rule = entity_rule(obj, f"entities.{entity}")
        if rule.rule in seen_rules:
            raise ConfigError(
                source, f"entities.{entity}: rule id {rule.rule!r} already used by {seen_rules[rule.rule]}"
            )
        seen_rules[rule.rule] = entity
        entities[entity] = rule

    policy = need(data, "policy", dict, "pack")

    def action(obj: Any, where: str) -> dict[str, Any]:
        op = need(obj, "operator", str, where)
        if op not in OPERATORS:
            raise ConfigError(source, f"{where}.operator: unknown operator {op!r} (one of {', '.join(OPERATORS)})")
        return dict(obj)

    level_actions = {int(k): action(v, f"policy.levels.{k}") for k, v in need(policy, "levels", dict, "policy").items()}
    missing = sorted(set(levels) - set(level_actions))
    if missing:
        raise ConfigError(source, f"policy.levels: no operator for level(s) {missing}")
    entity_actions = {}
    for entity, obj in (policy.get("entities") or {}).items():
        if entity not in ENTITY_NAMES:
            raise ConfigError(source, f"policy.entities: unknown entity {entity!r}")
        entity_actions[entity] = action(obj, f"policy.entities.{entity}")
    return RulePack(
        name=need(data, "name", str, "pack"),
        version=str(need(data, "version", str, "pack")),
        title=str(data.get("title", "")),
        source=source,
        sha256=sha,
        levels=levels,
        entities=entities,
        unidentified=entity_rule(need(data, "unidentified", dict, "pack"), "unidentified"),
        level_actions=level_actions,
        entity_actions=entity_actions,
    )
