"""Score verdicts against a simulator's truth.csv (the JSON `sockhound evaluate` prints)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sockhound.vocabulary import BENIGN_ACTOR


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 6) if denominator else 0.0


def evaluate_verdicts(verdicts: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Precision/recall of `sockpuppet` verdicts over the truth's accounts.

    A `sockpuppet` verdict is positive; `suspect` is counted separately (neither positive nor negative
    in precision/recall). Truth accounts without a verdict count as `clear`; verdicts for accounts
    missing from the truth are ignored and reported as `unknown_accounts`.
    """
    truth_frame = truth.loc[:, ["account_id", "actor"]].drop_duplicates("account_id")
    verdict_frame = verdicts.loc[:, ["account_id", "verdict"]].drop_duplicates("account_id")
    joined = truth_frame.merge(verdict_frame, on="account_id", how="left")
    joined["verdict"] = joined["verdict"].fillna("clear")
    adversary = joined["actor"] != BENIGN_ACTOR
    positive = joined["verdict"] == "sockpuppet"
    suspect = joined["verdict"] == "suspect"
    true_positives = int((positive & adversary).sum())
    false_positives = int((positive & ~adversary).sum())
    adversary_count = int(adversary.sum())
    benign_count = int((~adversary).sum())
    per_actor: dict[str, dict[str, float | int]] = {}
    for actor, group in joined[adversary].groupby("actor", sort=True):
        flagged = int((group["verdict"] == "sockpuppet").sum())
        per_actor[str(actor)] = {
            "accounts": len(group),
            "sockpuppet": flagged,
            "suspect": int((group["verdict"] == "suspect").sum()),
            "recall": _ratio(flagged, len(group)),
        }
    return {
        "accounts": len(joined),
        "adversary_accounts": adversary_count,
        "benign_accounts": benign_count,
        "sockpuppet_verdicts": int(positive.sum()),
        "true_positives": true_positives,
        "false_positives": false_positives,
        "false_negatives": adversary_count - true_positives,
        "precision": _ratio(true_positives, true_positives + false_positives),
        "recall": _ratio(true_positives, adversary_count),
        "benign_false_positive_rate": _ratio(false_positives, benign_count),
        "suspect": {
            "accounts": int(suspect.sum()),
            "adversary": int((suspect & adversary).sum()),
            "benign": int((suspect & ~adversary).sum()),
        },
        "recall_per_actor": per_actor,
        "unknown_accounts": int((~verdict_frame["account_id"].isin(truth_frame["account_id"])).sum()),
    }
