"""Load and check YAML rule packs (classification, grading and the desensitisation policy).

A pack is checked against the JSON Schema shipped in ``screening/schema/rules.schema.json``, then against
itself: entity names, levels inside the pack's scale, declared categories and classes, unique rule ids,
a policy for every level. A pack with ``extends: NAME|FILE`` is a layer over another pack and holds only
what it changes (a level, a header word, an entity rule, an action); layers are merged base first. Every
problem names the file and line (``pack.yaml:12: entities.CN_PHONE.level: 9 is outside ...``).

Each rule cites a basis per aspect (category, level, sensitive, class). Where standards disagree (GB/T
35273-2020 lists the ID number as sensitive, GB/T 45574-2025 no longer does), a rule lists the readings
under ``bases`` and ``decided_by`` names the one the pack follows; a layer that changes a value without
giving a basis is cited as the source of that value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from screening.errors import ConfigError
from screening.model import ENTITY_NAMES

OPERATORS = ("mask", "redact", "keep", "pseudonymize", "generalize", "encrypt")
ASPECTS = ("category", "class", "level", "sensitive")
"""What a rule decides, each with its own citation."""
_RULE_FIELDS = ("rule", "category", "level", "sensitive", "basis")
"""What a rule needs when a pack first defines it."""

KeyPath = tuple[str | int, ...]
"""Where a value sits in a pack: mapping keys (as text) and list indices."""


@dataclass(frozen=True)
class Reading:
    """One standard's reading of an entity, where standards disagree (``bases`` in the YAML)."""

    standard: str
    clause: str
    tag: str
    sensitive: bool | None = None
    level: int | None = None
    note: str = ""

    def cite(self) -> str:
        return f"{self.standard} {self.clause} [{self.tag}]"

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "clause": self.clause,
            "tag": self.tag,
            "sensitive": self.sensitive,
            "level": self.level,
            "note": self.note,
        }


@dataclass(frozen=True)
class EntityRule:
    rule: str
    category: str
    level: int
    sensitive: bool
    basis: str
    """One line: every aspect's citation, and the readings not followed."""
    cites: dict[str, str] = field(default_factory=dict)
    """Aspect (category, level, sensitive, class) -> the standard and clause it rests on."""
    bases: tuple[Reading, ...] = ()
    decided_by: str | None = None
    """Which reading (or which pack layer) decided, when ``bases`` disagree; None when they do not."""
    pfi_class: str | None = None
    """Class of personal financial information (JR/T 0171-2020 C1/C2/C3), in packs that have classes."""
    origin: str = ""
    """``FILE:LINE`` where the rule was defined."""


@dataclass(frozen=True)
class Category:
    subject: str
    basis: str


@dataclass(frozen=True)
class PfiClass:
    label: str
    level: int
    basis: str


@dataclass(frozen=True)
class Layer:
    """One YAML file of a pack, base first."""

    name: str
    version: str
    source: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "source": self.source, "sha256": self.sha256}


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    title: str
    source: str
    sha256: str
    """Of the file's content; for a layered pack, of its layers' digests, base first."""
    levels: dict[int, str]
    entities: dict[str, EntityRule]
    unidentified: EntityRule
    level_actions: dict[int, dict[str, Any]]
    entity_actions: dict[str, dict[str, Any]]
    categories: dict[str, Category] = field(default_factory=dict)
    classes: dict[str, PfiClass] = field(default_factory=dict)
    extra_headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Entity -> header words the pack adds to its recognizer's own."""
    layers: tuple[Layer, ...] = ()

    @property
    def max_level(self) -> int:
        return max(self.levels)


def builtin_packs() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("rules").iterdir() if p.name.endswith(".yaml"))


def load_pack(name_or_path: str | Path = "default") -> RulePack:
    """Load a built-in pack by name (``default``, ``finance``) or a YAML file by path, with the packs it extends."""
    docs = _chain(name_or_path, ())
    merged = _Merged()
    for doc in docs:
        merged.apply(doc)
    return merged.build(docs)


def schema() -> dict[str, Any]:
    """The JSON Schema of a rule pack, shipped in the package."""
    return json.loads(_schema_text())


