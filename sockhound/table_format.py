"""The terminal table of `sockhound query`, and its paging.

An analyst copies ids out of the table into the next query, so an identifier (a column named `...Id`, `...Ids`,
`...Key`, `key`, `subject`) is never cut: its column is at least as wide as its longest id (lists wrap between
ids, never inside one). When the terminal is too narrow for that, other columns are dropped, rightmost first,
and the caption names them (`--format csv` or `json` shows everything). Only when the identifiers alone do not
fit is the table wider than the terminal (the terminal then wraps lines, the ids stay whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, TextIO

from rich.console import Console
from rich.table import Table

ID_SUFFIXES: Final = ("Id", "Ids", "Key", "Keys")
ID_NAMES: Final = frozenset({"key", "subject", "id"})
LIST_SEPARATOR: Final = ", "
SQUEEZED_WIDTH: Final = 10
"""The width a non-identifier column is given when the table must save room (its text wraps in it)."""
CELL_FRAME: Final = 3
"""Per column: one space of padding on each side and one border line."""


def is_identifier(column: str) -> bool:
    return column.endswith(ID_SUFFIXES) or column in ID_NAMES


def _longest_token(column: str, cells: Sequence[str]) -> int:
    tokens = (token for text in cells for token in text.split(LIST_SEPARATOR))
    return max([len(column), *(len(token) for token in tokens)])


def fitted_columns(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """The positions of the columns shown in `width` characters: every identifier, then the other columns
    from the left while they fit at a squeezed width."""
    needed = {i: _longest_token(name, [row[i] for row in rows]) + CELL_FRAME for i, name in enumerate(columns)}
    identifiers = [i for i, name in enumerate(columns) if is_identifier(name)]
    budget = width - 1 - sum(needed[i] for i in identifiers)
    kept = set(identifiers)
    for i, name in enumerate(columns):
        if is_identifier(name):
            continue
        cost = min(needed[i], SQUEEZED_WIDTH + CELL_FRAME)
        if cost <= budget:
            kept.add(i)
            budget -= cost
    return sorted(kept)


def print_table(columns: Sequence[str], rows: Sequence[Sequence[str]], caption: str, *, width: int | None,
                file: TextIO | None = None) -> None:
    """Rows (already text) as a table `width` wide (None: as wide as the content needs)."""
    shown = list(range(len(columns))) if width is None else fitted_columns(columns, rows, width)
    dropped = [columns[i] for i in range(len(columns)) if i not in shown]
    if dropped:
        caption += f"; left out for width: {', '.join(dropped)} (--format csv or json shows every column)"
    table = Table(caption=caption)
    for i, name in zip(shown, _widths(columns, rows, shown, width), strict=True):
        table.add_column(columns[i], width=name, overflow="fold")
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    Console(width=10_000 if width is None else max(width, 1 + sum(_widths(columns, rows, shown, width)) +
                                                     CELL_FRAME * len(shown)),
            highlight=False, file=file, soft_wrap=False).print(table)


def _widths(columns: Sequence[str], rows: Sequence[Sequence[str]], shown: Sequence[int], width: int | None,
            ) -> list[int]:
    """Each shown column's text width: an identifier its longest id; the others their longest text when the
    width allows, else an even share of what is left (at least SQUEEZED_WIDTH; their text wraps)."""
    natural = {i: max([len(columns[i]), *(len(row[i]) for row in rows)]) for i in shown}
    fixed = {i: _longest_token(columns[i], [row[i] for row in rows]) for i in shown if is_identifier(columns[i])}
    if width is None:
        return [natural[i] for i in shown]
    others = [i for i in shown if i not in fixed]
    left = width - 1 - CELL_FRAME * len(shown) - sum(fixed.values())
    sized: dict[int, int] = dict(fixed)
    for position, i in enumerate(sorted(others, key=lambda i: natural[i])):  # the narrow ones take what they need
        share = left // (len(others) - position)
        sized[i] = max(min(natural[i], share), min(natural[i], SQUEEZED_WIDTH))
        left -= sized[i]
    return [sized[i] for i in shown]


@dataclass(frozen=True)
class Page:
    """Which rows of a query `--limit N --page P` shows: rows (P-1)*N+1 to P*N."""

    size: int
    number: int = 1

    def __post_init__(self) -> None:
        if self.size < 1 or self.number < 1:
            raise ValueError("--limit and --page take whole numbers from 1")

    @property
    def fetch(self) -> int:
        """How many rows to ask the query for ($limit) to reach the end of this page."""
        return self.size * self.number

    def rows(self, rows: Sequence[Any]) -> list[Any]:
        return list(rows[self.fetch - self.size:self.fetch])

    def caption(self, fetched: int, capped_by_query: bool) -> str:
        """What the page shows and whether another may follow."""
        first, last = self.fetch - self.size + 1, min(fetched, self.fetch)
        if last < first:
            return f"no rows on page {self.number} ({fetched} in all)"
        more = (f"; --page {self.number + 1} for more" if (capped_by_query and fetched >= self.fetch)
                or fetched > self.fetch else "")
        return f"rows {first}-{last}, page {self.number}{more}"
