"""What every `sockhound` command does the same way: a one-line red error with an exit code, and a driver
whose "database unavailable" becomes such an error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from neo4j import Driver

from sockhound.graph import DatabaseUnavailableError, connected_driver
from sockhound.settings import Settings


def cli_failure(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` in red on stderr; raise the returned Exit."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@contextmanager
def cli_driver(settings: Settings) -> Iterator[Driver]:
    """A connected driver for a command; the database being unreachable (at connect or mid-command, after
    the bounded retry) ends the command with its clear one-line message and exit code 1."""
    try:
        with connected_driver(settings) as driver:
            yield driver
    except DatabaseUnavailableError as error:
        raise cli_failure(str(error)) from None
