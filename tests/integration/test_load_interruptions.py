"""A load killed with SIGKILL, or a Neo4j restarted under it, ends with exactly the uninterrupted graph."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from loaders.load_batch import BatchLoader, LoadReport
from sockhound.graph import Graph, connected_driver
from sockhound.runtime import local_neo4j
from sockhound.settings import Settings
from tests.batch_builder import write_small_batch
from tests.conftest import REPO_ROOT
from tests.integration.graph_state import graph_snapshot, run_test_query

EXCHANGES = range(0, 60_000)
ACCOUNTS = 3_000


@pytest.fixture(scope="module")
def larger_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("larger") / "batch"
    write_small_batch(directory, exchange_ids=EXCHANGES, account_count=ACCOUNTS)
    return directory


def uninterrupted_snapshot(
    settings: Settings, driver: Driver, batch: Path, reports: Path
) -> tuple[frozenset[Any], frozenset[Any]]:
    run_test_query(settings, driver, "delete_everything")
    BatchLoader(Graph(settings, driver)).load(batch, reports)
    return graph_snapshot(settings, driver)


def edges_written(settings: Settings, driver: Driver) -> int:
    return int(run_test_query(settings, driver, "count_seen_from")[0]["edges"])


def wait_for_partial_write(settings: Settings, driver: Driver, running: subprocess.Popen[bytes] | None,
                           timeout_s: float = 300) -> int:
    """Block until the load has written some, but not all, of its SEEN_FROM edges."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if running is not None and running.poll() is not None:
            raise AssertionError("the load finished before it could be interrupted")
        written = edges_written(settings, driver)
        if written > 0:
            return written
        time.sleep(0.02)
    raise AssertionError("the load never started writing")


class RetriedWrites(logging.Handler):
    """Counts the warnings a failed-then-retried database call leaves, from threads whose name starts with
    ``prefix``: the driver's managed-transaction retry ("Transaction failed and will be retried") and the
    gateway's connectivity wait before an auto-commit statement (tenacity's "Retrying ...")."""

    def __init__(self, prefix: str) -> None:
        super().__init__(logging.WARNING)
        self.prefix = prefix
        self.retries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.threadName.startswith(self.prefix) and ("retried" in message.lower() or "retry" in message.lower()):
            self.retries.append(message.splitlines()[0][:200])


def cli_environment(settings: Settings) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update({
        "NEO4J_URI": settings.bolt_uri, "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_auth()[1],
        "NEO4J_DATABASE": settings.neo4j_database, "SOCKHOUND_ALLOW_DEV_HASH_KEY": "true",
    })
    return environment


def test_sigkill_midway_then_resume_gives_the_uninterrupted_graph(
    neo4j_settings: Settings, empty_graph: Driver, larger_batch: Path, tmp_path: Path
) -> None:
    reference = uninterrupted_snapshot(neo4j_settings, empty_graph, larger_batch, tmp_path / "reference")
    run_test_query(neo4j_settings, empty_graph, "delete_everything")

    # The interrupted and resumed loads spill to several account shards; the reference is one shard.
    command = [sys.executable, "-m", "cli", "load", str(larger_batch), "--report-dir", str(tmp_path / "r"),
               "--shard-mb", "0.2"]
    loading = subprocess.Popen(command, cwd=REPO_ROOT, env=cli_environment(neo4j_settings),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        written_at_kill = wait_for_partial_write(neo4j_settings, empty_graph, loading)
        loading.send_signal(signal.SIGKILL)
    finally:
        loading.wait(timeout=60)
    assert loading.returncode == -signal.SIGKILL
    status = run_test_query(neo4j_settings, empty_graph, "load_batch_status")
    assert [row["status"] for row in status] == ["loading"], "the kill must land before the batch completed"
    assert written_at_kill < len(reference[1])

    resumed = subprocess.run(command, cwd=REPO_ROOT, env=cli_environment(neo4j_settings),
                             capture_output=True, text=True, timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((tmp_path / "r" / "report.json").read_text())["shards"] >= 4
    assert not list((tmp_path / "r").glob("spill-*")), "the resumed load removes the killed load's spill"
    assert graph_snapshot(neo4j_settings, empty_graph) == reference


def test_neo4j_restarted_mid_load_retries_and_loses_nothing(
    restartable_server: Settings, larger_batch: Path, tmp_path: Path
) -> None:
    settings = restartable_server
    with connected_driver(settings) as observer:
        reference = uninterrupted_snapshot(settings, observer, larger_batch, tmp_path / "reference")
        run_test_query(settings, observer, "delete_everything")

    outcome: dict[str, LoadReport | BaseException] = {}

    def load_in_background() -> None:
        try:
            with connected_driver(settings) as loader_driver:
                outcome["report"] = BatchLoader(Graph(settings, loader_driver)).load(larger_batch, tmp_path / "r")
        except BaseException as error:  # handed to the test thread
            outcome["error"] = error

    # The loader runs in threads named sockhound-*: its own and the pool the loader starts inside it.
    retried = RetriedWrites("sockhound-")
    watched = [logging.getLogger("neo4j"), logging.getLogger("sockhound.graph")]
    for logger in watched:
        logger.addHandler(retried)
    try:
        loader = threading.Thread(target=load_in_background, name="sockhound-test-loader")
        loader.start()
        with connected_driver(settings) as observer:
            wait_for_partial_write(settings, observer, None)
        server_before = local_neo4j.status(settings).pid
        assert local_neo4j.stop(settings).startswith("stopped")
        # The server is down now. The load cannot complete without it (it still has to mark the batch
        # complete), so a living loader thread here has at least one write that must fail and be retried.
        assert loader.is_alive(), "the load finished before the restart: nothing was interrupted"
        server_after = local_neo4j.start(settings, echo=False).pid
        loader.join(timeout=600)
    finally:
        for logger in watched:
            logger.removeHandler(retried)
    assert not loader.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert server_before is not None and server_after is not None and server_after != server_before, (
        "the server was not restarted")
    assert retried.retries, "no write of the load failed and was retried across the restart"
    with connected_driver(settings) as observer:
        assert graph_snapshot(settings, observer) == reference