def describe(pack: RulePack) -> dict[str, Any]:
    """The pack as plain data: what ``screening rules show --format json`` prints."""

    def rule(r: EntityRule) -> dict[str, Any]:
        return {
            "rule": r.rule,
            "category": r.category,
            "level": r.level,
            "sensitive": r.sensitive,
            "class": r.pfi_class,
            "basis": r.basis,
            "cites": dict(r.cites),
            "decided_by": r.decided_by,
            "bases": [b.as_dict() for b in r.bases],
            "origin": r.origin,
        }

    return {
        "name": pack.name,
        "version": pack.version,
        "title": pack.title,
        "source": pack.source,
        "sha256": pack.sha256,
        "layers": [layer.as_dict() for layer in pack.layers],
        "levels": {str(k): v for k, v in sorted(pack.levels.items())},
        "categories": {k: {"subject": c.subject, "basis": c.basis} for k, c in pack.categories.items()},
        "classes": {k: {"label": c.label, "level": c.level, "basis": c.basis} for k, c in pack.classes.items()},
        "entities": {e: rule(r) for e, r in pack.entities.items()},
        "unidentified": rule(pack.unidentified),
        "headers": {e: list(w) for e, w in pack.extra_headers.items()},
        "policy": {
            "levels": {str(k): v for k, v in sorted(pack.level_actions.items())},
            "entities": dict(pack.entity_actions),
        },
    }


