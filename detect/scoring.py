"""Risk per account from the network model, its verdict, and the explanation waterfall as data.

`risk = P(its community is a coordinated network) * P(the account belongs to it)` (detect/network_model.py),
then the label policy: an account labelled abusive by an earlier decision keeps at least
`abusive_label_risk`, one labelled benign at most `benign_label_risk` (people's decisions stand).

The stored explanation adds up exactly: the prior (`sigmoid(-log K) * 1/2`, the risk of an account placed
in a community before any evidence), one record for the network's own evidence (how much the community's
being a network moved the risk), one record per channel of the account's tie to the network (its match
weight and its share of the tie's move, `explanation_record` says how the move is split), and the label.
The prior's contribution plus every record's is the risk. Records are ordered by their contribution to this
account's risk, largest first (records that lowered it last), so the first few are the ones that moved it.
The network record carries `networkSize`, the member count of the account's network (its flagged
co-members), and `communitySize`, the candidate community the model was fitted on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from detect.channels import CHANNEL_DESCRIPTIONS, CHANNELS, FAMILY_OF, Family
from detect.config import DetectionSettings
from detect.network_model import NetworkFit
from sockhound.vocabulary import Label, Verdict

FloatArray = npt.NDArray[np.float64]
NETWORK_RECORD: Final = "network"
LABEL_RECORDS: Final[dict[str, str]] = {Label.ABUSIVE: "labelAbusive", Label.BENIGN: "labelBenign"}
RECORD_DESCRIPTIONS: Final = {
    NETWORK_RECORD: "its community's evidence of being one coordinated network (the weaker of its "
                    "coordination and usage evidence, against the number of communities tested)",
    "labelAbusive": "labelled abusive by an earlier decision (the decision stands)",
    "labelBenign": "labelled benign by an earlier decision (the decision stands)",
    **{str(channel): text for channel, text in CHANNEL_DESCRIPTIONS.items()},
}


def sigmoid(values: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * np.asarray(values, dtype=np.float64))), dtype=np.float64)


def verdict_of(risk: float, settings: DetectionSettings) -> Verdict:
    if risk >= settings.sockpuppet_threshold:
        return Verdict.SOCKPUPPET
    if risk >= settings.suspect_threshold:
        return Verdict.SUSPECT
    return Verdict.CLEAR


def verdicts(risk: pd.Series, settings: DetectionSettings) -> pd.Series:
    values = np.where(risk >= settings.sockpuppet_threshold, Verdict.SOCKPUPPET.value,
                      np.where(risk >= settings.suspect_threshold, Verdict.SUSPECT.value, Verdict.CLEAR.value))
    return pd.Series(values, index=risk.index, name="verdict")


@dataclass(frozen=True)
class Scores:
    """Per account (index accountId): community, communitySize, networkProbability, belongs, risk, verdict,
    label; and per tested community the fitted model (`fit.networks`)."""

    table: pd.DataFrame
    fit: NetworkFit
    member_row: npt.NDArray[np.int64]  # per account: its chosen row in the fit, -1 when none was tested


def score_accounts(profiles: pd.DataFrame, fit: NetworkFit, settings: DetectionSettings) -> Scores:
    """Risk and verdict per account (profiles in account-index order). Each account takes the most
    preferred of the tested candidate communities that give it its highest `P(network) * P(belongs)` (or
    at least the sockpuppet threshold)."""
    index = pd.Index(profiles["accountId"].astype(str), name="accountId")
    accounts = len(index)
    network_probability = fit.networks["probability"].to_numpy()
    members = fit.member_index.to_numpy(dtype=np.int64)
    row_risk = network_probability[fit.codes] * fit.belongs if len(members) else np.zeros(0)
    member_row = np.full(accounts, -1, dtype=np.int64)
    if len(members):
        # rows come in order of preference (detect/pipeline.py: Leiden's own answer at the first resolution
        # first, then its finer levels, then the next resolution's): an account takes
        # the first candidate that gives it its highest risk (or at least the sockpuppet threshold), and
        # the first one of all when none lifts it to the suspect threshold
        best = np.zeros(accounts)
        np.maximum.at(best, members, row_risk)
        enough = row_risk >= np.minimum(best[members], settings.sockpuppet_threshold) - 1e-12
        quiet = best[members] < settings.suspect_threshold
        chosen_rows = np.flatnonzero(enough | quiet)
        first_chosen = np.full(accounts, -1, dtype=np.int64)
        first_chosen[members[chosen_rows[::-1]]] = chosen_rows[::-1]
        member_row = first_chosen
    tested = member_row >= 0
    chosen = member_row[tested]
    community = np.full(accounts, -1, dtype=np.int64)
    size = np.ones(accounts, dtype=np.int64)
    probability = np.zeros(accounts)
    belongs = np.zeros(accounts)
    community[tested] = fit.networks["community"].to_numpy()[fit.codes[chosen]]
    size[tested] = fit.networks["size"].to_numpy()[fit.codes[chosen]]
    probability[tested] = network_probability[fit.codes[chosen]]
    belongs[tested] = fit.belongs[chosen]
    table = pd.DataFrame({"community": community, "communitySize": size, "networkProbability": probability,
                          "belongs": belongs}, index=index)
    risk = probability * belongs
    label = profiles["label"].to_numpy()
    risk = np.where(label == Label.ABUSIVE, np.maximum(risk, settings.abusive_label_risk), risk)
    risk = np.where(label == Label.BENIGN, np.minimum(risk, settings.benign_label_risk), risk)
    table["risk"] = np.clip(risk, 0.0, 1.0)
    table["label"] = label
    table["verdict"] = verdicts(table["risk"], settings)
    return Scores(table=table, fit=fit, member_row=member_row)


def network_evidence_records(network: Mapping[str, Any], limit: int | None = None) -> list[dict[str, Any]]:
    """A tested community's evidence, per channel, strongest first: share shown, null share, nats."""
    records: list[dict[str, Any]] = []
    for channel in CHANNELS:
        evidence = float(network[f"evidence_{channel}"])
        if evidence <= 1e-9:
            continue
        records.append({
            "kind": str(channel), "family": str(FAMILY_OF[channel]), "description": CHANNEL_DESCRIPTIONS[channel],
            "members": int(network[f"agree_{channel}"]), "share": round(float(network[f"m_{channel}"]), 6),
            "nullShare": float(network[f"u_{channel}"]), "evidence": round(evidence, 4),
        })
    records.sort(key=lambda record: -float(record["evidence"]))
    return records[:limit] if limit is not None else records


