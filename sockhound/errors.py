"""The errors every layer raises for a person to read, and the exit code each one means.

A command never chooses an exit code by hand: it raises one of these (or lets one through) and the CLI maps it in
one place (`cli/app.py`). The message is one line, fit for `error: ...` on stderr, and never holds a raw value
(an IP, an e-mail address, a card, a prompt, a secret).

| exit | meaning |
| --- | --- |
| 0 | done |
| 1 | failure: the work could not be done (setup, a refused statement, a bug) |
| 2 | bad input: an argument, an option or a file given to the command is wrong |
| 3 | the database is unavailable (not running, unreachable, or no usable password) |
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    DATABASE_UNAVAILABLE = 3


class SockhoundError(Exception):
    """An error with a one-line message for the person running the command: exit 1."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILURE


class BadInputError(SockhoundError):
    """What the command was given is wrong (arguments, options, files): exit 2."""

    exit_code: ClassVar[ExitCode] = ExitCode.BAD_INPUT


class DatabaseUnavailableError(SockhoundError, RuntimeError):
    """Neo4j did not answer, even after the driver's retries, or cannot be logged in to: exit 3."""

    exit_code: ClassVar[ExitCode] = ExitCode.DATABASE_UNAVAILABLE


def exit_code_of(error: BaseException) -> ExitCode:
    """The exit code an error ends a command with (anything unexpected is a failure)."""
    return error.exit_code if isinstance(error, SockhoundError) else ExitCode.FAILURE
