"""Account and network features, computed in pandas from what the graph returns (no database here).

Account features describe one account: its rare shared evidence per kind (from the weighted linkage), its
payment funding, capability mix, volume against the rate limit, hour-of-day spread, its label and how close
it sits to accounts labelled abusive (personalised PageRank). Network features describe the community the
account was placed in: its size and how many members share sync buckets or prompt templates, were created
in one burst, or are labelled abusive.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from detect.config import PROMPT_KINDS, DetectionSettings

EVIDENCE_FEATURES: Final = {
    "evPayment": ("payment",),
    "evIp": ("ip",),
    "evSubnet": ("subnet",),
    "evPrompt": PROMPT_KINDS,
    "evSync": ("sync",),
    "evEmail": ("email",),
}
ACCOUNT_FEATURES: Final = (
    *EVIDENCE_FEATURES,
    "prepaidCard", "capFocus", "volume", "nearLimit", "flatRate", "hourSpread", "seedProximity",
    "labelAbusive", "labelBenign",
)
NETWORK_FEATURES: Final = ("networkSize", "networkSync", "networkPrompt", "networkBurst", "networkSeeds")
FEATURES: Final = (*ACCOUNT_FEATURES, *NETWORK_FEATURES)
CAPABILITY_COLUMNS: Final = ("capCot", "capCode", "capTool", "capMath", "capRubric", "capRewrite")
HOUR_MS: Final = 3_600_000


def evidence_table(evidence: pd.DataFrame, accounts: pd.Index) -> pd.DataFrame:
    """Per account (index = accountId): summed evidence weight per feature group, and per kind items/rarest."""
    out = pd.DataFrame(index=accounts)
    for feature, kinds in EVIDENCE_FEATURES.items():
        part = evidence[evidence["kind"].isin(kinds)] if len(evidence) else evidence
        if len(part):
            grouped = part.groupby("accountId").agg(weight=("weight", "sum"), items=("items", "sum"),
                                                    rarest=("rarest", "min"))
        else:
            grouped = pd.DataFrame({"weight": pd.Series(dtype=float), "items": pd.Series(dtype=np.int64),
                                    "rarest": pd.Series(dtype=np.int64)})
        out[f"{feature}Weight"] = grouped["weight"].reindex(accounts).fillna(0.0).astype(float)
        out[f"{feature}Items"] = grouped["items"].reindex(accounts).fillna(0).astype(int)
        out[f"{feature}Rarest"] = grouped["rarest"].reindex(accounts).fillna(0).astype(int)
    return out


def account_features(profiles: pd.DataFrame, evidence: pd.DataFrame, proximity: pd.Series,
                     settings: DetectionSettings) -> pd.DataFrame:
    """Account feature values (columns ACCOUNT_FEATURES plus evidence details), indexed by accountId."""
    frame = profiles.set_index("accountId")
    index = frame.index
    table = evidence_table(evidence, index)
    exchanges = frame["exchanges"].astype(float)
    denominator = exchanges.clip(lower=1.0)
    for feature in EVIDENCE_FEATURES:
        # log1p keeps one very rare item strong while many weak items saturate
        table[feature] = np.log1p(table[f"{feature}Weight"])
    fundings = frame["fundings"].apply(lambda values: bool(values) and any(v in ("prepaid", "virtual")
                                                                           for v in values))
    table["prepaidCard"] = fundings.astype(float)
    shares = frame.loc[:, list(CAPABILITY_COLUMNS)].astype(float).div(denominator, axis=0)
    active = exchanges >= 20
    # A narrow, heavy capability mix: the top capability's share of requests, among active accounts only.
    table["capFocus"] = shares.max(axis=1).clip(0.0, 1.0).where(active, 0.0)
    table["volume"] = np.log1p(frame["meanPerActiveDay"].astype(float)) / np.log1p(settings.rate_limit_per_day)
    table["nearLimit"] = ((frame["maxPerDay"].astype(float) / settings.rate_limit_per_day).clip(0.0, 1.0) ** 4)
    flat = (frame["p95PerHour"].astype(float) / frame["maxPerHour"].astype(float).clip(lower=1.0)).clip(0.0, 1.0)
    table["flatRate"] = flat.where(frame["activeHours"] >= 24, 0.0)
    hours = frame["hourOfDay"].apply(lambda values: sum(1 for v in (values or []) if v > 0))
    table["hourSpread"] = (hours.astype(float) / 24.0).where(active, 0.0)
    seeds = proximity.reindex(index).fillna(0.0).astype(float)
    # PageRank mass relative to a uniform share, on a log scale, 0 when nothing reaches the account
    table["seedProximity"] = np.log10(1.0 + seeds * len(index)).clip(0.0, 4.0)
    table["labelAbusive"] = (frame["label"] == "abusive").astype(float)
    table["labelBenign"] = (frame["label"] == "benign").astype(float)
    table["createdAt"] = frame["createdAt"]
    return table


def network_features(table: pd.DataFrame, community: pd.Series, settings: DetectionSettings) -> pd.DataFrame:
    """Add NETWORK_FEATURES (and `community`, `communitySize`) to the account feature table.

    Accounts outside the linkage graph are their own community of one (network features 0).
    """
    out = table.copy()
    comm = community.reindex(out.index)
    singleton_ids = -1 - np.arange(int(comm.isna().sum()))
    comm[comm.isna()] = singleton_ids
    out["community"] = comm.astype(np.int64)
    size = out.groupby("community")["community"].transform("size").astype(int)
    out["communitySize"] = size
    linked = size >= settings.min_network_size
    others = (size - 1).clip(lower=1).astype(float)
    has_sync = (out["evSyncWeight"] > 0).astype(float)
    has_prompt = (out["evPromptWeight"] > 0).astype(float)
    seeds = out["labelAbusive"]
    # Shares over the *other* members, so an account does not vouch for itself.
    sync_share = (has_sync.groupby(out["community"]).transform("sum") - has_sync) / others
    prompt_share = (has_prompt.groupby(out["community"]).transform("sum") - has_prompt) / others
    seed_count = seeds.groupby(out["community"]).transform("sum") - seeds
    out["networkSize"] = np.where(linked, np.log10(size.astype(float)), 0.0)
    out["networkSync"] = np.where(linked, sync_share, 0.0)
    out["networkPrompt"] = np.where(linked, prompt_share, 0.0)
    out["networkSeeds"] = np.where(linked, np.log1p(seed_count), 0.0)
    out["networkBurst"] = np.where(linked, _burst_share(out, settings), 0.0)
    return out


def _burst_share(table: pd.DataFrame, settings: DetectionSettings) -> pd.Series:
    """Per account: the share of the other members of its community created within the burst window of it."""
    window = settings.burst_window_hours * HOUR_MS
    result = pd.Series(0.0, index=table.index)
    frame = table.loc[table["communitySize"] >= settings.min_network_size, ["community", "createdAt"]]
    frame = frame.dropna().sort_values(["community", "createdAt"])
    for _, members in frame.groupby("community", sort=False):
        created = members["createdAt"].to_numpy(dtype=np.float64)
        lower = np.searchsorted(created, created - window, side="left")
        upper = np.searchsorted(created, created + window, side="right")
        peers = (upper - lower - 1).astype(float)
        result.loc[members.index] = peers / max(len(members) - 1, 1)
    return result
