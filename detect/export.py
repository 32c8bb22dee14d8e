"""The contract's verdict export (account_id, verdict, risk, network_id), read from the graph."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sockhound.graph import Graph
from sockhound.vocabulary import VERDICT_COLUMNS


def verdicts_frame(graph: Graph) -> pd.DataFrame:
    """One row per account known to the graph; accounts never scored are `clear` with risk 0."""
    records = graph.read("detect/verdicts")
    frame = pd.DataFrame([dict(record) for record in records], columns=list(VERDICT_COLUMNS))
    frame["risk"] = frame["risk"].astype(float).clip(0.0, 1.0)
    return frame.loc[:, list(VERDICT_COLUMNS)]


def write_verdicts(frame: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, float_format="%.6f")
