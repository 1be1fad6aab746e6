"""Free text: entities inside the cells of free-text columns (remarks, notes, descriptions).

Presidio is where the project's recognizers meet free text. The analyzer's spaCy pipeline is the trained NER
model shipped in the package (``screening.ner_model``: per-character tokens, no jieba, no download), and its
registry holds only the project's recognizers:

* one ``PatternRecognizer`` per identifier recognizer in ``recognizers/`` (same pattern and validator as
  the column path);
* :class:`ModelNerRecognizer` for PERSON, CN_ADDRESS and ORGANIZATION: the model's entities with the rules
  of ``screening.ner_model`` (surname and given-name checks, address gazetteer and detail, organisation
  suffixes).

Identifiers win over names: a name, place or organisation span that overlaps an identifier is cut back to the
part outside it (an address followed by a phone number keeps the address). Presidio's context words still work
on per-character tokens: a token's lemma is the four characters ending at it (see :class:`ModelNlpEngine`).

:meth:`FreeText.find` runs the model once per batch of distinct texts (``nlp.pipe``) and hands each document to
the analyzer, so no text is tokenised twice; repeated texts hit a per-process cache, and large inputs go to a
pool of forked workers. The jieba rules (:class:`JiebaNerRecognizer`) remain available as the baseline.
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
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from spacy.tokens import Doc

from recognizers import Recognizer, all_recognizers, preceded_by
from screening import ner_model
from screening.model import Span
from screening.ner import NER_ENTITIES, JiebaNer, Token, jieba_tokens, surnames  # noqa: F401
from screening.ner_model import FULLWIDTH as _FULLWIDTH
from screening.ner_model import ModelNer
from screening.once import once

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
PARALLEL_MIN_TEXTS = {"fork": 2_000, "forkserver": 8_000, "spawn": 8_000}
"""Distinct uncached texts below which a pool costs more than it saves. A 30-character text costs about
0.1 ms; a forked worker starts in about 0.1 s with the parent's model and analyzer, a spawned one in seconds
(imports, loading the model)."""
LEMMA_CHARS = 4
"""Characters of a token's pseudo-lemma: the token and the three before it."""


# -- the spaCy pipeline -------------------------------------------------------------------------------


def build_nlp() -> Language:
    """The NER model (``screening.ner_model``), loaded from package data: no download."""
    return ner_model.load()


class ModelNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine around the NER model; ``load()`` (which may download) is never called.

    Tokens are characters, so a lemma would never equal a context word such as 手机 or 身份证号. Presidio matches
    context words as substrings of the lemmas before a match, so each token's lemma is the :data:`LEMMA_CHARS`
    characters ending at it. Stop-word and punctuation checks are skipped: looking the pseudo-lemmas up in the
    vocabulary would add every one of them to it.
    """

    def __init__(self, nlp: Language | None = None) -> None:
        mapping = {label: label for label in NER_ENTITIES}
        config = NerModelConfiguration(model_to_presidio_entity_mapping=mapping, labels_to_ignore=[])
        super().__init__(
            models=[{"lang_code": LANGUAGE, "model_name": ner_model.MODEL_NAME}], ner_model_configuration=config
        )
        self.nlp = {LANGUAGE: nlp if nlp is not None else build_nlp()}  # type: ignore[assignment]

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return False

    def artifacts(self, doc: Doc, text: str) -> NlpArtifacts:
        """The artifacts of ``doc``, the processed ``text`` (passed in: ``Doc.text`` would rebuild it)."""
        starts = doc.to_array("IDX").tolist()  # one call, not a Token object per character
        lemmas = [text[max(0, i - LEMMA_CHARS + 1) : i + 1] for i in starts]
        return NlpArtifacts(
            entities=list(doc.ents),
            tokens=doc,
            tokens_indices=starts,
            lemmas=lemmas,
            nlp_engine=self,
            language=LANGUAGE,
        )

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        return self.artifacts(doc, doc.text)


def build_nlp_engine(nlp: Language | None = None) -> ModelNlpEngine:
    return ModelNlpEngine(nlp)


# -- recognizers --------------------------------------------------------------------------------------


class ModelNerRecognizer(EntityRecognizer):
    """PERSON, CN_ADDRESS and ORGANIZATION from the trained model and its rules (``screening.ner_model``).

    A bare place name (北京, 徐汇区: score below ``ner_model.ADDRESS_MIN_SCORE``) is not personal information and
    is not reported; an address with detail (road, number, room, village group) is.

    Under :class:`ModelNlpEngine` the model has already run (the document is in the artifacts); under any other
    engine the recognizer runs the model itself.
    """

    def __init__(self, ner: ModelNer | None = None) -> None:
        self._ner = ner
        super().__init__(supported_entities=list(NER_ENTITIES), supported_language=LANGUAGE, name="ModelNerRecognizer")

    @property
    def ner(self) -> ModelNer:
        if self._ner is None:
            self._ner = ner_model.default_model_ner()
        return self._ner

    def load(self) -> None:
        pass  # the model loads on first use

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not ner_model.has_han(text):
            return []
        doc = getattr(nlp_artifacts, "tokens", None)
        if isinstance(doc, Doc) and doc.has_annotation("ENT_IOB") and len(doc) and doc[-1].idx < len(text):
            spans = self.ner.apply_rules(text, [(e.start_char, e.end_char, e.label_) for e in doc.ents])
        else:
            spans = self.ner.find([text])[0]
        wanted = set(entities) if entities else set(NER_ENTITIES)
        return [
            RecognizerResult(entity_type=s.entity, start=s.start, end=s.end, score=s.score)
            for s in spans
            if s.entity in wanted and ner_model.is_personal(s)
        ]


JIEBA_POS = "jieba_pos"
"""``Doc.user_data`` key of ``(text, tokens)``: the jieba tokens of ``text`` as (word, flag, start)."""


class JiebaPosTokenizer:
    """spaCy tokenizer for the jieba baseline: jieba.posseg words as tokens, the POS flag as ``tag_``."""

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
        user_data = {JIEBA_POS: (text, tokens)}
        return Doc(self.vocab, words=words, spaces=spaces, tags=tags, lemmas=words, user_data=user_data)


def build_jieba_nlp() -> Language:
    """A blank ``zh`` pipeline whose tokenizer is :class:`JiebaPosTokenizer` (the baseline's segmentation)."""
    nlp = spacy.blank(LANGUAGE, config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.tokenizer = JiebaPosTokenizer(nlp.vocab)
    return nlp


class JiebaNerRecognizer(EntityRecognizer):
    """The baseline as a Presidio recognizer: :class:`screening.ner.JiebaNer` over jieba POS tags."""

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
        """jieba tokens with flags: from the pipeline when it made them, else segment here."""
        doc = getattr(nlp_artifacts, "tokens", None)
        seen = doc.user_data.get(JIEBA_POS) if isinstance(doc, Doc) else None
        if seen is not None and seen[0] == text:
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

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        words = self.rec.negative_context
        return [r for r in results if not preceded_by(text, r.start, words)] if words else results

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


def _build_analyzer(recs: Sequence[Recognizer], identifiers: bool = True) -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    if identifiers:
        for recognizer in identifier_recognizers(recs):
            registry.add_recognizer(recognizer)
    # Never empty: an empty registry makes AnalyzerEngine load Presidio's predefined recognizers.
    registry.add_recognizer(ModelNerRecognizer())
    return AnalyzerEngine(
        nlp_engine=build_nlp_engine(),
        registry=registry,
        supported_languages=[LANGUAGE],
        context_aware_enhancer=ContextEnhancer(),
    )


class ContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer (context words before a match raise its score), minus its deep copy of every
    result of every text: when no result comes from a recognizer with context words and the caller gave none,
    nothing can change, and the results are handed back as they are. Copying the model's spans (each with its
    metadata) cost about a tenth of the free-text path."""

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if not context:
            key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
            with_context = {r.id for r in recognizers if r.context}
            if not any((r.recognition_metadata or {}).get(key) in with_context for r in raw_results):
                return list(raw_results)
        return super().enhance_using_context(text, raw_results, nlp_artifacts, recognizers, context)


@cache
def _default_analyzer() -> AnalyzerEngine:
    return _build_analyzer(all_recognizers())


def build_analyzer(recognizers: Sequence[Recognizer] | None = None, identifiers: bool = True) -> AnalyzerEngine:
    """Presidio analyzer with only the project's recognizers (cached per process for the default set)."""
    if recognizers is None and identifiers:
        return _default_analyzer()
    return _build_analyzer(all_recognizers() if recognizers is None else recognizers, identifiers)


# -- spans -------------------------------------------------------------------------------------------


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


def cut_around(span: Span, others: Sequence[Span], min_chars: int = 2) -> Span | None:
    """The longest part of ``span`` outside every span of ``others`` (at least ``min_chars``), or None."""
    pieces = [(span.start, span.end)]
    for o in others:
        pieces = [
            part
            for a, b in pieces
            for part in ((a, min(b, o.start)), (max(a, o.end), b))
            if part[1] > part[0]
        ] if o.start < span.end and span.start < o.end else pieces  # fmt: skip
    best = max(pieces, key=lambda p: p[1] - p[0], default=None)
    if best is None or best[1] - best[0] < min_chars:
        return None
    return Span(best[0], best[1], span.entity, span.score)


class FreeText:
    """An analyzer, the entity priorities and a bounded cache of spans per distinct text."""

    def __init__(
        self, recognizers: Sequence[Recognizer] | None = None, cache_size: int = CACHE_SIZE, identifiers: bool = True
    ) -> None:
        recs = all_recognizers() if recognizers is None else tuple(recognizers)
        self.analyzer = build_analyzer(recognizers, identifiers=identifiers)
        self.engine: ModelNlpEngine = self.analyzer.nlp_engine  # type: ignore[assignment]
        self.priority = _FALLBACK_PRIORITY | {r.entity: r.priority for r in recs}
        self.cache_size = cache_size
        self.numpy_model = True
        """Run the model with ``screening.ner_numpy`` (False: through spaCy's pipeline, as the tests compare)."""
        self._cache: dict[str, tuple[Span, ...]] = {}
        self._lock = threading.Lock()  # the scan runs the NER sample in a worker thread
        # Presidio runs every recognizer it is asked for on every text, and most of a text's identifier recognizers
        # find nothing: their patterns are searched first, and only those with a match are asked for.
        self._patterns: list[tuple[str, regex.Pattern[str]]] = []
        self._always: list[str] = []
        for r in self.analyzer.registry.recognizers:
            if isinstance(r, PatternRecognizer):
                entity = r.supported_entities[0]
                patterns: list[Pattern] = getattr(r, "patterns", [])
                self._patterns += [(entity, regex.compile(p.regex, r.global_regex_flags)) for p in patterns]
            else:
                self._always += [e for e in r.supported_entities if e not in self._always]

    def _combine(self, results: Iterable[RecognizerResult]) -> tuple[Span, ...]:
        """Identifiers first; a name, place or organisation overlapping one is cut back to the rest."""
        spans = [Span(r.start, r.end, r.entity_type, round(float(r.score), 4)) for r in results]
        ids = resolve_overlaps((s for s in spans if s.entity not in NER_ENTITIES), self.priority)
        names = (cut_around(s, ids) for s in spans if s.entity in NER_ENTITIES)
        return tuple(resolve_overlaps([*ids, *(s for s in names if s is not None)], self.priority))

    def entities(self, text: str) -> list[str]:
        """The entities worth asking the analyzer for in ``text``: those of a pattern recognizer only where its
        pattern occurs (the others would find nothing), and every entity of the other recognizers."""
        return [*dict.fromkeys(e for e, p in self._patterns if p.search(text) is not None), *self._always]

    def spans(self, text: str) -> tuple[Span, ...]:
        """Non-overlapping spans of one text, offsets on ``text`` itself."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        plain = text.translate(_FULLWIDTH)
        found = self._combine(self.analyzer.analyze(plain, language=LANGUAGE, entities=self.entities(plain)))
        self.remember(text, found)
        return found

    def remember(self, text: str, spans: tuple[Span, ...]) -> None:
        if len(text) > CACHE_MAX_CHARS or self.cache_size <= 0:
            return
        with self._lock:
            if len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]  # oldest first; cheap and bounded
            self._cache[text] = spans

    def find(self, texts: Iterable[str | None], batch_size: int = ner_model.BATCH_SIZE) -> list[list[Span]]:
        """Spans per text: the model runs once per batch of distinct uncached texts (``nlp.pipe``)."""
        texts = list(texts)
        done: dict[str, tuple[Span, ...]] = {}
        todo = [t for t in dict.fromkeys(t for t in texts if t) if t not in self._cache]
        nlp = self.engine.nlp[LANGUAGE]  # type: ignore[index]
        # the model runs on texts with a Han character; the others get tokens only (identifiers still apply)
        chinese = [t.translate(_FULLWIDTH) for t in todo if ner_model.has_han(t)]
        if self.numpy_model:
            # the same model in numpy (screening.ner_numpy: the same spans, about 2.8 times as fast); spaCy only
            # tokenises, for Presidio's artifacts
            found = ner_model.default_model_ner().model_spans(chinese, batch_size)
            docs = iter(_with_ents(nlp.make_doc(t), spans) for t, spans in zip(chinese, found, strict=True))
        else:
            docs = iter(nlp.pipe(chinese, batch_size=batch_size))
        for text in todo:
            plain = text.translate(_FULLWIDTH)
            doc = next(docs) if ner_model.has_han(text) else nlp.make_doc(plain)
            results = self.analyzer.analyze(
                plain, language=LANGUAGE, entities=self.entities(plain), nlp_artifacts=self.engine.artifacts(doc, plain)
            )
            done[text] = self._combine(results)
            self.remember(text, done[text])
        return [list(done[t]) if t in done else list(self.spans(t)) if t else [] for t in texts]


def _with_ents(doc: Doc, spans: Sequence[tuple[int, int, str]]) -> Doc:
    """``doc`` with the model's entities (character offsets that are token boundaries, as spaCy's own are)."""
    ents = [doc.char_span(start, end, label=label) for start, end, label in spans]
    doc.ents = [e for e in ents if e is not None]
    return doc


@once
def default_freetext() -> FreeText:
    """The per-process engine over every recognizer in ``recognizers/`` (built once, thread-safe)."""
    return FreeText()


def find_entities(texts: Sequence[str | None]) -> list[list[Span]]:
    """Spans per text (None and empty texts give no spans); no two spans of a text overlap."""
    return default_freetext().find(texts)


# -- parallel ----------------------------------------------------------------------------------------


def _worker_init() -> None:
    # After fork the parent's engine is inherited; after spawn this builds it once per worker.
    default_freetext()


def _worker_chunk(texts: list[str]) -> list[tuple[Span, ...]]:
    return [tuple(spans) for spans in default_freetext().find(texts)]


def default_start_method() -> str:
    """``fork`` on Linux: workers inherit the loaded model and analyzer (no start-up of seconds each).

    The workers only run spaCy and Presidio, never polars, so polars' threads in the parent (the
    reader) cannot deadlock them. Elsewhere (macOS, Windows) fork is unsafe or missing: ``spawn``.
    """
    return "fork" if sys.platform.startswith("linux") else "spawn"


def find_entities_parallel(
    texts: Sequence[str | None],
    workers: int = 2,
    chunk: int = 500,
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
