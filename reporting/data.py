"""The report's data, gathered as records before anything is drawn (pure: no database, no files).

Inputs are the frames the graph and the batch give: verdicts (the contract's columns), the active networks,
the per-network shared evidence (queries/report/network_evidence) and, when a batch is given, the baseline's
verdicts. The headline figures are `evaluate_verdicts` on the same verdicts `sockhound evaluate` scores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from detect.config import EVIDENCE_KINDS
from detect.evaluation import evaluate_verdicts

DEFAULT_TOP_NETWORKS: Final = 15
NETWORK_COLUMNS: Final = ("networkId", "size", "risk", "verdict", "features")
EVIDENCE_COLUMNS: Final = ("networkId", "kind", "items", "links", "weight")
NO_BASELINE_NOTE: Final = "No baseline: the batch directory was not given (--batch DIR), so only sockhound is shown."


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, as frames and the evaluation dicts."""

    accounts: pd.DataFrame  # account_id, verdict, risk, network_id, truth ("benign", "adversary", "unknown")
    networks: pd.DataFrame  # networkId, size, risk, verdict, communitySize, ... (features), highest risk first
    top_networks: pd.DataFrame  # the first `top` of networks, index networkId
    evidence_mix: pd.DataFrame  # index networkId (top networks), columns EVIDENCE_KINDS: share of link weight
    evidence_items: pd.DataFrame  # same shape: how many evidence nodes of each kind members share
    sockhound: dict[str, Any]  # evaluate_verdicts(graph verdicts, truth)
    baseline: dict[str, Any] | None  # evaluate_verdicts(baseline verdicts, truth), None without a batch
    baseline_sizes: pd.Series | None  # accounts per flagged baseline component
    baseline_note: str | None  # why the baseline is missing, when it is
    recall: pd.DataFrame  # index actor: accounts, sockhound, baseline (NaN without a baseline)
    thresholds: tuple[float, float]  # (suspect, sockpuppet) risk thresholds


