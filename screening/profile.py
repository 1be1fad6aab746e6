"""Evidence over all batches + the header -> one ColumnProfile (entity, kind, confidence, reason) per column.

The decision, in order (shares are of the column's non-empty cells, counted exclusively by priority):

1. no non-empty cell -> ``empty``;
2. a free-text column -> ``free_text``, reporting the entities found inside its cells;
3. an entity is a *member* of the column when at least ``MIXED_MEMBER`` of the cells validate as it and,
   for checksummed entities, at least ``VALID_RATIO`` of the cells shaped like it (and not already claimed by
   a higher-priority entity) validate (random digits
   pass a MOD 11-2 or Luhn check about one time in ten, so order numbers stay quiet);
4. the top member decides when its share reaches ``VALUE_DECISIVE``, or ``HEADER_SUPPORTED`` when the
   header names the same entity; several members that together reach ``VALUE_DECISIVE`` make a mixed
   column, which reports each type with its count;
   an entity that needs its header (``Recognizer.header_required``: dates of birth, bank accounts) is a
   member only when the header names it, and the generic values of a value-decided entity
   (``Recognizer.header_only_pattern``: gender codes 1/2, a bare 汉, ICD-10 codes) count only then; for both,
   the header names the entity when one of its own header words is in it, even if another entity's word
   wins the header (银行账号 names a card and an account alike: the values tell which);
5. a header naming a weakly-gated entity (a card number; a latitude or longitude, whose single numbers
   have the shape of a coordinate but validate only as a pair) decides when ``SHAPE_DECISIVE`` of the
   cells have its shape, even if fewer pass the check;
6. cells already masked (``138****5678``) decide when they reach ``VALUE_DECISIVE``, and are reported as
   masked (an entity that needs its header, or whose mask keeps no character, only under its header);
7. members below the thresholds still name the column, at a low confidence, so that sparse sensitive
   values are not lost;
8. a header alone names the entity at a low confidence, and the reason says that values disagree.
"""

from __future__ import annotations

import functools
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
WEAK_GATE = {
    "CN_BANK_CARD": "pass its checksum",
    "GEO_COORDINATE": "are whole latitude/longitude pairs",
}
"""Entities whose check is evidence, not a gate, when the header names them (legacy cards fail Luhn; a 纬度
column holds single numbers, valid only as pairs), with what passing the check means in the reason."""


# ------------------------------------------------------------------------------------------ header
@functools.lru_cache(maxsize=4096)
def _header_tokens(header: str) -> tuple[str, frozenset[str]]:
    text = unicodedata.normalize("NFKC", header).strip().lower()
    tokens = set(re.split(r"[^0-9a-z\u4e00-\u9fff]+", text)) - {""}
    # camelCase and run-together English: also split at ascii/cjk borders
    tokens |= set(re.findall(r"[a-z]+|[0-9]+", text))
    compact = re.sub(r"[\s_\-./:()（）]+", "", text)
    return compact, frozenset(tokens)


@functools.lru_cache(maxsize=8192)
def _header_word(word: str) -> tuple[str, bool]:
    """A recognizer's header word as compared: lower case, an ASCII word without blanks, _ and -."""
    word = word.lower()
    return (re.sub(r"[\s_\-]+", "", word), True) if word.isascii() else (word, False)


def _hit(word: str, compact: str, tokens: frozenset[str]) -> bool:
    w, ascii_word = _header_word(word)
    if ascii_word:
        return w == compact or w in tokens or (len(w) >= 4 and w in compact)
    return w in compact


def _matching_words(rec: Recognizer, compact: str, tokens: frozenset[str]) -> list[str]:
    """The header words of ``rec`` in the header (as compared), or none when one of its negative words is in it too,
    except a Chinese negative word inside one of those header words (开户行 rules out an account column, 开户行账号
    names one; an English negative inside a header word is a spelling accident: count in bank_account still
    vetoes)."""
    found = [_header_word(w)[0] for w in rec.headers if _hit(w, compact, tokens)]

    def vetoes(word: str) -> bool:
        w, ascii_word = _header_word(word)
        return _hit(word, compact, tokens) and (ascii_word or not any(w in f for f in found))

    return found if found and not any(vetoes(w) for w in rec.negative_headers) else []


def header_matches(rec: Recognizer, header: str) -> bool:
    """True when a header word of ``rec`` occurs in ``header`` and no negative word rules it out
    (:func:`_matching_words`)."""
    return bool(_matching_words(rec, *_header_tokens(header)))


