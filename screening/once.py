"""A value built on first use, once per process."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(factory: Callable[[], T]) -> Callable[[], T]:
    """``factory()`` on the first call, the same object on every later one, also when threads race for it (a
    model, a recognizer engine: built once, seconds and hundreds of MB each). The lock is re-entrant, so a factory
    may itself ask for a value built this way."""
    lock = threading.RLock()
    built: list[T] = []

    @functools.wraps(factory)
    def get() -> T:
        if not built:
            with lock:
                if not built:
                    built.append(factory())
        return built[0]

    return get
