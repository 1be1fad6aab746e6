"""Errors for unusable input or configuration. Findings are report data, never exceptions."""

from __future__ import annotations

from pathlib import Path


class ScreeningError(Exception):
    """Base class: the CLI prints ``str(error)`` as one line and exits 2."""

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = str(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class InputError(ScreeningError):
    """A dataset cannot be read: empty, binary, wrong encoding, truncated, nested, ragged..."""


class ConfigError(ScreeningError):
    """A rule pack, policy or option is unusable."""


class OutputError(ScreeningError):
    """An output cannot be written (or would overwrite the input)."""