# ------------------------------------------------------------------------------------------ reading files
class PackError(ConfigError):
    """A rule pack is unusable; ``problems`` holds every ``FILE:LINE: problem`` found, the first in the message."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        problems = sorted(problems, key=lambda p: (p[0].rpartition(":")[0], int(p[0].rpartition(":")[2] or 0)))
        self.problems = [f"{where}: {what}" for where, what in problems]
        where, what = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        super().__init__(where, what + more)


@dataclass
class _Doc:
    """One parsed YAML file: data with every key as text, and the line of every key and list item."""

    source: str
    sha256: str
    data: dict[str, Any]
    lines: dict[KeyPath, int]
    builtin: bool
    """Shipped in the package: the JSON Schema and operator parameters are checked by the tests, not at load."""

    def where(self, path: KeyPath) -> str:
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return f"{self.source}:{self.lines[path[:end]]}"
        return f"{self.source}:1"

    @property
    def label(self) -> str:
        return f"pack {self.data['name']} {self.data['version']}"


def _chain(name_or_path: str | Path, seen: tuple[str, ...]) -> list[_Doc]:
    """The pack and the packs it extends, base first."""
    text, source, builtin = _read(name_or_path)
    if source in seen:
        raise ConfigError(source, f"extends itself through {' -> '.join((*seen, source))}")
    doc = _parse(text, source, builtin)
    base = doc.data.get("extends")
    if base is None:
        return [doc]
    target: str | Path = base
    if not builtin and (base.endswith((".yaml", ".yml")) or "/" in base):
        target = Path(source).parent / base
    try:
        return [*_chain(target, (*seen, source)), doc]
    except PackError:
        raise
    except ConfigError as err:  # an unknown or unreadable base: name the line that asked for it
        raise PackError([(doc.where(("extends",)), f"extends: {err}")]) from None


def _read(name_or_path: str | Path) -> tuple[str, str, bool]:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path), False
        except FileNotFoundError:
            raise ConfigError(path, "rule pack not found") from None
        except UnicodeDecodeError:
            raise ConfigError(path, "cannot read rule pack: it is not UTF-8 text") from None
        except OSError as exc:
            raise ConfigError(path, f"cannot read rule pack: {exc.strerror or type(exc).__name__}") from None
    name = str(name_or_path)
    if name not in builtin_packs():
        raise ConfigError(None, f"unknown rule pack {name!r}; built-in packs: {', '.join(builtin_packs())}")
    return (resources.files("rules") / f"{name}.yaml").read_text(encoding="utf-8"), f"rules/{name}.yaml", True


def _key(k: Any) -> str:
    return str(k).lower() if isinstance(k, bool) else str(k)


def _textkeys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {_key(k): _textkeys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_textkeys(v) for v in obj]
    return obj


def _parse(text: str, source: str, builtin: bool) -> _Doc:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    lines: dict[KeyPath, int] = {}
    try:
        node = loader.get_single_node()
        if node is not None:
            _index(node, (), lines, loader, source)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "syntax error"
        raise PackError([(f"{source}:{line}", f"not valid YAML ({problem})")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PackError([(f"{source}:1", "a rule pack is a YAML mapping (name, version, levels, entities, ...)")])
    doc = _Doc(source, hashlib.sha256(text.encode("utf-8")).hexdigest(), _textkeys(data), lines, builtin)
    # Built-in packs are checked against the schema by the tests; skipping it here saves importing jsonschema
    # (and screening.operators for the parameters) on every scan. Their semantic checks still run.
    if not builtin:
        _check_schema(doc)
    return doc


def _index(node: Any, path: KeyPath, lines: dict[KeyPath, int], loader: Any, source: str, depth: int = 0) -> None:
    """Record the line of every mapping key and list item; a key given twice in one mapping is an error."""
    import yaml

    if depth > 50:  # a recursive alias; a rule pack is never this deep
        raise PackError([(f"{source}:{node.start_mark.line + 1}", "nested too deeply (a recursive alias?)")])
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                continue
            key = _key(loader.construct_object(knode, deep=True)) if isinstance(knode, yaml.ScalarNode) else "?"
            line = knode.start_mark.line + 1
            if key in first:
                raise PackError(
                    [(f"{source}:{line}", f"{_dotted((*path, key))}: key given twice (first on line {first[key]})")]
                )
            first[key] = line
            lines[(*path, key)] = line
            _index(vnode, (*path, key), lines, loader, source, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _index(item, (*path, i), lines, loader, source, depth + 1)


def _dotted(path: KeyPath) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "pack"


# ------------------------------------------------------------------------------------------ JSON Schema
@cache
def _schema_text() -> str:
    return (resources.files("screening.schema") / "rules.schema.json").read_text(encoding="utf-8")


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _check_schema(doc: _Doc) -> None:
    found = [x for err in _validator().iter_errors(doc.data) for x in _explain(err)]
    # A misspelt key is reported once, as the unknown key with its suggestion, not also as the key it lacks.
    misspelt = {f"{_dotted(path[:-1])}: missing key {fix!r}" for path, _, fix in found if fix}
    problems = [(doc.where(path), message) for path, message, _ in found if message not in misspelt]
    if problems:
        raise PackError(list(dict.fromkeys(problems)))


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "boolean": "true or false", "object": "a mapping"}


def _kind(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", dict: "a mapping", list: "a list"}
    return "nothing" if value is None else names.get(type(value), type(value).__name__)


def _explain(err: Any) -> Iterator[tuple[KeyPath, str, str | None]]:
    """A schema error in the pack's words: the path of the key it is about, the message, a suggested key."""
    import difflib

    path: KeyPath = tuple(err.absolute_path)
    where = _dotted(path)
    kind = err.validator
    if kind == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        for key in err.instance:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                hint = hint or (f" (expected one of: {', '.join(allowed)})" if allowed else "")
                yield (*path, key), f"{_dotted((*path, key))}: unknown key {key!r}{hint}", close[0] if close else None
    elif kind == "required":
        for key in err.validator_value:
            if key not in err.instance:
                yield path, f"{where}: missing key {key!r}", None
    elif kind == "enum":
        choices = ", ".join(str(c) for c in err.validator_value)
        what = "operator" if path and path[-1] == "operator" else "value"
        yield path, f"{where}: unknown {what} {err.instance!r} (one of {choices})", None
    elif kind == "type":
        wanted: list[str] = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        names = " or ".join(_TYPE_NAMES.get(w, w) for w in wanted)
        hint = " (quote it)" if "string" in wanted and isinstance(err.instance, int | float) else ""
        yield path, f"{where}: expected {names}, got {_kind(err.instance)} {err.instance!r}{hint}", None
    elif kind == "propertyNames":
        key = err.instance
        yield (*path, key), f"{_dotted((*path, key))}: {key!r} is not a valid key here ({err.message})", None
    else:
        yield path, f"{where}: {err.message}", None


# ------------------------------------------------------------------------------------------ merging layers
@dataclass
class _Rule:
    """A rule while layers are merged: values, their citations, and where each value was set."""

    values: dict[str, Any] = field(default_factory=dict)
    cites: dict[str, str] = field(default_factory=dict)
    readings: list[Reading] = field(default_factory=list)
    decided_by: str | None = None
    overruled_by: str | None = None
    where: dict[str, str] = field(default_factory=dict)


