"""Free text: entities inside the cells of free-text columns (remarks, notes, descriptions).

Presidio is where the project's recognizers meet free text. The analyzer runs on a blank ``zh`` spaCy
pipeline built in memory whose tokenizer is jieba (nothing is downloaded, no pretrained model exists),
with an explicit registry holding only the project's recognizers:

* one ``PatternRecognizer`` per identifier recognizer in ``recognizers/`` (same pattern and validator as
  the column path);
* :class:`JiebaNerRecognizer` for PERSON, CN_ADDRESS and ORGANIZATION, rules over jieba's POS tags.

jieba segments each text once: the pipeline's tokenizer runs ``jieba.posseg`` and keeps the tags on the
tokens, so the NER rules and Presidio's context words (lemma = jieba word) share one segmentation.

Cost (2 cores, 29-character remarks): about 1,000 texts/s per process, 60% of it jieba.posseg; Presidio's
NoOp engine would be about 15% faster but gives the context words no tokens. Large inputs go to a pool of
forked workers (about 1.8x on 2 cores); repeated texts hit a per-process cache.
"""

from __future__ import annotations

import bisect
import logging
import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import jieba
import jieba.posseg
import regex
import spacy
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from spacy.tokens import Doc

from recognizers import Recognizer, all_recognizers
from screening.model import Span
from screening.ner import NER_ENTITIES, JiebaNer, Token, jieba_tokens, surnames  # noqa: F401

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.vocab import Vocab

logger = logging.getLogger(__name__)

LANGUAGE = "zh"
# Used only when an entity has no module in recognizers/: below every identifier, as those modules say.
_FALLBACK_PRIORITY = {"ORGANIZATION": 80, "CN_ADDRESS": 85, "PERSON": 90}
CACHE_SIZE = 50_000
"""Texts whose spans are remembered per process (remarks repeat: 已核实, 无, 同上 ...)."""
CACHE_MAX_CHARS = 2_000
"""Longer texts are not cached: they rarely repeat and would make the cache's memory unbounded."""
PARALLEL_MIN_TEXTS = {"fork": 1_000, "forkserver": 8_000, "spawn": 8_000}
"""Distinct uncached texts below which a pool costs more than it saves. A text costs about 0.7-1 ms; a
forked worker starts in about 0.1 s with the parent's jieba and analyzer, a spawned one in 2-3 s (imports
about 1.6 s, jieba and the analyzer about 0.9 s)."""


# -- the spaCy pipeline -------------------------------------------------------------------------------


JIEBA_POS = "jieba_pos"
"""``Doc.user_data`` key of ``(text, tokens)``: the jieba tokens of ``text`` as (word, flag, start)."""


class JiebaPosTokenizer:
    """spaCy tokenizer: jieba.posseg words as tokens, jieba's POS flag as ``tag_``, the word as lemma."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        tokens = jieba_tokens(text)
        words: list[str] = []
        spaces: list[bool] = []
        tags: list[str] = []
        for word, flag, _ in tokens:
            if word == " " and words and not spaces[-1]:
                spaces[-1] = True
                continue
            words.append(word)
            spaces.append(False)
            tags.append(flag)
        # The lemma is the word: Presidio's context words (电话, 身份证号) then match jieba tokens.
        # The flags also ride in user_data: reading them back from Token.tag_ costs more than jieba.
        user_data = {JIEBA_POS: (text, tokens)}
        return Doc(self.vocab, words=words, spaces=spaces, tags=tags, lemmas=words, user_data=user_data)


def build_nlp() -> Language:
    """The blank ``zh`` pipeline with jieba segmentation, built in memory (no model, no download)."""
    nlp = spacy.blank(LANGUAGE, config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    # Same segmenter, plus POS flags, so the NER rules do not segment every text a second time.
    nlp.tokenizer = JiebaPosTokenizer(nlp.vocab)
    return nlp


def build_nlp_engine() -> SpacyNlpEngine:
    """Presidio's spaCy engine around :func:`build_nlp`; ``load()`` (which may download) is never called."""
    engine = SpacyNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "blank_zh_jieba"}])
    engine.nlp = {LANGUAGE: build_nlp()}  # type: ignore[assignment]  # Presidio types it as None
    return engine


# -- recognizers --------------------------------------------------------------------------------------


