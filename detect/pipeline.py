"""`sockhound detect`: linkage projection, communities and seeded PageRank in GDS, risk, networks, explanations.

1. The allow-list in force, the account count N and every account's profile and rare shared evidence.
2. GDS: a Cypher projection (named per run, always dropped) of the bipartite evidence graph, weighted by
   kind and rarity (hubs capped, allow-listed evidence left out); Leiden (or Louvain) communities; WCC for
   the run's counts; personalised PageRank seeded with the accounts labelled abusive.
3. Account and network features -> risk (log-odds waterfall) -> verdict.
4. Networks: communities with at least two flagged members; their ids are matched by overlap with the
   previous run's networks, so they persist across runs. Results, explanations and the DetectionRun record
   are written back, so the API serves them without recomputing.
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
import pandas as pd
from graphdatascience import GraphDataScience
from neo4j import Driver

from detect.allowlist import active_allow_list
from detect.config import DetectionSettings
from detect.features import account_features, network_features
from detect.network_ids import match_network_ids
from detect.scoring import CLEAR, explanation_json, log_odds_terms, risk_scores, verdicts
from queries import load_query
from sockhound.gds_session import cypher_projection, open_gds
from sockhound.graph import read_query, run_statements, write_query, write_rows
from sockhound.settings import Settings

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


def _frame(records: list[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([dict(record) for record in records], columns=columns)


def linkage_parameters(settings: Settings, driver: Driver, detection: DetectionSettings) -> dict[str, Any]:
    """The parameters of the projection and evidence queries: weights, caps, N and the allow-list keys."""
    accounts = int(read_query(settings, driver, "detect/account_count")[0]["accounts"])
    allowed = active_allow_list(settings, driver)
    return {
        **detection.linkage_parameters(),
        "accounts": max(accounts, 3),
        "allowPayment": sorted(allowed.get("payment", set())),
        "allowSubnet": sorted(allowed.get("subnet", set())),
        "allowPrompt": sorted(allowed.get("prompt", set())),
    }


def graph_algorithms(
    gds: GraphDataScience, parameters: dict[str, Any], seeds: list[int], detection: DetectionSettings,
    timer: _Timer, after_projection: Callable[[Any], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """(communities: nodeId, communityId), (proximity: nodeId, score), counts; the projection is dropped."""
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
            algorithm = gds.leiden if detection.community_algorithm == "leiden" else gds.louvain
            options: dict[str, Any] = {
                "relationship_weight_property": "weight", "concurrency": detection.concurrency,
                "max_levels": detection.leiden_max_levels,
            }
            if detection.community_algorithm == "leiden":
                options.update(gamma=detection.leiden_gamma, random_seed=detection.random_seed)
            communities = algorithm.stream(graph, **options).loc[:, ["nodeId", "communityId"]]
        with timer.stage("components"):
            components = gds.wcc.stream(graph, concurrency=detection.concurrency)
            counts["components"] = int(components["componentId"].nunique())
        with timer.stage("pagerank"):
            present = set(communities["nodeId"].tolist())
            sources = [node for node in seeds if node in present]
            counts["seedsInGraph"] = len(sources)
            if sources:
                proximity = gds.page_rank.stream(
                    graph, source_nodes=sources, relationship_weight_property="weight",
                    damping_factor=detection.pagerank_damping, max_iterations=detection.pagerank_iterations,
                    concurrency=detection.concurrency,
                ).loc[:, ["nodeId", "score"]]
            else:
                proximity = pd.DataFrame({"nodeId": pd.Series(dtype=np.int64), "score": pd.Series(dtype=float)})
    return communities, proximity, counts


def _write_run(settings: Settings, driver: Driver, run_id: str, started_ms: int, status: str,
               parameters: dict[str, Any], timings: dict[str, float], counts: dict[str, int]) -> None:
    finished = None if status == "running" else int(time.time() * 1000)
    write_query(settings, driver, "detect/write_run", {
        "runId": run_id, "startedAt": started_ms, "finishedAt": finished, "status": status,
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
        "timings": json.dumps(timings, sort_keys=True), "counts": json.dumps(counts, sort_keys=True),
    })


def score_accounts(profiles: pd.DataFrame, evidence: pd.DataFrame, communities: pd.Series, proximity: pd.Series,
                   detection: DetectionSettings) -> pd.DataFrame:
    """Features, risk and verdict per account (index accountId). Pure: no database."""
    table = account_features(profiles, evidence, proximity, detection)
    table = network_features(table, communities, detection)
    table["risk"] = risk_scores(table, detection)
    table["verdict"] = verdicts(table["risk"], detection)
    return table


def assign_networks(table: pd.DataFrame, previous: dict[str, set[str]], detection: DetectionSettings,
                    ) -> tuple[pd.Series, pd.DataFrame]:
    """(networkId per account or None, networks frame). A network: >= 2 flagged members of one community."""
    flagged = table[table["verdict"] != CLEAR]
    groups = flagged.groupby("community").groups
    communities = {community: set(map(str, members)) for community, members in groups.items() if len(members) >= 2}
    ids = match_network_ids(communities, previous, detection.network_match_jaccard)
    network_of = pd.Series([None] * len(table), index=table.index, dtype=object)
    rows: list[dict[str, Any]] = []
    for community, members in communities.items():
        network_id = ids[community]
        member_index = sorted(members)
        network_of.loc[member_index] = network_id
        risks = table.loc[member_index, "risk"]
        member_verdicts = table.loc[member_index, "verdict"]
        features = {
            "communitySize": int(table["communitySize"].loc[member_index[0]]),
            "sockpuppets": int((member_verdicts == "sockpuppet").sum()),
            "suspects": int((member_verdicts == "suspect").sum()),
            "syncShare": round(float((table.loc[member_index, "evSyncWeight"] > 0).mean()), 4),
            "promptShare": round(float((table.loc[member_index, "evPromptWeight"] > 0).mean()), 4),
            "burstShare": round(float(table.loc[member_index, "networkBurst"].mean()), 4),
            "seeds": int(table.loc[member_index, "labelAbusive"].sum()),
        }
        rows.append({
            "networkId": network_id, "size": len(member_index), "risk": round(float(risks.mean()), 6),
            "verdict": "sockpuppet" if features["sockpuppets"] * 2 >= len(member_index) else "suspect",
            "features": json.dumps(features, sort_keys=True), "community": community,
        })
    networks = pd.DataFrame(rows, columns=["networkId", "size", "risk", "verdict", "features", "community"])
    return network_of, networks


def run_detection(
    settings: Settings, driver: Driver, detection: DetectionSettings, *,
    after_projection: Callable[[Any], None] | None = None,
) -> DetectionResult:
    """One detection run over the whole graph; writes results and a DetectionRun record."""
    run_id = new_run_id()
    started_ms = int(time.time() * 1000)
    timer = _Timer()
    counts: dict[str, int] = {}
    run_parameters: dict[str, Any] = {"detection": detection.model_dump()}
    _write_run(settings, driver, run_id, started_ms, "running", run_parameters, {}, {})
    try:
        with timer.stage("read"):
            parameters = linkage_parameters(settings, driver, detection)
            run_parameters["allowListed"] = {
                "payment": len(parameters["allowPayment"]), "subnet": len(parameters["allowSubnet"]),
                "prompt": len(parameters["allowPrompt"]),
            }
            profile_records = read_query(settings, driver, "detect/account_profiles")
            profiles = pd.DataFrame([dict(record) for record in profile_records])
            evidence = _frame(read_query(settings, driver, "detect/account_evidence", parameters),
                              ["accountId", "kind", "items", "rarest", "weight"])
            seeds = [int(record["nodeId"]) for record in read_query(settings, driver, "detect/abusive_seeds")]
        counts["accounts"] = len(profiles)
        counts["seeds"] = len(seeds)
        if profiles.empty or evidence.empty:
            # No account, or no shared evidence at all: nothing to project. The run is recorded; results of
            # earlier runs are left as they are.
            raise _NothingToLink()
        gds = open_gds(settings, driver)
        communities, proximity, graph_counts = graph_algorithms(
            gds, parameters, seeds, detection, timer, after_projection
        )
        counts.update(graph_counts)
        with timer.stage("score"):
            node_to_account = pd.Series(profiles["accountId"].to_numpy(), index=profiles["nodeId"].to_numpy())
            community = pd.Series(communities["communityId"].to_numpy(),
                                  index=node_to_account.reindex(communities["nodeId"].to_numpy()).to_numpy())
            community = community[community.index.notna()]
            scores = pd.Series(proximity["score"].to_numpy(),
                               index=node_to_account.reindex(proximity["nodeId"].to_numpy()).to_numpy())
            scores = scores[scores.index.notna()]
            table = score_accounts(profiles, evidence, community, scores, detection)
        with timer.stage("networks"):
            previous = {str(record["networkId"]): set(record["members"])
                        for record in read_query(settings, driver, "detect/previous_networks")}
            network_of, networks = assign_networks(table, previous, detection)
            table["networkId"] = network_of
        with timer.stage("write"):
            _write_results(settings, driver, run_id, table, networks, detection)
        counts.update({
            "communities": int(table.loc[table["communitySize"] >= 2, "community"].nunique()),
            "networks": len(networks),
            "sockpuppet": int((table["verdict"] == "sockpuppet").sum()),
            "suspect": int((table["verdict"] == "suspect").sum()),
            "clear": int((table["verdict"] == "clear").sum()),
        })
    except _NothingToLink:
        _write_run(settings, driver, run_id, started_ms, "complete", run_parameters, timer.timings, counts)
        return DetectionResult(run_id, pd.DataFrame(), pd.DataFrame(), timer.timings, counts)
    except BaseException:
        _write_run(settings, driver, run_id, started_ms, "failed", run_parameters, timer.timings, counts)
        raise
    _write_run(settings, driver, run_id, started_ms, "complete", run_parameters, timer.timings, counts)
    return DetectionResult(run_id, table, networks, timer.timings, counts)


def _write_results(settings: Settings, driver: Driver, run_id: str, table: pd.DataFrame, networks: pd.DataFrame,
                   detection: DetectionSettings) -> None:
    network_rows = [{str(key): value for key, value in row.items()}
                    for row in networks.drop(columns=["community"]).to_dict("records")]
    write_rows(settings, driver, "detect/write_networks", network_rows, extra_parameters={"runId": run_id})
    run_statements(settings, driver, load_query("detect/clear_results"))
    terms = log_odds_terms(table, detection.feature_weights)

    def rows() -> Iterator[dict[str, Any]]:
        account_ids = [str(account) for account in table.index]
        values = table.to_dict("records")
        term_values = terms.to_dict("records")
        for account, row, row_terms in zip(account_ids, values, term_values, strict=True):
            network_id = row["networkId"] if isinstance(row["networkId"], str) else None
            yield {
                "accountId": account, "risk": float(row["risk"]), "verdict": str(row["verdict"]),
                "networkId": network_id, "community": int(row["community"]),
                "explanation": explanation_json(
                    {str(k): v for k, v in row.items()}, {str(k): float(v) for k, v in row_terms.items()},
                    detection, network_id,
                ),
            }

    write_rows(settings, driver, "detect/write_account_results", rows(), batch_size=2_000,
               extra_parameters={"runId": run_id})
    write_query(settings, driver, "detect/dissolve_networks",
                {"networkIds": networks["networkId"].tolist(), "runId": run_id})