class _Merged:
    """The layers merged so far; problems are collected, each with its ``FILE:LINE``."""

    def __init__(self) -> None:
        self.meta: dict[str, str] = {}
        self.levels: dict[int, str] = {}
        self.levels_where: str = ""
        self.categories: dict[str, Category] = {}
        self.classes: dict[str, tuple[PfiClass, str]] = {}
        self.rules: dict[str, _Rule] = {}
        self.headers: dict[str, list[str]] = {}
        self.level_actions: dict[int, tuple[dict[str, Any], str]] = {}
        self.entity_actions: dict[str, tuple[dict[str, Any], str]] = {}
        self.problems: list[tuple[str, str]] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def apply(self, doc: _Doc) -> None:
        d = doc.data
        for key in ("name", "version", "title"):
            if key in d:
                self.meta[key] = d[key]
        for k, label in d.get("levels", {}).items():
            self.levels[int(k)] = label
            self.levels_where = self.levels_where or doc.where(("levels",))
        for name, c in d.get("categories", {}).items():
            self.categories[name] = Category(c["subject"], c["basis"])
        for name, c in d.get("classes", {}).items():
            self.classes[name] = (PfiClass(c["label"], c["level"], c["basis"]), doc.where(("classes", name, "level")))
        for entity, obj in d.get("entities", {}).items():
            if entity not in ENTITY_NAMES:
                self.problem(doc.where(("entities", entity)), f"entities: {_unknown_entity(entity)}")
                continue
            self._rule(doc, ("entities", entity), entity, obj)
        if "unidentified" in d:
            self._rule(doc, ("unidentified",), "", d["unidentified"])
        for entity, words in d.get("headers", {}).items():
            if entity not in ENTITY_NAMES:
                self.problem(doc.where(("headers", entity)), f"headers: {_unknown_entity(entity)}")
                continue
            merged = self.headers.setdefault(entity, [])
            merged.extend(w for w in words if w not in merged)
        policy = d.get("policy", {})
        for k, action in policy.get("levels", {}).items():
            self._check_action(doc, ("policy", "levels", k), action)
            self.level_actions[int(k)] = (dict(action), doc.where(("policy", "levels", k)))
        for entity, action in policy.get("entities", {}).items():
            if entity not in ENTITY_NAMES:
                self.problem(doc.where(("policy", "entities", entity)), f"policy.entities: {_unknown_entity(entity)}")
                continue
            self._check_action(doc, ("policy", "entities", entity), action)
            self.entity_actions[entity] = (dict(action), doc.where(("policy", "entities", entity)))

    def _check_action(self, doc: _Doc, path: KeyPath, action: dict[str, Any]) -> None:
        operator = action.get("operator")
        if operator not in OPERATORS:  # built-in packs skip the schema
            self.problem(
                doc.where((*path, "operator")),
                f"{_dotted(path)}.operator: unknown operator {operator!r} (one of {', '.join(OPERATORS)})",
            )
        elif not doc.builtin:
            from screening.operators import check_params

            try:
                check_params(operator, {k: v for k, v in action.items() if k != "operator"})
            except ConfigError as err:
                self.problem(doc.where(path), f"{_dotted(path)}: {err.problem}")

    def _rule(self, doc: _Doc, path: KeyPath, entity: str, obj: dict[str, Any]) -> None:
        new = entity not in self.rules
        if new:
            missing = [f for f in _RULE_FIELDS if f not in obj]
            if missing:
                self.problem(doc.where(path), f"{_dotted(path)}: a new rule needs {', '.join(missing)}")
                return
        r = self.rules.setdefault(entity, _Rule())
        changed = {a for a in ASPECTS if a in obj and obj[a] != r.values.get(a)}
        for f in ("rule", *ASPECTS):
            if f in obj:
                r.values[f] = obj[f]
                r.where[f] = doc.where((*path, f))
        r.where.setdefault("rule", doc.where(path))
        basis = obj.get("basis")
        cited: set[str] = set()
        if isinstance(basis, str):
            cited = {a for a in ASPECTS if a != "class" or "class" in r.values}
            r.cites.update(dict.fromkeys(cited, basis))
        elif isinstance(basis, dict):
            cited = set(basis)
            r.cites.update(basis)
        if "bases" in obj:
            r.where["bases"] = doc.where((*path, "bases"))
        for b in obj.get("bases", []):
            reading = Reading(
                b["standard"], b["clause"], b["tag"], b.get("sensitive"), b.get("level"), b.get("note", "")
            )
            r.readings = [x for x in r.readings if x.standard != reading.standard] + [reading]
        if "decided_by" in obj:
            cited |= self._decide(doc, path, r, obj)
        elif r.decided_by is not None:
            chosen = self._reading(r, r.decided_by)
            for a in ("level", "sensitive"):
                if a in changed and chosen is not None and getattr(chosen, a) not in (None, obj[a]):
                    r.overruled_by = f"{doc.label} ({doc.where((*path, a))}), over {chosen.cite()}"
                    r.decided_by = None
        if not new:  # a layer that changes a value without saying why is itself the citation
            for a in changed - cited:
                r.cites[a] = f"set by {doc.label} ({doc.where((*path, a))}); no basis given"

    @staticmethod
    def _reading(r: _Rule, standard: str) -> Reading | None:
        return next((b for b in r.readings if b.standard == standard), None)

    def _decide(self, doc: _Doc, path: KeyPath, r: _Rule, obj: dict[str, Any]) -> set[str]:
        """Follow the reading ``decided_by`` names: its sensitive flag and level, and its citation for them."""
        standard = obj["decided_by"]
        chosen = self._reading(r, standard)
        if chosen is None:
            known = ", ".join(b.standard for b in r.readings) or "none given"
            self.problem(
                doc.where((*path, "decided_by")),
                f"{_dotted(path)}.decided_by: {standard!r} names none of the bases ({known})",
            )
            return set()
        followed = set()
        for a in ("sensitive", "level"):
            value = getattr(chosen, a)
            if value is None:
                continue
            if a in obj and obj[a] != value:
                self.problem(
                    doc.where((*path, a)),
                    f"{_dotted(path)}.{a}: {_show(obj[a])} disagrees with decided_by {standard} ({a}: {_show(value)})",
                )
            r.values[a] = value
            r.where.setdefault(a, doc.where((*path, "decided_by")))
            r.cites[a] = chosen.cite() + (f" ({chosen.note})" if chosen.note else "")
            followed.add(a)
        r.decided_by = standard
        r.overruled_by = None
        return followed

    # -------------------------------------------------------------------------------------- the result
    def build(self, docs: list[_Doc]) -> RulePack:
        top = docs[-1]
        levels = dict(sorted(self.levels.items()))
        scale = f"1..{max(levels)}" if levels else "none"
        if levels and list(levels) != list(range(1, len(levels) + 1)):
            self.problem(self.levels_where, f"levels: expected 1..{len(levels)} without gaps, got {list(levels)}")
        for name, (c, where) in self.classes.items():
            if c.level not in levels:
                self.problem(where, f"classes.{name}.level: {c.level} is outside the pack's levels {scale}")
        rules: dict[str, EntityRule] = {}
        ids: dict[str, str] = {}
        for entity, r in self.rules.items():
            built = self._entity_rule(entity, r, levels, scale)
            if built is None:
                continue
            if built.rule in ids:
                self.problem(
                    r.where["rule"],
                    f"{_label(entity)}.rule: rule id {built.rule!r} already used by {ids[built.rule]}",
                )
            ids.setdefault(built.rule, f"{_label(entity)} ({r.where['rule']})")
            rules[entity] = built
        for k, (_, where) in self.level_actions.items():
            if k not in levels:
                self.problem(where, f"policy.levels.{k}: {k} is outside the pack's levels {scale}")
        missing = [k for k in levels if k not in self.level_actions]
        if missing:
            self.problem(top.where(("policy", "levels")), f"policy.levels: no operator for level(s) {missing}")
        if "" not in rules and "" not in self.rules:
            self.problem(top.where(()), "missing key 'unidentified'")
        if self.problems:
            raise PackError(self.problems)
        layers = tuple(Layer(d.data["name"], d.data["version"], d.source, d.sha256) for d in docs)
        sha = docs[0].sha256 if len(docs) == 1 else hashlib.sha256("".join(d.sha256 for d in docs).encode()).hexdigest()
        unidentified = rules.pop("")
        return RulePack(
            name=self.meta["name"],
            version=self.meta["version"],
            title=self.meta.get("title", ""),
            source=top.source,
            sha256=sha,
            levels=levels,
            entities=rules,
            unidentified=unidentified,
            level_actions={k: a for k, (a, _) in sorted(self.level_actions.items())},
            entity_actions={e: a for e, (a, _) in self.entity_actions.items()},
            categories=dict(self.categories),
            classes={k: c for k, (c, _) in sorted(self.classes.items())},
            extra_headers={e: tuple(w) for e, w in self.headers.items()},
            layers=layers,
        )

    def _entity_rule(self, entity: str, r: _Rule, levels: dict[int, str], scale: str) -> EntityRule | None:
        v, name = r.values, _label(entity)
        if not {"rule", "category", "level", "sensitive"} <= set(v):
            return None  # already reported: a new rule without its fields
        ok = True
        if v["level"] not in levels:
            self.problem(r.where["level"], f"{name}.level: {v['level']} is outside the pack's levels {scale}")
            ok = False
        if self.categories and v["category"] not in self.categories:
            self.problem(
                r.where["category"],
                f"{name}.category: unknown category {v['category']!r} (the pack's: {', '.join(self.categories)})",
            )
            ok = False
        pfi_class = v.get("class")
        if pfi_class is not None and pfi_class not in self.classes:
            known = ", ".join(self.classes) or "the pack declares no classes"
            self.problem(r.where["class"], f"{name}.class: unknown class {pfi_class!r} ({known})")
            ok = False
        for b in r.readings:
            if b.level is not None and b.level not in levels:
                self.problem(r.where["bases"], f"{name}.bases: {b.standard} level {b.level} is outside {scale}")
                ok = False
        if r.decided_by is None and r.overruled_by is None:
            for a in ("sensitive", "level"):
                said = {getattr(b, a) for b in r.readings} - {None}
                if len(said) > 1:
                    self.problem(
                        r.where["bases"],
                        f"{name}.bases disagree on {a}; name the reading the pack follows with decided_by",
                    )
                    ok = False
        needed = [a for a in ASPECTS if (a != "class" or pfi_class is not None) and not r.cites.get(a)]
        if needed and ok:  # after a disagreement, the missing citations are its consequence
            self.problem(r.where["rule"], f"{name}.basis: no citation for {', '.join(needed)}")
            ok = False
        if not ok:
            return None
        decided = self._decided_text(r)
        return EntityRule(
            rule=v["rule"],
            category=v["category"],
            level=v["level"],
            sensitive=v["sensitive"],
            basis=_basis_line(r, decided),
            cites={a: r.cites[a] for a in ASPECTS if a in r.cites and (a != "class" or pfi_class is not None)},
            bases=tuple(r.readings),
            decided_by=decided,
            pfi_class=pfi_class,
            origin=r.where["rule"],
        )

    def _decided_text(self, r: _Rule) -> str | None:
        if r.overruled_by is not None:
            return r.overruled_by
        if r.decided_by is None:
            return None
        chosen = self._reading(r, r.decided_by)
        return chosen.cite() if chosen is not None else r.decided_by


