"""Build the report: read the graph (verdicts, networks, evidence of the top networks), run the baseline on the
batch when one is given, gather the data (reporting.data) and write it out (reporting.render)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from detect.config import DetectionSettings
from detect.export import verdicts_frame
from detect.pipeline import linkage_parameters
from reporting.baseline import baseline_verdicts
from reporting.data import (
    DEFAULT_TOP_NETWORKS,
    EVIDENCE_COLUMNS,
    ReportData,
    gather_report_data,
    parse_networks,
    top_network_ids,
)
from reporting.render import ReportFiles, write_report
from sockhound.graph import Graph

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GraphInputs:
    verdicts: pd.DataFrame  # the contract's verdict columns, as `sockhound evaluate` reads them
    networks: pd.DataFrame  # parse_networks of queries/report/networks
    evidence: pd.DataFrame  # EVIDENCE_COLUMNS for the top networks


def read_graph_inputs(graph: Graph, detection: DetectionSettings,
                      top: int = DEFAULT_TOP_NETWORKS) -> GraphInputs:
    """Everything the report needs from the graph (read only)."""
    verdicts = verdicts_frame(graph)
    networks = parse_networks([dict(record) for record in graph.read("report/networks")])
    parameters = {**linkage_parameters(graph, detection),
                  "networkIds": top_network_ids(networks, top)}
    records = graph.read("report/network_evidence", parameters)
    evidence = pd.DataFrame([dict(record) for record in records], columns=list(EVIDENCE_COLUMNS))
    return GraphInputs(verdicts=verdicts, networks=networks, evidence=evidence)


def build_report(graph: Graph, detection: DetectionSettings, truth: pd.DataFrame,
                 out: Path, batch: Path | None = None, top: int = DEFAULT_TOP_NETWORKS,
                 ) -> tuple[ReportData, ReportFiles, dict[str, float]]:
    """Read, gather and write the report; returns the data, the files and per-stage timings (seconds)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    inputs = read_graph_inputs(graph, detection, top)
    timings["graph"] = time.perf_counter() - started
    baseline = None
    if batch is not None:
        started = time.perf_counter()
        baseline = baseline_verdicts(batch)
        timings["baseline"] = time.perf_counter() - started
    started = time.perf_counter()
    data = gather_report_data(inputs.verdicts, inputs.networks, inputs.evidence, truth, baseline, top=top,
                              thresholds=(detection.suspect_threshold, detection.sockpuppet_threshold))
    files = write_report(data, out)
    timings["render"] = time.perf_counter() - started
    log.info("report stages: %s", {stage: round(seconds, 2) for stage, seconds in timings.items()})
    return data, files, timings
