"""Worker processes that desensitise the free-text cells of one ``run``.

Each worker finds the spans (identifiers, the NER model, Presidio: ``screening.freetext``) and replaces them with
the column's operator, so the calling process never imports spaCy or Presidio nor loads the model: its memory stays
that of the columnar pipeline. On Linux the workers come from a fork server that imported the free-text modules
once (a fresh interpreter, none of the caller's memory or threads); elsewhere they are spawned. Each loads the model
once per run. The key of a keyed operator reaches the workers through the pool's pipe, never a file.

Texts already seen are not sent again (a bounded cache per operator in the caller: repeated remarks are common).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from screening.errors import ScreeningError

CACHE_SIZE = 50_000
"""Distinct texts per operator whose masked form the caller keeps."""
CACHE_MAX_CHARS = 2_000
CHUNK = 500
"""Texts per task sent to a worker."""
MIN_TEXTS = 2_000
"""Free-text cells below which ``run`` masks in its own process (starting workers costs seconds)."""


def span_operators(operator: str, hash_name: str, key: bytes | None) -> dict[str, Callable[[str], str]]:
    """What replaces a span of each entity: its mask, a keyed pseudonym, or an ``encrypt`` token (``e_…``, which
    ``screening reveal`` finds in the text again)."""
    from recognizers import by_entity
    from screening.operators import mask_value, pseudonym

    recs = by_entity()
    replace: Callable[[str], str] | None = None
    if operator == "pseudonymize":
        assert key is not None
        replace = functools.partial(pseudonym, key=key, hash=hash_name)
    elif operator == "encrypt":
        from screening.fpe import cipher_for

        assert key is not None
        replace = cipher_for(key).token
    return {e: replace or functools.partial(mask_value, spec=r.mask) for e, r in recs.items()}


def mask_texts(texts: Sequence[str | None], operator: str, hash_name: str, key: bytes | None) -> list[str | None]:
    """Every text with its spans replaced (in this process)."""
    from screening.freetext import anonymize_text, find_entities

    ops = _operators(operator, hash_name, key)
    return [
        t if not t or not sp else anonymize_text(t, sp, ops) for t, sp in zip(texts, find_entities(texts), strict=True)
    ]


@functools.cache
def _operators(operator: str, hash_name: str, key: bytes | None) -> dict[str, Callable[[str], str]]:
    return span_operators(operator, hash_name, key)


# -- the workers -------------------------------------------------------------------------------------------
_key: bytes | None = None


def _worker_init(key: bytes | None) -> None:
    global _key
    _key = key
    from screening.freetext import default_freetext

    default_freetext()  # the model and the analyzer, once per worker


def _worker_mask(task: tuple[list[str], str, str]) -> list[str | None]:
    texts, operator, hash_name = task
    return mask_texts(texts, operator, hash_name, _key)


def _start_method() -> str:
    return "forkserver" if sys.platform.startswith("linux") else "spawn"


class TextPool:
    """``workers`` processes masking free text, started once (see the module docstring). A worker that dies (out of
    memory, killed) fails the run with one line rather than leaving it waiting."""

    def __init__(self, workers: int, key: bytes | None) -> None:
        ctx = multiprocessing.get_context(_start_method())
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["screening.freetext"])  # imported once, in the server
        self._pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=(key,))
        self._cache: dict[tuple[str, str], dict[str, str]] = {}

    def mask(self, texts: Sequence[str | None], operator: str, hash_name: str) -> list[str | None]:
        cache = self._cache.setdefault((operator, hash_name), {})
        todo = list(dict.fromkeys(t for t in texts if t and t not in cache))
        chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        done: dict[str, str] = {}
        tasks = [(part, operator, hash_name) for part in chunks]
        try:
            for part, masked in zip(chunks, self._pool.map(_worker_mask, tasks), strict=True):
                done.update(zip(part, masked, strict=True))  # type: ignore[arg-type]
        except BrokenProcessPool:
            raise ScreeningError(
                None, "a free-text worker process died (out of memory?); try again with --workers 1"
            ) from None
        out = [t if not t else done[t] if t in done else cache[t] for t in texts]
        for text, masked_text in done.items():
            if len(text) <= CACHE_MAX_CHARS:
                if len(cache) >= CACHE_SIZE:
                    del cache[next(iter(cache))]  # oldest first
                cache[text] = masked_text
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def terminate(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_active: TextPool | None = None


@contextlib.contextmanager
def text_workers(workers: int, key: bytes | None) -> Iterator[None]:
    """Within the block, :func:`mask` sends free text to ``workers`` processes started once."""
    global _active
    if workers <= 1 or _active is not None:
        yield
        return
    pool = TextPool(workers, key)
    _active = pool
    try:
        yield
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        _active = None


def mask(texts: Sequence[str | None], operator: str, params: dict[str, Any], key: bytes | None) -> list[str | None]:
    """Free-text cells desensitised with ``operator``: in the workers of an open :func:`text_workers` block, else
    here."""
    hash_name = str(params.get("hash", "sha256"))
    if _active is not None:
        return _active.mask(texts, operator, hash_name)
    return mask_texts(texts, operator, hash_name, key)
