"""What every `sockhound` command does the same way: reading a CSV the user names (a bad one is bad input, never a
traceback). A command that needs the graph opens it with `sockhound.graph.connected_graph`.

Commands raise `sockhound.errors` types and never print their own errors: `cli/app.py` maps each to one red
line and its exit code, in one place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sockhound.errors import BadInputError


def read_input_csv(path: Path, option: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A CSV named on the command line, all text; BadInputError (exit 2) when it is missing, unreadable, not
    a CSV or lacks a column. The message names the file and the problem, never a value from it."""
    if not path.is_file():
        raise BadInputError(f"{option} {path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = type(error).__name__ if isinstance(error, UnicodeDecodeError) else str(error).splitlines()[0]
        raise BadInputError(f"{option} {path}: not a readable CSV ({reason})") from None
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise BadInputError(f"{option} {path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    return frame
