"""Errors raised on bad input: one line naming the file or key and the fix."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """A problem with a user's file or configuration, stated in one actionable line."""

    def __init__(self, where: str | Path, problem: str, fix: str = "") -> None:
        self.where = str(where)
        self.problem = problem
        self.fix = fix
        message = f"{self.where}: {problem}"
        if fix:
            message += f"; {fix}"
        super().__init__(message)
