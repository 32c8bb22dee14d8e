"""Detection must not depend on the order in which the loader laid the nodes out, nor differ run to run.

One world is loaded twice into an emptied database: once as written and once with every input file's rows in
reverse (the same graph, other store ids). The partition at every community level (up to relabelling), the
verdicts and the risks must be the same, and two runs on one database must agree exactly."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from neo4j import Driver

from detect import pipeline
from detect.pipeline import run_detection
from queries import load_query
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.detection_world import RING_A, RING_B, RING_C, detection_settings, load, write_world
from tests.integration.graph_state import run_test_query


@dataclass
class Outcome:
    partitions: list[frozenset[frozenset[str]]]  # per community level: the groups of account ids
    verdicts: pd.Series
    risks: pd.Series
    store_order: list[str]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("order")
    written = write_world(root / "written", {"a": RING_A, "b": RING_B, "c": RING_C}, families=True)
    reversed_ = root / "reversed"
    reversed_.mkdir()
    for source in written.iterdir():
        if source.suffix == ".csv" and source.name != "truth.csv":
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
            frame.iloc[::-1].to_csv(reversed_ / source.name, index=False)
        else:
            shutil.copy(source, reversed_ / source.name)
    return written, reversed_


def _partitions(levels: np.ndarray[Any, Any], accounts: list[str]) -> list[frozenset[frozenset[str]]]:
    out = []
    for column in range(levels.shape[1]):
        groups: dict[int, set[str]] = {}
        for account, label in zip(accounts, levels[:, column], strict=True):
            if label >= 0:
                groups.setdefault(int(label), set()).add(account)
        out.append(frozenset(frozenset(group) for group in groups.values()))
    return out


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[frozenset[frozenset[str]]]]]:
    """Every detection run's community levels, as partitions of account ids."""
    seen: list[list[frozenset[frozenset[str]]]] = []
    original = pipeline.model_scores

    def keep(profiles: pd.DataFrame, items: pd.DataFrame, levels: Any, detection: Any) -> Any:
        seen.append(_partitions(np.asarray(levels), [str(a) for a in profiles["accountId"]]))
        return original(profiles, items, levels, detection)

    monkeypatch.setattr(pipeline, "model_scores", keep)
    yield seen


def _detect(settings: Settings, driver: Driver, seen: list[list[frozenset[frozenset[str]]]]) -> Outcome:
    result = run_detection(Graph(settings, driver), detection_settings())
    accounts = result.accounts.sort_index()
    order = [str(row["accountId"]) for row in run_test_query(settings, driver, "account_store_order")]
    return Outcome(seen[-1], accounts["verdict"].astype(str), accounts["risk"].astype(float), order)


def _load_fresh(settings: Settings, driver: Driver, batch: Path, reports: Path) -> None:
    Graph(settings, driver).run_statements(load_query("maintenance/delete_all_in_batches"), {"batchSize": 10_000})
    load(settings, driver, batch, reports)


def test_communities_and_verdicts_do_not_follow_load_order(
        neo4j_settings: Settings, empty_graph: Driver, worlds: tuple[Path, Path], tmp_path: Path,
        recording: list[list[frozenset[frozenset[str]]]]) -> None:
    written, reversed_ = worlds
    _load_fresh(neo4j_settings, empty_graph, written, tmp_path / "r1")
    first = _detect(neo4j_settings, empty_graph, recording)
    again = _detect(neo4j_settings, empty_graph, recording)
    _load_fresh(neo4j_settings, empty_graph, reversed_, tmp_path / "r2")
    other = _detect(neo4j_settings, empty_graph, recording)

    # the two loads really laid the accounts out differently (else this test would prove nothing)
    assert sorted(first.store_order) == sorted(other.store_order)
    assert first.store_order != other.store_order
    # the rings are found at all, so the comparison below is between meaningful partitions
    assert (first.verdicts.loc[RING_A + RING_B + RING_C] != "clear").mean() > 0.9

    # two runs on one database: identical
    assert again.partitions == first.partitions
    pd.testing.assert_series_equal(again.verdicts, first.verdicts)
    pd.testing.assert_series_equal(again.risks, first.risks, rtol=1e-12)
    # the same graph loaded in another order: the same partition at every level, the same verdicts and risks
    assert len(other.partitions) == len(first.partitions)
    for level, (ours, theirs) in enumerate(zip(first.partitions, other.partitions, strict=True)):
        assert ours == theirs, f"level {level} differs"
    pd.testing.assert_series_equal(other.verdicts, first.verdicts)
    pd.testing.assert_series_equal(other.risks, first.risks, rtol=1e-12)