def _unknown_entity(entity: str) -> str:
    import difflib

    close = difflib.get_close_matches(entity.upper(), ENTITY_NAMES, n=1)
    return f"unknown entity {entity!r}" + (f" (did you mean {close[0]}?)" if close else "")


def _label(entity: str) -> str:
    return f"entities.{entity}" if entity else "unidentified"


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _basis_line(r: _Rule, decided: str | None) -> str:
    """Every aspect's citation on one line (aspects citing the same text share it), then the readings not followed."""
    grouped: dict[str, list[str]] = {}
    for a in ASPECTS:
        if a in r.cites and (a != "class" or "class" in r.values):
            grouped.setdefault(r.cites[a], []).append(a)
    if len(grouped) == 1:
        line = next(iter(grouped))
    else:
        line = "; ".join(f"{', '.join(aspects)}: {cite}" for cite, aspects in grouped.items())
    others = [b for b in r.readings if b.standard != r.decided_by]
    if decided is not None and others:
        said = [
            b.cite()
            + "".join(f", {a} {_show(getattr(b, a))}" for a in ("sensitive", "level") if getattr(b, a) is not None)
            + (f" ({b.note})" if b.note else "")
            for b in others
        ]
        line += f"; decided by {r.decided_by or decided}, not by " + "; ".join(said)
    return line