class JiebaNerRecognizer(EntityRecognizer):
    """Presidio face of :class:`screening.ner.JiebaNer`: PERSON, CN_ADDRESS and ORGANIZATION."""

    def __init__(
        self, surname_lexicon: frozenset[str] | None = None, name_check: Callable[[str], bool] | None = None
    ) -> None:
        self.rules = JiebaNer(surname_lexicon, name_check)
        super().__init__(supported_entities=list(NER_ENTITIES), supported_language=LANGUAGE, name="JiebaNerRecognizer")

    @property
    def surnames(self) -> frozenset[str]:
        return self.rules.surnames

    def load(self) -> None:
        jieba.initialize()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        found = self.rules.find(self.tokens(text, nlp_artifacts))
        wanted = set(entities) if entities else set(NER_ENTITIES)
        return [
            RecognizerResult(entity_type=entity, start=start, end=end, score=score)
            for entity, start, end, score in found
            if entity in wanted
        ]

    def find(self, tokens: list[Token]) -> list[tuple[str, int, int, float]]:
        return self.rules.find(tokens)

    @staticmethod
    def tokens(text: str, nlp_artifacts: NlpArtifacts | None) -> list[Token]:
        """jieba tokens with flags: from the pipeline when it made them, else segment here (NoOp engine)."""
        doc = getattr(nlp_artifacts, "tokens", None)
        seen = doc.user_data.get(JIEBA_POS) if isinstance(doc, Doc) else None
        if seen is not None and seen[0] == text:  # (Doc.text would rebuild the string: slower than this)
            return seen[1]
        return jieba_tokens(text)