GENERIC_HEADS = frozenset({"name", "名称", "名字"})
"""Words that name whatever their modifier names (diagnosis_name, 商户名称): they never make a header's head."""


def header_entity(header: str, recognizers: tuple[Recognizer, ...]) -> str | None:
    """The entity the header names: the one whose word ends it, since a compound puts its head last (收件人电话 is a
    phone number, 开户行账号 an account, 银行卡开户行 a bank, contact_address an address), unless that word is a
    generic head (:data:`GENERIC_HEADS`) or overlaps another entity's word as long or longer (card_no in
    id_card_no; a word two entities share, 电话, heads both); then the longest matching word (身份证号 over 号)."""
    compact, tokens = _header_tokens(header)
    matched = [(rec, words) for rec in recognizers if (words := _matching_words(rec, compact, tokens))]

    def is_head(i: int) -> bool:
        for w in matched[i][1]:
            if w in GENERIC_HEADS or not compact.endswith(w):
                continue
            start = len(compact) - len(w)
            if not any(
                (len(v) > len(w) or (len(v) == len(w) and v != w)) and compact.rfind(v) + len(v) > start
                for j, (_, words) in enumerate(matched)
                if j != i
                for v in words
            ):
                return True
        return False

    best: tuple[bool, int, int, str] | None = None
    for i, (rec, words) in enumerate(matched):
        cand = (is_head(i), max(map(len, words)), -rec.priority, rec.entity)
        best = cand if best is None or cand > best else best
    return best[3] if best else None


def header_names(header: str, recognizers: tuple[Recognizer, ...]) -> set[str]:
    """The entities the header names: the header's entity, and each entity whose values need the header
    (``header_required``, ``header_only_pattern``) when one of its own header words is in it, though another
    entity's word wins the header (银行账号 names a card and an account alike: the values tell which)."""
    best = header_entity(header, recognizers)
    return {r.entity for r in recognizers if r.entity == best or (_header_gated(r) and header_matches(r, header))}


def _header_gated(rec: Recognizer) -> bool:
    """Some of the entity's values count only under a header that names it."""
    return rec.header_required or rec.header_only_pattern is not None


def _mask_keeps_nothing(rec: Recognizer) -> bool:
    """The entity's masked values are mask characters only (男 -> ``*``): they do not say what they were."""
    m = rec.mask
    return m.get("style", "head_tail") == "head_tail" and not m.get("keep_head", 1) and not m.get("keep_tail", 1)


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
    named = header_names(ev.name, recognizers)
    masked = {
        e: n
        for e, n in ev.masked.items()
        if n and (e in named or not (recs[e].header_required or _mask_keeps_nothing(recs[e])))
    }

    if ev.non_null == 0:
        why = "no non-empty values" + (f"; the header suggests {header}" if header else "")
        return ColumnProfile(kind="empty", entity=None, entities={}, confidence=1.0, reason=why, **base)

    nn = ev.non_null
    if ev.mode == "free_text":
        return _free_text(ev, header, ner_counts or {}, base)

    # Without the header, an entity that needs it counts nothing, and the header-only values count for none.
    unnamed = {
        e: n if recs[e].header_required else ev.header_only.get(e, 0) for e, n in ev.valid.items() if e not in named
    }
    counted = {e: n - unnamed.get(e, 0) for e, n in ev.valid.items() if n > unnamed.get(e, 0)}
    shares = {e: n / nn for e, n in counted.items()}
    members: dict[str, int] = {}
    for e, n in counted.items():
        # the validity ratio is over the cells the validator saw: an ID number claimed first is not a card
        # that failed its Luhn check
        shaped = ev.open_shaped.get(e, ev.shaped.get(e, 0)) - unnamed.get(e, 0)
        checksummed = recs[e].validate is not None
        if n and n / nn >= MIXED_MEMBER and (not checksummed or n / max(shaped, 1) >= VALID_RATIO):
            members[e] = n
    examples = tuple(x for e in sorted(members, key=lambda e: -members[e]) for x in ev.examples.get(e, []))[:3]
    top = max(members, key=lambda e: members[e]) if members else None
    agree = (
        "; the header agrees"
        if top is not None and top in named
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
        boost = 0.1 if top in named else (-0.1 if header else 0.0)
        strength = 0.5 if recs[top].validate is not None else 0.4
        if s >= VALUE_DECISIVE or (top in named and s >= HEADER_SUPPORTED):
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
            f"{_pct(valid / shaped)} of those {WEAK_GATE[header]}",
        )

    if masked:
        m_top = max(masked, key=lambda e: (masked[e], e == header))  # the header breaks a tie
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
