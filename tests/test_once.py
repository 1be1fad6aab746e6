"""screening.once: one value per process, also when threads race for it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from screening.once import once


def test_threads_racing_get_one_object_built_once() -> None:
    calls: list[int] = []

    @once
    def slow() -> object:
        calls.append(threading.get_ident())
        time.sleep(0.05)  # long enough for every thread to arrive while the first one builds
        return object()

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda _: slow(), range(8)))
    assert len(calls) == 1
    assert all(g is got[0] for g in got)
    assert slow() is got[0]
    assert slow.__name__ == "slow"


def test_a_factory_may_ask_for_another_once_value() -> None:
    @once
    def inner() -> list[int]:
        return [1]

    @once
    def outer() -> list[int]:
        return inner() + [2]

    assert outer() == [1, 2] and outer() is outer()
