"""Errors raised while reading a batch."""

from __future__ import annotations

from sockhound.errors import BadInputError


class BatchFileError(BadInputError):
    """A batch file cannot be read at all (wrong format, corrupt, missing required column).

    The message is always one line naming the file and the problem, fit for a CLI error.
    """

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = " ".join(problem.split())
        super().__init__(f"{file}: {self.problem}")