class ProjectPatternRecognizer(PatternRecognizer):
    """A project identifier recognizer as a Presidio ``PatternRecognizer`` (same pattern, same validator)."""

    def __init__(self, rec: Recognizer) -> None:
        self.rec = rec
        super().__init__(
            supported_entity=rec.entity,
            name=f"{rec.entity}_recognizer",
            supported_language=LANGUAGE,
            patterns=[Pattern(rec.entity.lower(), rec.python_pattern, rec.score)],
            context=list(rec.context),
            # Case-sensitive like the column path (polars); no IGNORECASE.
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        if self.rec.validate is None:
            return None
        try:
            return bool(self.rec.validate(pattern_text))
        except Exception as error:  # a validator must not stop the scan: an unvalidatable candidate is no match
            # type only: the message or traceback could carry the raw candidate
            logger.debug("validator for %s raised %s", self.rec.entity, type(error).__name__)
            return False


# -- the analyzer ------------------------------------------------------------------------------------


def identifier_recognizers(recs: Iterable[Recognizer]) -> list[ProjectPatternRecognizer]:
    return [ProjectPatternRecognizer(r) for r in recs if r.kind == "identifier" and r.pattern and not r.header_required]


def _build_analyzer(recs: Sequence[Recognizer]) -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in identifier_recognizers(recs):
        registry.add_recognizer(recognizer)
    person = next((r for r in recs if r.entity == "PERSON"), None)
    # Never empty: an empty registry makes AnalyzerEngine load Presidio's predefined recognizers.
    registry.add_recognizer(JiebaNerRecognizer(name_check=person.validate if person else None))
    return AnalyzerEngine(nlp_engine=build_nlp_engine(), registry=registry, supported_languages=[LANGUAGE])


@cache
def _default_analyzer() -> AnalyzerEngine:
    return _build_analyzer(all_recognizers())


def build_analyzer(recognizers: Sequence[Recognizer] | None = None) -> AnalyzerEngine:
    """Presidio analyzer with only the project's recognizers (cached per process for the default set)."""
    return _default_analyzer() if recognizers is None else _build_analyzer(recognizers)


# -- spans -------------------------------------------------------------------------------------------

# Full-width ASCII (１３８, ＠) to ASCII: same length, so offsets found on the mapped text stay valid.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def resolve_overlaps(spans: Iterable[Span], priority: dict[str, int]) -> list[Span]:
    """Keep non-overlapping spans: higher priority entity first, then the longer span, then the score."""
    ranked = sorted(spans, key=lambda s: (priority.get(s.entity, 100), -(s.end - s.start), -s.score, s.start))
    kept: list[Span] = []  # sorted by start, pairwise disjoint: only the neighbours can overlap a new span
    starts: list[int] = []
    for span in ranked:
        i = bisect.bisect_left(starts, span.start)
        if (i > 0 and kept[i - 1].end > span.start) or (i < len(kept) and kept[i].start < span.end):
            continue
        kept.insert(i, span)
        starts.insert(i, span.start)
    return kept


class FreeText:
    """An analyzer, the entity priorities and a bounded cache of spans per distinct text."""

    def __init__(self, recognizers: Sequence[Recognizer] | None = None, cache_size: int = CACHE_SIZE) -> None:
        recs = all_recognizers() if recognizers is None else tuple(recognizers)
        self.analyzer = build_analyzer(recognizers)
        self.priority = _FALLBACK_PRIORITY | {r.entity: r.priority for r in recs}
        self.cache_size = cache_size
        self._cache: dict[str, tuple[Span, ...]] = {}
        self._lock = threading.Lock()  # the scan runs the NER sample in a worker thread

    def spans(self, text: str) -> tuple[Span, ...]:
        """Non-overlapping spans of one text, offsets on ``text`` itself."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        results = self.analyzer.analyze(text.translate(_FULLWIDTH), language=LANGUAGE)
        found = tuple(
            resolve_overlaps(
                (Span(r.start, r.end, r.entity_type, round(float(r.score), 4)) for r in results),
                self.priority,
            )
        )
        self.remember(text, found)
        return found

    def remember(self, text: str, spans: tuple[Span, ...]) -> None:
        if len(text) > CACHE_MAX_CHARS or self.cache_size <= 0:
            return
        with self._lock:
            if len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]  # oldest first; cheap and bounded
            self._cache[text] = spans

    def find(self, texts: Iterable[str | None]) -> list[list[Span]]:
        return [list(self.spans(t)) if t else [] for t in texts]


_default: FreeText | None = None
_default_lock = threading.Lock()


def default_freetext() -> FreeText:
    """The per-process engine over every recognizer in ``recognizers/`` (built once, thread-safe)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = FreeText()
    return _default


def find_entities(texts: Sequence[str | None]) -> list[list[Span]]:
    """Spans per text (None and empty texts give no spans); no two spans of a text overlap."""
    return default_freetext().find(texts)


# -- parallel ----------------------------------------------------------------------------------------


def _worker_init() -> None:
    # After fork the parent's engine is inherited; after spawn this builds it once per worker.
    default_freetext()


def _worker_chunk(texts: list[str]) -> list[tuple[Span, ...]]:
    engine = default_freetext()
    return [engine.spans(t) for t in texts]


def default_start_method() -> str:
    """``fork`` on Linux: workers inherit the initialised jieba and analyzer (no 2-3 s start-up each).

    The workers only run jieba, spaCy and Presidio, never polars, so polars' threads in the parent (the
    reader) cannot deadlock them. Elsewhere (macOS, Windows) fork is unsafe or missing: ``spawn``.
    """
    return "fork" if sys.platform.startswith("linux") else "spawn"


def find_entities_parallel(
    texts: Sequence[str | None],
    workers: int = 2,
    chunk: int = 200,
    start_method: str | None = None,
    min_texts: int | None = None,
) -> list[list[Span]]:
    """Same result as :func:`find_entities`, computed by ``workers`` processes when the input is large.

    Distinct uncached texts are sent in chunks of ``chunk``; fewer than ``min_texts`` of them (default per
    start method, :data:`PARALLEL_MIN_TEXTS`) stay in this process. Uses the default recognizers.
    """
    engine = default_freetext()
    method = start_method or default_start_method()
    threshold = PARALLEL_MIN_TEXTS.get(method, 8_000) if min_texts is None else min_texts
    todo = list(dict.fromkeys(t for t in texts if t and t not in engine._cache))
    if workers <= 1 or len(todo) < max(threshold, 1):
        return engine.find(texts)
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    done: dict[str, tuple[Span, ...]] = {}
    context = multiprocessing.get_context(method)
    with context.Pool(workers, initializer=_worker_init) as pool:
        for part, results in zip(chunks, pool.imap(_worker_chunk, chunks), strict=True):
            done.update(zip(part, results, strict=True))
    for text, spans in done.items():
        engine.remember(text, spans)
    return [list(done[t]) if t in done else list(engine.spans(t)) if t else [] for t in texts]


# -- anonymisation -----------------------------------------------------------------------------------


@cache
def _anonymizer() -> AnonymizerEngine:
    return AnonymizerEngine()


def anonymize_text(text: str, spans: Sequence[Span], operators: dict[str, Callable[[str], str]]) -> str:
    """Replace each span's text by ``operators[entity](span_text)``; spans without an operator stay as is."""
    chosen = [s for s in spans if s.entity in operators]
    if not chosen:
        return text
    result = _anonymizer().anonymize(
        text=text,
        analyzer_results=[AnonymizerResult(s.entity, s.start, s.end, s.score) for s in chosen],
        operators={e: OperatorConfig("custom", {"lambda": fn}) for e, fn in operators.items()},
        merge_entities_with_spaces=False,
    )
    return result.text
