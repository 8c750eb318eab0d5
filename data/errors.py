"""Errors that stop a load. Row-level problems never raise: they go to quarantine."""

from __future__ import annotations

from pathlib import Path


class SourceError(Exception):
    """A file-level problem: the whole load stops and the live warehouse is left untouched.

    Every message names the file, the problem and the fix, so an analyst can act on it without reading code.
    """

    def __init__(self, path: str | Path, problem: str, fix: str):
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}. Fix: {self.fix}"
