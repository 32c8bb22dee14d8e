"""Resolution: many small planted rings chained together by a crowd on the same VPN exits come out as their
own networks (not merged into each other or into the crowd), found by the real loader, GDS and the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from neo4j import Driver

from detect.export import verdicts_frame
from detect.pipeline import run_detection
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.detection_world import detection_settings, load
from tests.planted_rings import write_planted_rings

RING_SIZES = [int(size) for size in np.exp(np.random.default_rng(11).uniform(np.log(5), np.log(60), size=36))]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_planted_rings(tmp_path_factory.mktemp("planted") / "world", RING_SIZES, genuine=2_400)


def test_small_rings_come_out_as_their_own_networks(neo4j_settings: Settings, empty_graph: Driver, planted: Path,
                                                    tmp_path: Path) -> None:
    load(neo4j_settings, empty_graph, planted, tmp_path / "report")
    run_detection(Graph(neo4j_settings, empty_graph), detection_settings())
    verdicts = verdicts_frame(Graph(neo4j_settings, empty_graph))
    truth = pd.read_csv(planted / "truth.csv", dtype=str, keep_default_na=False)
    joined = truth.merge(verdicts, on="account_id")
    rings = joined[joined["actor"] != "benign"]
    per_ring = rings.groupby("actor").agg(
        size=("account_id", "size"),
        flagged=("verdict", lambda v: float((v == "sockpuppet").mean())),
        network=("network_id", lambda v: v[v != ""].mode().iloc[0] if (v != "").any() else ""),
        in_network=("network_id", lambda v: float((v == v[v != ""].mode().iloc[0]).mean()) if (v != "").any()
                    else 0.0),
    )
    assert len(per_ring) == len(RING_SIZES)
    # every ring, from 5 accounts to 60, is found and never merged with another ring or the crowd; a ring may
    # come out as a few networks (one per card it pays with, say), never shattered
    assert (per_ring["flagged"] >= 0.8).all(), per_ring.sort_values("flagged").head()
    assert (per_ring["in_network"] >= 0.25).all(), per_ring.sort_values("in_network").head()
    assert float(per_ring["in_network"].mean()) >= 0.8
    assert per_ring["network"].nunique() == len(per_ring), "two rings were merged into one network"
    networks = joined[joined["network_id"] != ""].groupby("network_id")["actor"].agg(lambda a: a.value_counts().iloc[0]
                                                                                      / len(a))
    assert (networks >= 0.9).all(), "a network mixes rings or the crowd"
    crowd = joined[joined["actor"] == "benign"]
    assert float((crowd["verdict"] == "sockpuppet").mean()) <= 0.001
