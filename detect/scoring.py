"""Risk as a match-weight waterfall (Splink-style): prior log-odds, plus one log-odds term per feature.

`risk = sigmoid(prior + sum(weight_f * value_f))`. The explanation lists the prior and each evidence record
with its log-odds (`logOdds`) and its `contribution` in risk units: the step the running risk takes when the
record is added (records in a fixed order), so the prior's contribution plus every record's contribution
is exactly the risk.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from detect.config import DetectionSettings
from detect.features import EVIDENCE_FEATURES, FEATURES

SOCKPUPPET: Final = "sockpuppet"
SUSPECT: Final = "suspect"
CLEAR: Final = "clear"

FEATURE_DESCRIPTIONS: Final = {
    "evPayment": "payment instruments shared with other accounts (weighted by rarity)",
    "evIp": "IP addresses shared with other accounts (weighted by rarity)",
    "evSubnet": "subnets shared with other accounts (weighted by rarity)",
    "evPrompt": "prompt fingerprints (exact, template, near-duplicate) shared with other accounts",
    "evSync": "synchronised activity windows shared with other accounts",
    "evEmail": "sign-up mailbox shared with other accounts",
    "prepaidCard": "paid with a prepaid or virtual card",
    "capFocus": "share of requests in its single main capability (chain-of-thought, code, tools, ...)",
    "volume": "requests per active day, on a log scale against the daily rate limit",
    "nearLimit": "peak daily volume close to the rate limit",
    "flatRate": "hourly volume held flat (p95 close to the maximum)",
    "hourSpread": "share of the 24 hours of the day it is active in",
    "seedProximity": "personalised PageRank from accounts labelled abusive",
    "labelAbusive": "labelled abusive by an earlier decision",
    "labelBenign": "labelled benign by an earlier decision",
    "networkSize": "size of its network (log10)",
    "networkSync": "share of its network's other members sharing synchronised activity",
    "networkPrompt": "share of its network's other members sharing prompt fingerprints",
    "networkBurst": "share of its network's other members created within the burst window of it",
    "networkSeeds": "other members of its network labelled abusive (log)",
}


def sigmoid(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-values)), dtype=np.float64)


def log_odds_terms(features: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Per account and feature: weight * value (0 for features without a weight)."""
    columns = {name: features[name].astype(float) * float(weights.get(name, 0.0)) for name in FEATURES}
    return pd.DataFrame(columns, index=features.index)


def risk_scores(features: pd.DataFrame, settings: DetectionSettings) -> pd.Series:
    terms = log_odds_terms(features, settings.feature_weights)
    total = settings.prior_log_odds + terms.sum(axis=1).to_numpy(dtype=np.float64)
    return pd.Series(sigmoid(total), index=features.index, name="risk")


def verdict_of(risk: float, settings: DetectionSettings) -> str:
    if risk >= settings.sockpuppet_threshold:
        return SOCKPUPPET
    if risk >= settings.suspect_threshold:
        return SUSPECT
    return CLEAR


def verdicts(risk: pd.Series, settings: DetectionSettings) -> pd.Series:
    values = np.where(risk >= settings.sockpuppet_threshold, SOCKPUPPET,
                      np.where(risk >= settings.suspect_threshold, SUSPECT, CLEAR))
    return pd.Series(values, index=risk.index, name="verdict")


def waterfall(prior: float, terms: Sequence[tuple[str, float]]) -> tuple[float, list[tuple[str, float, float]]]:
    """(prior risk, [(feature, log-odds, contribution)]): contributions telescope to the final risk."""
    running = prior
    previous = float(sigmoid(np.array([running]))[0])
    prior_risk = previous
    steps: list[tuple[str, float, float]] = []
    for name, log_odds in terms:
        running += log_odds
        current = float(sigmoid(np.array([running]))[0])
        steps.append((name, log_odds, current - previous))
        previous = current
    return prior_risk, steps


def explanation_record(row: Mapping[str, Any], terms: Mapping[str, float], settings: DetectionSettings,
                       network_id: str | None) -> dict[str, Any]:
    """The stored explanation of one account: prior, evidence records (largest effect first), risk."""
    # Every feature with an effect, and every kind of shared evidence the account has even when its weight
    # is 0 (it still shaped the network the account was placed in).
    nonzero = [(name, float(terms[name])) for name in FEATURES
               if abs(float(terms[name])) > 1e-12 or (name in EVIDENCE_FEATURES and int(row[f"{name}Items"]) > 0)]
    nonzero.sort(key=lambda item: -abs(item[1]))
    prior_risk, steps = waterfall(settings.prior_log_odds, nonzero)
    records: list[dict[str, Any]] = []
    for name, log_odds, contribution in steps:
        record: dict[str, Any] = {
            "kind": name,
            "description": FEATURE_DESCRIPTIONS[name],
            "value": round(float(row[name]), 6),
            "weight": float(settings.feature_weights.get(name, 0.0)),
            "logOdds": log_odds,
            "contribution": contribution,
        }
        if name in EVIDENCE_FEATURES:
            record["items"] = int(row[f"{name}Items"])
            record["sharedBy"] = int(row[f"{name}Rarest"])  # accounts sharing its rarest item
            record["evidenceWeight"] = float(row[f"{name}Weight"])
        if name.startswith("network"):
            record["networkSize"] = int(row["communitySize"])
        records.append(record)
    risk = prior_risk + sum(step[2] for step in steps)
    return {
        "prior": {"logOdds": settings.prior_log_odds, "contribution": prior_risk},
        "records": records,
        "risk": risk,
        "verdict": verdict_of(risk, settings),
        "networkId": network_id,
        "communitySize": int(row["communitySize"]),
    }


def explanation_json(
    row: Mapping[str, Any], terms: Mapping[str, float], settings: DetectionSettings, network_id: str | None
) -> str:
    return json.dumps(explanation_record(row, terms, settings, network_id), separators=(",", ":"))