def _record(kind: str, value: float, log_odds: float, contribution: float, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "description": RECORD_DESCRIPTIONS[kind], "value": round(value, 6),
            "weight": log_odds, "logOdds": log_odds, "contribution": contribution, **extra}


def _tie_contributions(weights: FloatArray, scale: float) -> FloatArray:
    """Each channel's share of the move of `scale * sigmoid(sum w)` from `scale * sigmoid(0)`: integrated
    gradients along the straight path from no evidence to the member's, which for a function of the sum
    is `w_h * (sigmoid(L) - 1/2) / L`. Exact (they sum to the move), independent of any order, and of the
    same sign as the weight; equal weights get equal shares (no record is starved by saturation)."""
    total = float(weights.sum())
    # 0.25 is the limit of (sigmoid(L) - 1/2) / L at L = 0
    slope = 0.25 if abs(total) < 1e-9 else (float(sigmoid(np.array([total]))[0]) - 0.5) / total
    return np.asarray(scale * slope * weights, dtype=np.float64)


def explanation_record(scores: Scores, account: int, network_id: str | None,
                       settings: DetectionSettings, network_size: int | None = None) -> dict[str, Any]:
    """The stored waterfall of one account (row `account` of `scores.table`). `network_size`: the member
    count of its network (flagged members of its community), when it is in one.

    risk = P(network) * tie. The move from the prior (`P0 * tie0`, before any evidence) to the risk is
    split between the network record and the tie exactly and without favouring either (the Shapley split
    of two factors: `(P - P0) * (tie0 + tie) / 2` and `(tie - tie0) * (P0 + P) / 2`); the tie's part is
    split over its channels by `_tie_contributions`. Records are ordered by contribution, largest first:
    what raised this account's risk most comes first, what lowered it comes last."""
    fit = scores.fit
    table_row = {str(key): value for key, value in scores.table.iloc[account].items()}
    tested = max(len(fit.networks), 2)
    base_log_odds = -float(np.log(tested))
    row = int(scores.member_row[account])
    records: list[dict[str, Any]] = []
    if row >= 0:
        network = fit.networks.iloc[int(fit.codes[row])]
        tie0 = float(sigmoid(np.array([fit.prior_log_odds[row]]))[0])
        p0 = float(sigmoid(np.array([base_log_odds]))[0])
        prior_risk = p0 * tie0
        p_net = float(network["probability"])
        weights = np.asarray(fit.tie_weights[row], dtype=np.float64)
        tie = float(sigmoid(np.array([fit.prior_log_odds[row] + weights.sum()]))[0])
        network_part = (p_net - p0) * (tie0 + tie) / 2.0
        tie_parts = _tie_contributions(weights, (p0 + p_net) / 2.0)
        records.append(_record(NETWORK_RECORD, float(network["logOdds"]), float(network["logOdds"]) - base_log_odds,
                               network_part, networkSize=network_size, communitySize=int(network["size"]),
                               coordination=round(float(network["coordination"]), 4),
                               usage=round(float(network["usage"]), 4)))
        for h, channel in enumerate(CHANNELS):
            if abs(float(weights[h])) <= 1e-12:
                continue
            records.append(_record(
                str(channel), float(fit.shows[row, h]), float(weights[h]), float(tie_parts[h]),
                family=str(FAMILY_OF[channel]), networkShare=round(float(network[f"m_{channel}"]), 6),
                nullShare=float(fit.null[row, h]),
                **({"sharedBy": int(fit.co_members[row, h]) + 1} if FAMILY_OF[channel] != Family.USAGE else {}),
            ))
        running = p_net * tie
    else:
        prior_risk = running = 0.0
    risk = float(table_row["risk"])
    label_kind = LABEL_RECORDS.get(str(table_row["label"]))
    if label_kind is not None and abs(risk - running) > 1e-12:
        records.append(_record(label_kind, 1.0, 0.0, risk - running))
    records.sort(key=lambda record: -float(record["contribution"]))
    return {
        "prior": {"logOdds": base_log_odds, "contribution": prior_risk},
        "records": records,
        "risk": risk,
        "verdict": str(verdict_of(risk, settings)),
        "networkId": network_id,
        "networkSize": network_size,
        "communitySize": int(table_row["communitySize"]),
        "networkProbability": float(table_row["networkProbability"]),
    }


def explanation_json(scores: Scores, account: int, network_id: str | None, settings: DetectionSettings,
                     network_size: int | None = None) -> str:
    return json.dumps(explanation_record(scores, account, network_id, settings, network_size),
                      separators=(",", ":"))
