"""`sockhound detect`: linkage projection and communities in GDS, the network model, verdicts, explanations.

1. The allow-list in force, the account count N, every account's profile and the rare shared evidence
   items each account touches.
2. GDS: a Cypher projection (named per run, always dropped) of the bipartite evidence graph, weighted by
   kind and rarity (hubs capped, allow-listed evidence left out); Leiden (or Louvain) communities; WCC for
   the run's counts.
3. Channels per account against its community and against chance (detect/channels.py), the network model
   fitted per community by EM (detect/network_model.py), risk and verdict (detect/scoring.py).
4. Networks: tested communities with at least two flagged members; their ids are matched by overlap with
   the previous run's networks, so they persist across runs. Results, explanations, each network's evidence
   records and the DetectionRun record are written back under the run's id and published all at once when the
   run completes (detect/publication.py), so the API serves them without recomputing, one whole run at a time.

Over 400 lines: the pure scoring entry (`model_scores`, `_fit_candidates`) sits beside the I/O that feeds it;
it moves to its own module once the graph-call layer is replaced (left so as not to collide with that work).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from graphdatascience import GraphDataScience

from detect.allowlist import active_allow_list
from detect.channels import (
    CHANNELS,
    HOUR_MS,
    ITEM_CHANNELS,
    PAIR_THRESHOLDS,
    organisation_codes,
    trace_channels,
    usage_indicators,
)
from detect.config import DetectionSettings
from detect.network_ids import match_network_ids
from detect.network_model import fit_networks
from detect.pairs import agreement_cores, shared_pairs
from detect.publication import publish, remove_replaced, write_results
from detect.scoring import Scores, network_evidence_records, score_accounts
from queries import load_query
from sockhound.gds_session import cypher_projection, open_gds
from sockhound.graph import Graph
from sockhound.vocabulary import RunStatus, Verdict

log = logging.getLogger(__name__)


class _NothingToLink(Exception):
    """The graph holds no account, or no shared evidence: the run ends early."""


@dataclass
class DetectionResult:
    run_id: str
    accounts: pd.DataFrame  # index accountId: features, risk, verdict, networkId, community
    networks: pd.DataFrame  # networkId, size, risk, verdict
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - started, 3)
            log.info("detect: %s %.2fs", name, self.timings[name])


def new_run_id() -> str:
    return f"run-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def linkage_parameters(graph: Graph, detection: DetectionSettings) -> dict[str, Any]:
    """The parameters of the projection and evidence queries: weights, caps, N and the allow-list keys."""
    accounts = int(graph.read("detect/account_count")[0]["accounts"])
    allowed = active_allow_list(graph)
    return {
        **detection.linkage_parameters(),
        "accounts": max(accounts, 3),
        "allowPayment": sorted(allowed.get("payment", set())),
        "allowSubnet": sorted(allowed.get("subnet", set())),
        "allowPrompt": sorted(allowed.get("prompt", set())),
    }


def graph_algorithms(
    gds: GraphDataScience, parameters: dict[str, Any], detection: DetectionSettings, timer: _Timer,
    after_projection: Callable[[Any], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """(communities: nodeId, intermediateCommunityIds: every level of every resolution in
    `leiden_gammas`, in order of preference), counts; the projection is dropped."""
    counts: dict[str, int] = {}
    with ExitStack() as stack:
        with timer.stage("project"):
            graph = stack.enter_context(
                cypher_projection(gds, load_query("detect/project_linkage"), "linkage", **parameters)
            )
        counts["projectedNodes"] = int(graph.node_count())
        counts["projectedRelationships"] = int(graph.relationship_count())
        if after_projection is not None:
            after_projection(graph)
        with timer.stage("communities"):
            runs = []
            for gamma in (detection.leiden_gammas if detection.community_algorithm == "leiden" else [None]):
                # one thread: with more, the order in which threads move nodes varies run to run, and so do the
                # communities (the seed fixes only the random choices); docs/scoring.md §7
                if gamma is None:
                    streamed = gds.louvain.stream(
                        graph, relationship_weight_property="weight", concurrency=detection.community_concurrency,
                        max_levels=detection.leiden_max_levels, include_intermediate_communities=True)
                else:
                    streamed = gds.leiden.stream(
                        graph, relationship_weight_property="weight", concurrency=detection.community_concurrency,
                        max_levels=detection.leiden_max_levels, include_intermediate_communities=True,
                        gamma=gamma, random_seed=detection.random_seed)
                runs.append(streamed.set_index("nodeId")["intermediateCommunityIds"])
            # every level of every resolution, side by side, in order of preference: the resolutions in the
            # order of `leiden_gammas`, and within one its final level (Leiden's answer) first, then the finer
            ordered = [run.reindex(runs[0].index).map(lambda levels: list(levels)[::-1]) for run in runs]
            communities = pd.DataFrame({"intermediateCommunityIds": [
                [value for run in nested for value in run] for nested in zip(*(run.to_list() for run in ordered),
                                                                             strict=True)]},
                index=runs[0].index).reset_index()
        with timer.stage("components"):
            components = gds.wcc.stream(graph, concurrency=detection.concurrency)
            counts["components"] = int(components["componentId"].nunique())
    return communities, counts


def _write_run(graph: Graph, run_id: str, started_ms: int, status: RunStatus,
               parameters: dict[str, Any], timings: dict[str, float], counts: dict[str, int]) -> None:
    finished = None if status == RunStatus.RUNNING else int(time.time() * 1000)
    graph.write("detect/write_run", {
        "runId": run_id, "startedAt": started_ms, "finishedAt": finished, "status": status.value,
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
        "timings": json.dumps(timings, sort_keys=True), "counts": json.dumps(counts, sort_keys=True),
    })


def community_levels(communities: pd.DataFrame, node_to_index: pd.Series) -> npt.NDArray[np.int64]:
    """Per account (profiles' order) and level: its community id (-1 where the projection did not place it)."""
    placed = node_to_index.reindex(communities["nodeId"].to_numpy())
    known = placed.notna().to_numpy()
    rows = placed[known].to_numpy(dtype=np.int64)
    if "intermediateCommunityIds" in communities.columns:
        nested = [list(values) for values in communities["intermediateCommunityIds"].to_numpy()[known]]
    else:
        nested = [[value] for value in communities["communityId"].to_numpy()[known]]
    depth = max((len(values) for values in nested), default=1)
    levels = np.full((len(node_to_index), depth), -1, dtype=np.int64)
    for row, values in zip(rows, nested, strict=True):
        levels[row, :len(values)] = values
    return levels


def item_frame(record: Any, node_to_index: pd.Series) -> pd.DataFrame:
    """The columns of detect/account_items as a frame: account (index into profiles), item, channel, k."""
    kinds = pd.Series(record["kinds"], dtype=object)
    channel_of = {kind: str(channel) for channel, kinds_of in ITEM_CHANNELS.items() for kind in kinds_of}
    frame = pd.DataFrame({
        "account": node_to_index.reindex(np.asarray(record["accounts"], dtype=np.int64)).to_numpy(),
        # items numbered in the order the query gives them (by kind and key), not by store id (load order)
        "item": pd.factorize(np.asarray(record["items"], dtype=np.int64))[0].astype(np.int64),
        "channel": kinds.map(channel_of).to_numpy(dtype=object),
        "k": np.asarray(record["ks"], dtype=np.int64),
    })
    return frame.dropna(subset=["account", "channel"]).astype({"account": np.int64})


def candidate_communities(levels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Per account and level (columns in order of preference), a candidate id unique across levels; a
    community whose member set already appeared in a preferred column is not a new candidate (-1)."""
    accounts, depth = levels.shape
    salt = np.asarray(np.random.default_rng(0).integers(0, 2**62, size=accounts, dtype=np.int64), dtype=np.uint64)
    candidates = np.full(levels.shape, -1, dtype=np.int64)
    seen: set[tuple[int, int]] = set()
    next_id = 0
    for level in range(depth):
        placed = np.flatnonzero(levels[:, level] >= 0)
        if not len(placed):
            continue
        labels, codes = np.unique(levels[placed, level], return_inverse=True)
        with np.errstate(over="ignore"):
            signature = np.zeros(len(labels), dtype=np.uint64)
            np.add.at(signature, codes, salt[placed])
        sizes = np.bincount(codes, minlength=len(labels))
        keep = np.zeros(len(labels), dtype=bool)
        ids = np.full(len(labels), -1, dtype=np.int64)
        for code in range(len(labels)):
            key = (int(signature[code]), int(sizes[code]))
            if key not in seen:
                seen.add(key)
                keep[code] = True
                ids[code] = next_id
                next_id += 1
        chosen = keep[codes]
        candidates[placed[chosen], level] = ids[codes[chosen]]
    return candidates


def model_scores(profiles: pd.DataFrame, items: pd.DataFrame, levels: npt.NDArray[np.int64],
                 detection: DetectionSettings) -> Scores:
    """Channels, null rates, the network model and the scores. Pure: no database.

    `profiles` in account-index order, `items` (account, item, channel, k), `levels` per account and
    community level (-1: none; one column for a single level). Every distinct community of every level is
    a candidate, so a ring that a coarser level merges into a crowd is still tested on its own; each
    account takes the candidate that gives it the highest risk. The model is fitted `PASSES` times: after
    the first, a member's traces count only through co-members whose tie to the network is >= 0.5.
    """
    if levels.ndim == 1:
        levels = levels[:, None]
    organisation = organisation_codes(
        profiles["orgId"] if "orgId" in profiles.columns else pd.Series([None] * len(profiles)))
    pairs = shared_pairs(items, organisation, seed=detection.random_seed)
    created = pd.to_numeric(profiles["createdAt"], errors="coerce").to_numpy(dtype=np.float64)
    # cores of pairs agreeing on three or more channels at once (two chain strangers of a crowd together)
    cores = agreement_cores(pairs, created, detection.burst_window_hours * HOUR_MS,
                            (max(PAIR_THRESHOLDS.values()),), detection.min_network_size)
    candidates = candidate_communities(np.concatenate([levels, cores], axis=1))
    linked = np.zeros(len(profiles), dtype=bool)
    linked[items["account"].to_numpy(dtype=np.int64)] = True
    usage = usage_indicators(profiles, linked).reset_index(drop=True)
    fit = _fit_candidates(pairs, candidates, profiles, usage, detection, None)
    for _ in range(PASSES - 1):
        # a member's traces count only through co-members that the first fit ties to the network
        believed = np.zeros(candidates.shape, dtype=bool)
        tied = fit.belongs >= 0.5
        candidate_of_row = fit.networks["community"].to_numpy()[fit.codes]
        accounts_of_row = fit.member_index.to_numpy(dtype=np.int64)
        for level in range(candidates.shape[1]):
            here = candidates[accounts_of_row, level] == candidate_of_row
            believed[accounts_of_row[here & tied], level] = True
        fit = _fit_candidates(pairs, candidates, profiles, usage, detection, believed)
    return score_accounts(profiles, fit, detection)


PASSES = 2
"""Fits of the network model: the second counts traces only through co-members the first ties to the
network (docs/scoring.md §2); a third changed little on the captured worlds."""


def _fit_candidates(pairs: Any, candidates: npt.NDArray[np.int64], profiles: pd.DataFrame, usage: pd.DataFrame,
                    detection: DetectionSettings, believed: npt.NDArray[np.bool_] | None) -> Any:
    shows_parts, null_parts, observed_parts, community_parts, member_parts = [], [], [], [], []
    for level in range(candidates.shape[1]):
        community = candidates[:, level]
        rows = np.flatnonzero(community >= 0)
        if not len(rows):
            continue
        shows, null, observed = trace_channels(pairs, community, profiles["createdAt"],
                                               detection.burst_window_hours, detection.chance_level,
                                               None if believed is None else believed[:, level])
        for column in usage.columns:
            shows[column] = usage[column].to_numpy()
            null[column] = float(usage[column].mean())
            observed[column] = 0
        observed_parts.append(observed.iloc[rows])
        shows_parts.append(shows.iloc[rows])
        null_parts.append(null.iloc[rows])
        community_parts.append(community[rows])
        member_parts.append(rows)
    columns = list(CHANNELS)
    stacked_shows = (pd.concat(shows_parts, ignore_index=True) if shows_parts
                     else pd.DataFrame(False, index=pd.RangeIndex(0), columns=columns))
    stacked_null = (pd.concat(null_parts, ignore_index=True) if null_parts
                    else pd.DataFrame(0.0, index=pd.RangeIndex(0), columns=columns))
    stacked_observed = (pd.concat(observed_parts, ignore_index=True) if observed_parts
                        else pd.DataFrame(0, index=pd.RangeIndex(0), columns=columns))
    return fit_networks(
        np.concatenate(community_parts) if community_parts else np.zeros(0, dtype=np.int64),
        stacked_shows, stacked_null,
        np.concatenate(member_parts) if member_parts else np.zeros(0, dtype=np.int64),
        min_size=detection.min_network_size, iterations=detection.em_iterations,
        pseudo_count=detection.em_pseudo_count, co_members=stacked_observed,
    )


def assign_networks(scores: Scores, previous: dict[str, set[str]], detection: DetectionSettings,
                    ) -> tuple[pd.Series, pd.DataFrame]:
    """(networkId per account or None, networks frame). A network: >= 2 flagged members of one community."""
    table = scores.table
    flagged = table[table["verdict"] != Verdict.CLEAR.value]
    groups = flagged.groupby("community").groups
    communities: dict[int, set[str]] = {
        int(str(community)): set(map(str, members)) for community, members in groups.items() if len(members) >= 2
    }
    communities = {community: members for community, members in communities.items() if community >= 0}
    ids = match_network_ids(communities, previous, detection.network_match_jaccard)
    fitted = scores.fit.networks.set_index("community")
    network_of = pd.Series([None] * len(table), index=table.index, dtype=object)
    rows: list[dict[str, Any]] = []
    for community, members in communities.items():
        network_id = ids[community]
        member_index = sorted(members)
        network_of.loc[member_index] = network_id
        model: dict[str, Any] = {str(key): value for key, value in fitted.loc[int(community)].items()}
        member_verdicts = table.loc[member_index, "verdict"]
        probability = float(model["probability"])
        features = {
            "communitySize": int(model["size"]),
            "sockpuppets": int((member_verdicts == Verdict.SOCKPUPPET.value).sum()),
            "suspects": int((member_verdicts == Verdict.SUSPECT.value).sum()),
            "seeds": int((table.loc[member_index, "label"] == "abusive").sum()),
            "coordination": round(float(model["coordination"]), 4),
            "usage": round(float(model["usage"]), 4),
            "logOdds": round(float(model["logOdds"]), 4),
            "belongs": round(float(model["lambda"]), 4),
        }
        network_verdict = (Verdict.SOCKPUPPET if probability >= detection.sockpuppet_threshold
                           else Verdict.SUSPECT)
        rows.append({
            "networkId": network_id, "size": len(member_index), "risk": round(probability, 6),
            "verdict": str(network_verdict), "features": json.dumps(features, sort_keys=True),
            "evidence": json.dumps(network_evidence_records(model),
                                   separators=(",", ":")),
            "community": community,
        })
    columns = ["networkId", "size", "risk", "verdict", "features", "evidence", "community"]
    return network_of, pd.DataFrame(rows, columns=columns)


def run_detection(
    graph: Graph, detection: DetectionSettings, *,
    after_projection: Callable[[Any], None] | None = None,
) -> DetectionResult:
    """One detection run over the whole graph; writes results and a DetectionRun record."""
    run_id = new_run_id()
    started_ms = int(time.time() * 1000)
    timer = _Timer()
    counts: dict[str, int] = {}
    run_parameters: dict[str, Any] = {"detection": detection.model_dump()}
    _write_run(graph, run_id, started_ms, RunStatus.RUNNING, run_parameters, {}, {})
    try:
        with timer.stage("read"):
            parameters = linkage_parameters(graph, detection)
            run_parameters["allowListed"] = {
                "payment": len(parameters["allowPayment"]), "subnet": len(parameters["allowSubnet"]),
                "prompt": len(parameters["allowPrompt"]),
            }
            profile_records = graph.read("detect/account_profiles")
            profiles = pd.DataFrame([dict(record) for record in profile_records])
            node_to_index = pd.Series(np.arange(len(profiles), dtype=np.int64),
                                      index=profiles["nodeId"].to_numpy() if len(profiles) else [])
            items = item_frame(graph.read("detect/account_items", parameters)[0], node_to_index)
        counts["accounts"] = len(profiles)
        counts["seeds"] = int((profiles["label"] == "abusive").sum()) if len(profiles) else 0
        counts["sharedItems"] = len(items)
        if profiles.empty or items.empty:
            # No account, or no shared evidence at all: nothing to project. The run is recorded; results of
            # earlier runs are left as they are.
            raise _NothingToLink()
        gds = open_gds(graph)
        communities, graph_counts = graph_algorithms(gds, parameters, detection, timer, after_projection)
        counts.update(graph_counts)
        with timer.stage("score"):
            scores = model_scores(profiles, items, community_levels(communities, node_to_index), detection)
        with timer.stage("networks"):
            previous = {str(record["networkId"]): set(record["members"])
                        for record in graph.read("detect/previous_networks")}
            network_of, networks = assign_networks(scores, previous, detection)
            table = scores.table
            table["networkId"] = network_of
        with timer.stage("write"):
            write_results(graph, run_id, scores, networks, detection)
        counts.update({
            "communities": int(table.loc[table["communitySize"] >= 2, "community"].nunique()),
            "testedCommunities": len(scores.fit.networks),
            "networks": len(networks),
            "sockpuppet": int((table["verdict"] == Verdict.SOCKPUPPET.value).sum()),
            "suspect": int((table["verdict"] == Verdict.SUSPECT.value).sum()),
            "clear": int((table["verdict"] == Verdict.CLEAR.value).sum()),
        })
    except _NothingToLink:
        _write_run(graph, run_id, started_ms, RunStatus.COMPLETE, run_parameters, timer.timings, counts)
        return DetectionResult(run_id, pd.DataFrame(), pd.DataFrame(), timer.timings, counts)
    except BaseException:
        _write_run(graph, run_id, started_ms, RunStatus.FAILED, run_parameters, timer.timings, counts)
        raise
    try:
        publish(graph, run_id, len(table), started_ms, run_parameters, timer.timings, counts)
    except BaseException:
        _write_run(graph, run_id, started_ms, RunStatus.FAILED, run_parameters, timer.timings, counts)
        raise
    remove_replaced(graph, run_id)
    return DetectionResult(run_id, table, networks, timer.timings, counts)