def parse_networks(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Network records (queries/report/networks) as a frame, the features JSON spread into columns."""
    frame = pd.DataFrame(records, columns=list(NETWORK_COLUMNS))
    features = pd.DataFrame([json.loads(text) if text else {} for text in frame["features"]], index=frame.index)
    frame = pd.concat([frame.drop(columns=["features"]), features], axis=1)
    frame["size"] = frame["size"].fillna(0).astype(int)
    frame["risk"] = frame["risk"].fillna(0.0).astype(float)
    frame["networkId"] = frame["networkId"].astype(str)
    return by_risk(frame)


def by_risk(networks: pd.DataFrame) -> pd.DataFrame:
    """Networks highest risk first (ties: larger first, then by id)."""
    return networks.sort_values(["risk", "size", "networkId"], ascending=[False, False, True], ignore_index=True)


def top_network_ids(networks: pd.DataFrame, top: int) -> list[str]:
    """The ids of the `top` highest-risk networks."""
    return [str(value) for value in by_risk(networks)["networkId"].head(top)]


def evidence_tables(evidence: pd.DataFrame, network_ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mix, items): per network (rows, in the given order) and evidence kind (columns EVIDENCE_KINDS).

    mix is each kind's share of the rarity-weighted links the members' shared evidence supplies (rows sum
    to 1, or are all 0 for a network whose members share nothing that links); items counts shared nodes.
    """
    frame = evidence if len(evidence) else pd.DataFrame(columns=list(EVIDENCE_COLUMNS))
    weight = frame.pivot_table(index="networkId", columns="kind", values="weight", aggfunc="sum", fill_value=0.0)
    items = frame.pivot_table(index="networkId", columns="kind", values="items", aggfunc="sum", fill_value=0)
    weight = weight.reindex(index=network_ids, columns=list(EVIDENCE_KINDS), fill_value=0.0).astype(float)
    items = items.reindex(index=network_ids, columns=list(EVIDENCE_KINDS), fill_value=0).astype(int)
    totals = weight.sum(axis=1)
    mix = weight.div(totals.where(totals > 0, 1.0), axis=0)
    mix.index.name = items.index.name = "networkId"
    return mix, items


def truth_classes(verdicts: pd.DataFrame, truth: pd.DataFrame, evaluation: dict[str, Any]) -> pd.DataFrame:
    """The verdicts with a `truth` column: adversary (an actor `evaluation` scores recall for), benign (any
    other actor in the truth file), or unknown (account not in the truth file)."""
    actors = truth.drop_duplicates("account_id").set_index("account_id")["actor"]
    actor = verdicts["account_id"].map(actors)
    adversary = actor.isin(list(evaluation["recall_per_actor"]))
    classes = np.where(actor.isna(), "unknown", np.where(adversary, "adversary", "benign"))
    return verdicts.assign(truth=classes)


def recall_table(sockhound: dict[str, Any], baseline: dict[str, Any] | None) -> pd.DataFrame:
    """Per adversary operation: its accounts and the recall of sockhound and of the baseline."""
    rows = [
        {
            "actor": actor,
            "accounts": int(figures["accounts"]),
            "sockhound": float(figures["recall"]),
            "baseline": float(baseline["recall_per_actor"][actor]["recall"]) if baseline is not None else np.nan,
        }
        for actor, figures in sorted(sockhound["recall_per_actor"].items())
    ]
    return pd.DataFrame(rows, columns=["actor", "accounts", "sockhound", "baseline"]).set_index("actor")


def baseline_component_sizes(baseline: pd.DataFrame) -> pd.Series:
    """Accounts per flagged baseline component (its `network_id`)."""
    flagged = baseline.loc[baseline["network_id"].astype(str) != "", "network_id"]
    return flagged.value_counts().rename("size")


def gather_report_data(
    verdicts: pd.DataFrame, networks: pd.DataFrame, evidence: pd.DataFrame, truth: pd.DataFrame,
    baseline: pd.DataFrame | None, *, top: int = DEFAULT_TOP_NETWORKS,
    thresholds: tuple[float, float] = (0.4, 0.8),
) -> ReportData:
    """Assemble the report's data. `networks` as `parse_networks` returns it; `evidence` with EVIDENCE_COLUMNS
    for (at least) the top networks; `baseline` the baseline's verdicts, or None when no batch was given."""
    networks = by_risk(networks)
    top_ids = top_network_ids(networks, top)
    mix, items = evidence_tables(evidence, top_ids)
    sockhound = evaluate_verdicts(verdicts, truth)
    baseline_figures = evaluate_verdicts(baseline, truth) if baseline is not None else None
    return ReportData(
        accounts=truth_classes(verdicts, truth, sockhound),
        networks=networks,
        top_networks=networks.set_index("networkId").loc[top_ids],
        evidence_mix=mix,
        evidence_items=items,
        sockhound=sockhound,
        baseline=baseline_figures,
        baseline_sizes=baseline_component_sizes(baseline) if baseline is not None else None,
        baseline_note=None if baseline is not None else NO_BASELINE_NOTE,
        recall=recall_table(sockhound, baseline_figures),
        thresholds=thresholds,
    )


HEADLINE_FIGURES: Final = (
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("benign_false_positive_rate", "Benign false-positive rate"),
    ("sockpuppet_verdicts", "Sockpuppet verdicts"),
    ("true_positives", "True positives"),
    ("false_positives", "False positives"),
)


def top_network_records(data: ReportData) -> list[dict[str, Any]]:
    """The top networks as records: id, size, risk, verdict, evidence mix and shared items (non-zero kinds)."""
    mix: dict[str, dict[str, float]] = data.evidence_mix.to_dict("index")  # type: ignore[assignment]
    items: dict[str, dict[str, int]] = data.evidence_items.to_dict("index")  # type: ignore[assignment]
    top = data.top_networks
    return [
        {
            "networkId": str(network_id),
            "size": int(size),
            "risk": float(risk),
            "verdict": str(verdict),
            "evidenceMix": {kind: round(float(share), 6) for kind, share in mix[str(network_id)].items() if share > 0},
            "sharedItems": {kind: int(count) for kind, count in items[str(network_id)].items() if count > 0},
        }
        for network_id, size, risk, verdict in zip(top.index, top["size"], top["risk"], top["verdict"], strict=True)
    ]


def summary_payload(data: ReportData) -> dict[str, Any]:
    """What `summary.json` holds: both evaluations in full and the top networks with their evidence mix."""
    return {
        "sockhound": data.sockhound,
        "baseline": data.baseline,
        "baseline_note": data.baseline_note,
        "networks": {
            "active": len(data.networks),
            "accounts_in_networks": int(data.networks["size"].sum()),
            "largest": int(data.networks["size"].max()) if len(data.networks) else 0,
            "baseline_components": len(data.baseline_sizes) if data.baseline_sizes is not None else None,
            "baseline_largest": int(data.baseline_sizes.max())
            if data.baseline_sizes is not None and len(data.baseline_sizes) else None,
        },
        "thresholds": {"suspect": data.thresholds[0], "sockpuppet": data.thresholds[1]},
        "top_networks": top_network_records(data),
    }
