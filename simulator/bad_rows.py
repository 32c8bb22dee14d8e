"""Deliberately contract-breaking rows for loader tests (`--inject-bad-rows N`).

Bad rows are *extra* rows inserted into otherwise good tables, each breaking exactly one rule, so a
loader that quarantines them loads precisely the clean world. Their positions go to bad_rows.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

# (table, column the validator should blame, description, replacement value or a marker)
BAD_ROW_KINDS: Final = (
    ("exchanges", "ts", "bad timestamp", "2026-02-30T25:61:00Z"),
    ("exchanges", "ip", "bad IP", "256.12.4.1"),
    ("payment_methods", "payment_fingerprint", "card-number-like payment_fingerprint", "<card>"),
    ("payment_methods", "funding", "unknown enum", "gift-card"),
    ("exchanges", "account_id", "missing required value", ""),
    ("accounts", "account_id", "duplicate key", "<duplicate>"),
    ("accounts", "created_at", "bad timestamp", "yesterday"),
    ("exchanges", "request_id", "duplicate key", "<duplicate>"),
    ("labels", "label", "unknown enum", "spam"),
    ("accounts", "status", "unknown enum", "deleted"),
    ("exchanges", "prompt", "missing prompt and prompt_fingerprint", "<no-prompt>"),
    ("labels", "account_id", "missing required value", ""),
    ("payment_methods", "bin", "bin not 6-8 digits", "12ab"),
    ("accounts", "country", "unknown country", "XX"),
    ("exchanges", "ip", "bad IP", "fe80::zz"),
    ("exchanges", "input_tokens", "negative token count", "-5"),
)
BAD_ROWS_COLUMNS: Final = ("file", "row_number", "column", "reason")


@dataclass(frozen=True)
class PlacedBadRow:
    table: str
    position: int  # 0-based position in the table's written rows
    column: str
    reason: str


CARD_DISGUISES: Final = (
    lambda text: " ".join(text[i : i + 4] for i in range(0, 16, 4)),
    lambda text: " " + text,  # what `acct, 4111...` in a CSV line gives
    lambda text: text + " ",
    lambda text: ".".join(text[i : i + 4] for i in range(0, 16, 4)),
    lambda text: "\u00a0".join(text[i : i + 4] for i in range(0, 16, 4)),  # NBSP
    lambda text: "\u2013".join(text[i : i + 4] for i in range(0, 16, 4)),  # en dash
    lambda text: text + "|12/27",
)
"""How exports write (or disguise) a card number; every one must be refused."""


def luhn_card_number(rng: np.random.Generator) -> str:
    """A Luhn-valid 16-digit number, written in one of ``CARD_DISGUISES`` (chosen by its own digits, so the
    random stream, and with it the rest of the world, is the same as with a single format)."""
    digits = [4, *rng.integers(0, 10, size=14).tolist()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = digit * 2 if index % 2 == 0 else digit
        total += value - 9 if value > 9 else value
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    return CARD_DISGUISES[sum(digits) % len(CARD_DISGUISES)](text)


def plan_bad_rows(count: int) -> dict[str, list[tuple[str, str, str]]]:
    """Kinds per table (column, reason, value), cycling through every kind."""
    plan: dict[str, list[tuple[str, str, str]]] = {}
    for index in range(count):
        table, column, reason, value = BAD_ROW_KINDS[index % len(BAD_ROW_KINDS)]
        plan.setdefault(table, []).append((column, reason, value))
    return plan


def insert_bad_rows(
    frame: pd.DataFrame, kinds: list[tuple[str, str, str]], table: str, rng: np.random.Generator, fresh_key: list[str]
) -> tuple[pd.DataFrame, list[PlacedBadRow]]:
    """Insert one bad row per kind into a text frame at random positions (duplicates after their original).

    `fresh_key` holds unused key values (new account ids / request ids) for rows that must not collide.
    """
    good_count = len(frame)
    total = good_count + len(kinds)
    positions = np.sort(rng.choice(np.arange(1, total), size=len(kinds), replace=False))
    is_bad = np.zeros(total, dtype=bool)
    is_bad[positions] = True
    good_positions = np.flatnonzero(~is_bad)
    result = pd.DataFrame(index=range(total), columns=frame.columns, dtype=object)
    result.iloc[good_positions] = frame.to_numpy(dtype=object)
    placed: list[PlacedBadRow] = []
    kind_order = rng.permutation(len(kinds))
    for position, kind_index in zip(positions, kind_order, strict=True):
        column, reason, value = kinds[kind_index]
        earlier_good = good_positions[good_positions < position]
        template = result.iloc[int(rng.choice(earlier_good))].copy()
        if value != "<duplicate>":
            key_column = "account_id" if table in ("accounts",) else "request_id" if table == "exchanges" else None
            if key_column is not None:
                template[key_column] = fresh_key.pop()
            if value == "<card>":
                template[column] = luhn_card_number(rng)
            elif value == "<no-prompt>":
                template["prompt"] = ""
                template["prompt_fingerprint"] = ""
            else:
                template[column] = value
        result.iloc[position] = template.to_numpy(dtype=object)
        placed.append(PlacedBadRow(table, int(position), column, reason))
    return result, placed
