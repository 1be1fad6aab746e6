"""Scan many files, two at a time in worker processes: an examiner's folder of submissions.

One file's scan already keeps about two cores busy when it has free text (its name model runs in a process of
its own); files without free text leave one core mostly idle, and there two files at a time finish sooner
(measured in ``tests/test_ci_outputs.py``'s notes and the README). Reports come back in input order.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from screening import errors
from screening.pipeline import Options, scan_file

Outcome = tuple[Path, dict[str, Any] | None, str | None]
"""(file, report or None, the InputError's message or None)."""


def scan_many(files: Sequence[Path], opts: Options, jobs: int = 2) -> Iterator[Outcome]:
    """Each file's report, or the reason it could not be read; other errors (configuration) are raised."""
    if jobs <= 1 or len(files) <= 1:
        for path in files:
            yield _raise(_scan_one(path, opts))
        return
    opts = dataclasses.replace(opts, progress=None)  # a progress bar cannot cross processes
    # Not fork: this process may already run threads (polars, pyarrow, a reader), and a child forked from it can
    # inherit a lock that one of them held and wait on it forever. A fork server is a fresh single-threaded
    # process that imports the pipeline once and forks each worker from there.
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["screening.pipeline"])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(files)), mp_context=context)
    try:
        futures = [pool.submit(_scan_one, path, opts) for path in files]
        for future in futures:
            yield _raise(future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _scan_one(path: Path, opts: Options) -> tuple[Path, dict[str, Any] | None, tuple[str, str] | None]:
    # ScreeningError does not survive pickling (its __init__ takes two arguments): send its class and text
    try:
        return path, scan_file(path, opts), None
    except errors.ScreeningError as err:
        return path, None, (err.__class__.__name__, str(err))


def _raise(result: tuple[Path, dict[str, Any] | None, tuple[str, str] | None]) -> Outcome:
    path, report, err = result
    if err is None:
        return path, report, None
    kind, message = err
    if kind != "InputError":
        cls = getattr(errors, kind, errors.ScreeningError)
        raise cls(None, message)
    return path, None, message
