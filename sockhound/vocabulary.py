"""The words every layer shares, defined once: verdicts (what ban tooling acts on) and label values."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

VERDICT_COLUMNS: Final = ("account_id", "verdict", "risk", "network_id")
"""The columns of a verdict export (docs/contract.md), in order."""
BENIGN_ACTOR: Final = "benign"
"""The `actor` of a genuine account in a simulator's truth.csv."""


class Verdict(StrEnum):
    """`sockpuppet`: ban tooling may act; `suspect`: queue for review; `clear`: nothing found."""

    SOCKPUPPET = "sockpuppet"
    SUSPECT = "suspect"
    CLEAR = "clear"


class Label(StrEnum):
    """Decisions already taken by people or other systems (the contract's labels table)."""

    ABUSIVE = "abusive"
    BENIGN = "benign"
