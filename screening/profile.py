"""Evidence over all batches + the header -> one ColumnProfile (entity, kind, confidence, reason) per column.

The decision, in order (shares are of the column's non-empty cells, counted exclusively by priority):

1. no non-empty cell -> ``empty``;
2. a free-text column -> ``free_text``, reporting the entities found inside its cells;
3. an entity is a *member* of the column when at least ``MIXED_MEMBER`` of the cells validate as it and,
   for checksummed entities, at least ``VALID_RATIO`` of the cells shaped like it validate (random digits
   pass a MOD 11-2 or Luhn check about one time in ten, so order numbers stay quiet);
4. the top member decides when its share reaches ``VALUE_DECISIVE``, or ``HEADER_SUPPORTED`` when the
   header names the same entity; several members that together reach ``VALUE_DECISIVE`` make a mixed
   column, which reports each type with its count;
   an entity that needs its header (``Recognizer.header_required``: dates of birth, bank accounts, gender
   codes) is a member only when the header names it;
5. a header naming a weakly-gated entity (a card number) decides when ``SHAPE_DECISIVE`` of the cells
   have its shape, even if fewer pass the checksum;
6. cells already masked (``138****5678``) decide when they reach ``VALUE_DECISIVE``, and are reported as
   masked;
7. members below the thresholds still name the column, at a low confidence, so that sparse sensitive
   values are not lost;
8. a header alone names the entity at a low confidence, and the reason says that values disagree.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from recognizers import Recognizer
from screening.detect import NER_SAMPLE_CELLS, ColumnEvidence
from screening.model import ColumnProfile

VALUE_DECISIVE = 0.60
HEADER_SUPPORTED = 0.30
SHAPE_DECISIVE = 0.60
MIXED_MEMBER = 0.05
VALID_RATIO = 0.50
WEAK_GATE = frozenset({"CN_BANK_CARD"})
"""Entities whose checksum is evidence, not a gate, when the header names them (legacy cards fail Luhn)."""


# ------------------------------------------------------------------------------------------ header
def _header_tokens(header: str) -> tuple[str, set[str]]:
    text = unicodedata.normalize("NFKC", header).strip().lower()
    tokens = set(re.split(r"[^0-9a-z\u4e00-\u9fff]+", text)) - {""}
    # camelCase and run-together English: also split at ascii/cjk borders
    tokens |= set(re.findall(r"[a-z]+|[0-9]+", text))
    compact = re.sub(r"[\s_\-./:()（）]+", "", text)
    return compact, tokens


def header_matches(rec: Recognizer, header: str) -> bool:
    """True when a header word of ``rec`` occurs in ``header`` and none of its negative words does."""
    compact, tokens = _header_tokens(header)

    def hit(word: str) -> bool:
        word = word.lower()
        if word.isascii():
            w = re.sub(r"[\s_\-]+", "", word)
            return w == compact or w in tokens or (len(w) >= 4 and w in compact)
        return word in compact

    return any(hit(w) for w in rec.headers) and not any(hit(w) for w in rec.negative_headers)


def header_entity(header: str, recognizers: tuple[Recognizer, ...]) -> str | None:
    """The entity the header names, preferring the longest matching word (身份证号 over 号)."""
    best: tuple[int, int, str] | None = None
    compact, _ = _header_tokens(header)
    for rec in recognizers:
        if header_matches(rec, header):
            length = max((len(w) for w in rec.headers if w.lower() in compact or w.lower() == compact), default=1)
            cand = (length, -rec.priority, rec.entity)
            best = cand if best is None or cand > best else best
    return best[2] if best else None


# ---------------------------------------------------------------------------------------- decision
def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def decide(
    ev: ColumnEvidence, recognizers: tuple[Recognizer, ...], ner_counts: dict[str, int] | None = None
) -> ColumnProfile:
    recs = {r.entity: r for r in recognizers}
    header = header_entity(ev.name, recognizers)
    base: dict[str, Any] = {
        "name": ev.name,
        "rows": ev.rows,
        "non_null": ev.non_null,
        "header_entity": header,
        "errors": tuple(ev.errors.values()),
    }
    masked = {e: n for e, n in ev.masked.items() if n}

    if ev.non_null == 0:
        why = "no non-empty values" + (f"; the header suggests {header}" if header else "")
        return ColumnProfile(kind="empty", entity=None, entities={}, confidence=1.0, reason=why, **base)

    nn = ev.non_null
    if ev.mode == "free_text":
        return _free_text(ev, header, ner_counts or {}, base)

    shares = {e: n / nn for e, n in ev.valid.items() if n and (header == e or not recs[e].header_required)}
    members: dict[str, int] = {}
    for e, n in ev.valid.items():
        if recs[e].header_required and header != e:
            continue  # values alone are no evidence for it (see Recognizer.header_required)
        shaped = ev.shaped.get(e, 0)
        checksummed = recs[e].validate is not None
        if n and n / nn >= MIXED_MEMBER and (not checksummed or n / max(shaped, 1) >= VALID_RATIO):
            members[e] = n
    examples = tuple(x for e in sorted(members, key=lambda e: -members[e]) for x in ev.examples.get(e, []))[:3]
    top = max(members, key=lambda e: members[e]) if members else None
    agree = (
        "; the header agrees"
        if header and header == top
        else (f"; the header suggests {header}, the values disagree" if header and top else "")
    )

    def profile(
        entity: str | None, entities: dict[str, int], conf: float, reason: str, ex: tuple[str, ...] = examples
    ) -> ColumnProfile:
        return ColumnProfile(
            kind="structured",
            entity=entity,
            entities=entities,
            confidence=round(min(conf, 0.99), 2),
            reason=reason,
            masked=masked,
            examples=ex,
            **base,
        )

    def valid_word(e: str) -> str:
        if recs[e].kind == "identifier" and recs[e].validate is not None:
            return f"valid {e} (checksum or format check passed)"
        return f"{e} by their vocabulary and shape"

    if top is not None:
        s = shares[top]
        boost = 0.1 if header == top else (-0.1 if header else 0.0)
        strength = 0.5 if recs[top].validate is not None else 0.4
        if s >= VALUE_DECISIVE or (header == top and s >= HEADER_SUPPORTED):
            reason = f"{_pct(s)} of {nn} non-empty values are {valid_word(top)}{agree}"
            if len(members) > 1:
                reason += "; also " + ", ".join(f"{e} ({members[e]})" for e in members if e != top)
            return profile(
                top, dict(sorted(members.items(), key=lambda kv: -kv[1])), strength + 0.5 * s + boost, reason
            )
        total = sum(members.values()) / nn
        if len(members) > 1 and total >= VALUE_DECISIVE:
            parts = ", ".join(
                f"{e} {members[e]} ({_pct(members[e] / nn)})" for e in sorted(members, key=lambda e: -members[e])
            )
            return profile(
                top,
                dict(sorted(members.items(), key=lambda kv: -kv[1])),
                strength + 0.4 * total,
                f"mixed column: {parts} of {nn} non-empty values{agree}",
            )

    if header in WEAK_GATE and ev.shaped.get(header, 0) / nn >= SHAPE_DECISIVE:
        shaped, valid = ev.shaped[header], ev.valid.get(header, 0)
        return profile(
            header,
            {header: shaped},
            0.6 + 0.3 * valid / shaped,
            f"the header names {header}; {_pct(shaped / nn)} of {nn} values have its shape and "
            f"{_pct(valid / shaped)} of those pass its checksum",
        )

    if masked:
        m_top = max(masked, key=lambda e: masked[e])
        if masked[m_top] / nn >= VALUE_DECISIVE:
            return profile(
                m_top,
                {m_top: masked[m_top]},
                0.5 + 0.4 * masked[m_top] / nn,
                f"{_pct(masked[m_top] / nn)} of {nn} values are already masked {m_top} (e.g. kept head and tail)"
                + (agree if header == m_top else ""),
            )

    if top is not None:
        s = shares[top]
        return profile(
            top,
            dict(sorted(members.items(), key=lambda kv: -kv[1])),
            0.2 + 0.4 * s,
            f"only {members[top]} of {nn} non-empty values ({_pct(s)}) are {valid_word(top)}{agree}",
        )

    if header is not None:
        seen = ev.valid.get(header, 0) / nn
        return profile(
            header,
            {},
            0.4,
            f"the header names {header} but the values do not look like it "
            f"({_pct(seen)} of {nn} validate); check the column by hand",
            ex=(),
        )
    return profile(None, {}, 0.9 if nn >= 20 else 0.6, f"no entity found in {nn} non-empty values", ex=())


def _free_text(
    ev: ColumnEvidence, header: str | None, ner_counts: dict[str, int], base: dict[str, Any]
) -> ColumnProfile:
    entities = {e: n for e, n in ev.valid.items() if n}
    sampled = None
    for e, n in ner_counts.items():
        if n and e not in entities:
            entities[e] = n
            sampled = len(ev.ner_sample)
    entities = dict(sorted(entities.items(), key=lambda kv: -kv[1]))
    top = next(iter(entities), None)
    stats = (
        f"free text (average {ev.avg_chars:.0f} characters, {_pct(ev.cjk_share)} CJK, "
        f"{_pct(ev.distinct_share)} distinct)"
    )
    if entities:
        ids = [f"{e} in {n} cells" for e, n in entities.items() if e in ev.valid]
        ner = [f"{e} in {n} of {len(ev.ner_sample)} sampled cells" for e, n in entities.items() if e not in ev.valid]
        found = "; ".join(
            x
            for x in (
                "identifiers over every row: " + ", ".join(ids) if ids else "",
                "names/places/organisations on the first "
                f"{min(len(ev.ner_sample), NER_SAMPLE_CELLS)} cells: " + ", ".join(ner)
                if ner
                else "",
            )
            if x
        )
        reason = f"{stats}; {found}"
    else:
        reason = f"{stats}; no entity found inside its cells"
    examples = tuple(x for e in entities for x in ev.examples.get(e, []))[:3]
    return ColumnProfile(
        kind="free_text",
        entity=top,
        entities=entities,
        confidence=0.8 if entities else 0.7,
        reason=reason,
        examples=examples,
        sampled=sampled,
        **base,
    )
