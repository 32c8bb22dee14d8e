"""The words every layer shares, defined once: verdicts (what ban tooling acts on) and label values."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """`sockpuppet`: ban tooling may act; `suspect`: queue for review; `clear`: nothing found."""

    SOCKPUPPET = "sockpuppet"
    SUSPECT = "suspect"
    CLEAR = "clear"


class Label(StrEnum):
    """Decisions already taken by people or other systems (the contract's labels table)."""

    ABUSIVE = "abusive"
    BENIGN = "benign"
