"""The write stage of `sockhound detect`: a run's results written under its own id, then published all at once.

Why: ban tooling, analysts, the report and `export verdicts` must never see a mix of two runs, nor networks
without members, and a run killed or failing while it writes must leave the previous complete run served. So a run
never touches what is published. Each account gets an `(:Assessment {runId, accountId})` (risk, verdict, network
id, community, explanation) and each network a `(:Network {runId, networkId})` node with its members' `MEMBER_OF`;
every reader goes through the singleton `(:Publication {scope: 'detection'})`, which `_publish` moves to the new
run, together with marking it complete, in one transaction (only when the run is still `running` and all its
assessments are written). The replaced run's results are deleted after the flip; leftovers of killed, failed or
concurrent runs are deleted by the next run's write stage, which marks such runs `abandoned` (so a concurrent run
that writes first and publishes later fails instead of publishing a half-deleted result). Writes are batched
(`write_batch_rows`) and MERGE on the (runId, ...) uniqueness constraints of migration 0006, so a retried batch
writes nothing twice, and every read is an index seek on (runId, accountId) or (runId, networkId).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd

from detect.config import DetectionSettings
from detect.scoring import Scores, explanation_json
from queries import load_query
from sockhound.errors import SockhoundError
from sockhound.graph import Graph

log = logging.getLogger(__name__)


def write_results(graph: Graph, run_id: str, scores: Scores, networks: pd.DataFrame,
                   detection: DetectionSettings) -> None:
    """Write the run's results under its own id, invisible to every reader until `publish` flips the pointer;
    first the leftovers of killed, failed or concurrent runs go."""
    graph.write("detect/mark_stage", {"runId": run_id, "stage": "write"})
    graph.run_statements(load_query("detect/clear_results"), {"keepRunId": run_id})
    network_rows = [{str(key): value for key, value in row.items()}
                    for row in networks.drop(columns=["community"]).to_dict("records")]
    graph.write_rows("detect/write_networks", network_rows, extra_parameters={"runId": run_id})
    table = scores.table

    def rows() -> Iterator[dict[str, Any]]:
        account_ids = [str(account) for account in table.index]
        risks = table["risk"].to_numpy(dtype=float)
        verdict_values = table["verdict"].to_numpy()
        network_ids = table["networkId"].to_numpy()
        community = table["community"].to_numpy()
        # the network's own member count (its flagged members), not the community's
        network_sizes = {str(key): int(value) for key, value in zip(networks["networkId"], networks["size"],
                                                                    strict=True)}
        for position, account in enumerate(account_ids):
            network_id = network_ids[position] if isinstance(network_ids[position], str) else None
            yield {
                "accountId": account, "risk": float(risks[position]), "verdict": str(verdict_values[position]),
                "networkId": network_id, "community": int(community[position]),
                "explanation": explanation_json(scores, position, network_id, detection,
                                                network_sizes.get(network_id) if network_id else None),
            }

    graph.write_rows("detect/write_account_results", rows(), batch_size=detection.write_batch_rows,
               extra_parameters={"runId": run_id})
    graph.write("detect/dissolve_networks",
                {"networkIds": networks["networkId"].tolist(), "runId": run_id})


class PublicationError(SockhoundError, RuntimeError):
    """The run could not be published: another run's cleanup abandoned it, or its results are incomplete."""


def publish(graph: Graph, run_id: str, accounts: int, started_ms: int,
             parameters: dict[str, Any], timings: dict[str, float], counts: dict[str, int]) -> None:
    """Flip the published run to `run_id` and mark it complete, in one transaction; then remove the results of
    the run it replaces (and any other leftovers)."""
    started = time.perf_counter()
    published = graph.write("detect/publish_run", {
        "runId": run_id, "accounts": accounts, "startedAt": started_ms, "finishedAt": int(time.time() * 1000),
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
        "timings": json.dumps(timings, sort_keys=True), "counts": json.dumps(counts, sort_keys=True),
    })
    if not published:
        raise PublicationError(f"run {run_id} was not published: another run abandoned it, or not all of its "
                               f"{accounts} results are written; the previous run is still served")
    log.info("detect: published %s (replacing %s) %.2fs", run_id, published[0]["previousRunId"],
             time.perf_counter() - started)


def remove_replaced(graph: Graph, run_id: str) -> None:
    """Delete the results of the run just replaced. A failure here changes nothing served: the next run's
    write stage removes them."""
    started = time.perf_counter()
    try:
        graph.run_statements(load_query("detect/clear_results"), {"keepRunId": run_id})
        log.info("detect: replaced results removed %.2fs", time.perf_counter() - started)
    except Exception as error:
        log.warning("detect: %s is published, but removing the replaced results failed (%s); the next run "
                    "removes them", run_id, type(error).__name__)
