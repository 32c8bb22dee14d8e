"""The one palette of sockhound's pictures: the network page (`/ui/palette.json`, read by api/static/network.js)
and the report's figures (reporting/render.py) colour verdicts and evidence kinds alike.

Colours are far apart where they meet on one picture: the suspect amber and the sync pink (they were both
orange once), the three prompt teals from each other, no evidence colour equal to a verdict's.
"""

from __future__ import annotations

from typing import Final

from sockhound.vocabulary import Verdict

VERDICT_COLOURS: Final = {Verdict.SOCKPUPPET.value: "#d32f2f", Verdict.SUSPECT.value: "#f9a825",
                          Verdict.CLEAR.value: "#43a047"}
EVIDENCE_COLOURS: Final = {
    "payment": "#6a1b9a",
    "ip": "#1565c0",
    "subnet": "#64b5f6",
    "exact": "#00897b",
    "template": "#4db6ac",
    "nearband": "#b2dfdb",
    "upstream": "#004d40",
    "sync": "#ff4081",
    "email": "#8d6e63",
}
OTHER_COLOUR: Final = "#9e9e9e"


def as_json() -> dict[str, dict[str, str] | str]:
    """What the page reads."""
    return {"verdicts": dict(VERDICT_COLOURS), "evidence": dict(EVIDENCE_COLOURS), "other": OTHER_COLOUR}
