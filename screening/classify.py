"""ColumnProfile x RulePack -> Classification (category, level, sensitive flag, and the rule that decided)."""

from __future__ import annotations

from screening.model import Classification, ColumnProfile
from screening.rules import EntityRule, RulePack


def classify(profile: ColumnProfile, pack: RulePack) -> Classification:
    """Grade a column by its decided entity; a free-text column by the most severe entity found in it."""
    rule = _rule_for(profile, pack)
    return Classification(
        rule.category,
        rule.level,
        rule.sensitive,
        rule.rule,
        rule.basis,
        cites=dict(rule.cites),
        decided_by=rule.decided_by,
        bases=tuple(b.as_dict() for b in rule.bases),
        pfi_class=rule.pfi_class,
    )


def governing_entity(profile: ColumnProfile, pack: RulePack) -> str | None:
    """The entity whose rule grades the column (free text: the highest-level entity found inside)."""
    if profile.kind == "free_text":
        found = [e for e, n in profile.entities.items() if n > 0 and e in pack.entities]
        if not found:
            return None
        return max(found, key=lambda e: (pack.entities[e].level, pack.entities[e].sensitive, profile.entities[e]))
    if profile.entity is None:
        return None
    # A mixed column is graded by its most severe member, not only by its most frequent one.
    members = [e for e, n in profile.entities.items() if n > 0 and e in pack.entities] or [profile.entity]
    members = [e for e in members if e in pack.entities]
    if not members:
        return None
    return max(members, key=lambda e: (pack.entities[e].level, pack.entities[e].sensitive))


def _rule_for(profile: ColumnProfile, pack: RulePack) -> EntityRule:
    entity = governing_entity(profile, pack)
    return pack.entities[entity] if entity is not None else pack.unidentified
