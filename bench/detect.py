"""Benchmark `sockhound detect` on the world currently loaded, beside the same pipeline done in-process.

Prints the wall time of a full detection run (what `sockhound detect` runs: read, GDS projection, Leiden at
each resolution with every level, WCC, the network model, writes) with its stage timings, the peak JVM heap
used by the Neo4j server during the run (sampled through JMX every 100 ms) and this process's peak RSS; then
the same pipeline in-process with networkx (edges read with the same weights, Louvain with every level,
connected components, the same network model; no writes), and the ratio.

Run: .venv/bin/python bench/detect.py --label demo-s0        (uses NEO4J_URI or the local runtime)
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detect.config import get_detection_settings
from detect.pipeline import item_frame, linkage_parameters, model_scores, run_detection
from queries import load_query
from sockhound.graph import Graph, connected_driver
from sockhound.settings import get_settings


class HeapSampler(threading.Thread):
    """Samples the server's used heap (JMX java.lang:type=Memory) until stopped; keeps the peak."""

    def __init__(self, driver: Any, database: str) -> None:
        super().__init__(daemon=True)
        self.driver = driver
        self.database = database
        self.peak = 0
        self.baseline = -1
        self._halt = threading.Event()

    def sample(self) -> int:
        records, _, _ = self.driver.execute_query(load_query("bench/server_heap_used").text, database_=self.database)
        return int(records[0]["used"])

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                used = self.sample()
            except Exception:  # the server is busy; try again
                used = 0
            if self.baseline < 0:
                self.baseline = used
            self.peak = max(self.peak, used)
            self._halt.wait(0.1)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def networkx_pipeline(settings: Any, driver: Any) -> tuple[float, dict[str, float], int]:
    detection = get_detection_settings()
    timings: dict[str, float] = {}
    began = time.perf_counter()
    parameters = linkage_parameters(Graph(settings, driver), detection)
    profiles = pd.DataFrame([dict(r) for r in Graph(settings, driver).read("detect/account_profiles")])
    node_to_index = pd.Series(np.arange(len(profiles), dtype=np.int64), index=profiles["nodeId"].to_numpy())
    items = item_frame(Graph(settings, driver).read("detect/account_items", parameters)[0], node_to_index)
    edges = Graph(settings, driver).read("bench/detect_linkage_edges", parameters)
    timings["read"] = time.perf_counter() - began
    step = time.perf_counter()
    graph = nx.Graph()
    graph.add_weighted_edges_from((int(r["source"]), int(r["target"]), float(r["weight"])) for r in edges)
    timings["build"] = time.perf_counter() - step
    step = time.perf_counter()
    # every level of Louvain, finest first, as GDS's intermediate communities
    partitions = list(nx.community.louvain_partitions(graph, weight="weight", seed=detection.random_seed))
    levels = np.full((len(profiles), max(len(partitions), 1)), -1, dtype=np.int64)
    for level, partition in enumerate(partitions):
        for community, members in enumerate(partition):
            rows = node_to_index.reindex([node for node in members if node in node_to_index.index]).to_numpy()
            levels[rows.astype(np.int64), level] = community
    timings["communities"] = time.perf_counter() - step
    step = time.perf_counter()
    components = nx.number_connected_components(graph)
    timings["components"] = time.perf_counter() - step
    step = time.perf_counter()
    model_scores(profiles, items, levels, detection)
    timings["score"] = time.perf_counter() - step
    return time.perf_counter() - began, timings, components


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="loaded world")
    parser.add_argument("--skip-networkx", action="store_true")
    options = parser.parse_args()
    settings = get_settings()
    with connected_driver(settings) as driver:
        accounts = int(Graph(settings, driver).read("detect/account_count")[0]["accounts"])
        sampler = HeapSampler(driver, settings.neo4j_database)
        sampler.start()
        began = time.perf_counter()
        result = run_detection(Graph(settings, driver), get_detection_settings())
        wall = time.perf_counter() - began
        sampler.stop()
        print(f"[{options.label}] {accounts:,} accounts; sockhound detect (GDS): {wall:.1f}s wall, "
              f"server heap peak {sampler.peak / 2**20:,.0f} MiB (at start {sampler.baseline / 2**20:,.0f} MiB), "
              f"client peak RSS {rss_mb():,.0f} MiB")
        print("  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items()))
        print("  counts: " + ", ".join(f"{k} {v:,}" for k, v in result.counts.items()))
        if options.skip_networkx:
            return
        nx_wall, nx_timings, components = networkx_pipeline(settings, driver)
        print(f"[{options.label}] same pipeline in-process (networkx Louvain, every level; no writes): "
              f"{nx_wall:.1f}s wall, client peak RSS {rss_mb():,.0f} MiB, {components:,} components")
        print("  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in nx_timings.items()))
        graph_gds = sum(result.timings.get(k, 0.0) for k in ("project", "communities", "components"))
        graph_nx = sum(nx_timings.get(k, 0.0) for k in ("build", "communities", "components"))
        print(f"  ratio networkx / GDS: whole pipeline {nx_wall / wall:.2f}x (GDS run includes writes), "
              f"graph work {graph_nx / max(graph_gds, 1e-9):.2f}x")


if __name__ == "__main__":
    main()
