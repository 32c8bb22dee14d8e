"""Atomic publication of detection runs (issue 16 item 1), against a real Neo4j + GDS.

A `sockhound detect` killed with SIGKILL while it writes its results leaves the API (accounts, lookups, networks,
members, links, the latest run) and `export verdicts` serving exactly the previous complete run; the next run
removes the leftovers, publishes, and is then served whole. A run failing mid-write, and a run that another run
abandoned, publish nothing either. A graph detected before this scheme is served unchanged after migration 0006.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from detect.export import verdicts_frame
from detect.pipeline import run_detection
from detect.publication import PublicationError, publish
from sockhound.graph import Graph
from sockhound.migrations import apply_migrations
from sockhound.settings import Settings
from tests.api_support import READ_KEY, api_settings, bearer
from tests.conftest import REPO_ROOT
from tests.detection_world import RING_A, RING_B, RING_C, detection_settings, load, write_world
from tests.integration.graph_state import test_query
from tests.integration.test_load_interruptions import cli_environment


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("publication")
    return (write_world(root / "world", {"a": RING_A, "b": RING_B}),
            write_world(root / "next", {"c": RING_C}, families=False))


@pytest.fixture
def published(neo4j_settings: Settings, empty_graph: Driver, worlds: tuple[Path, Path], tmp_path: Path) -> str:
    """Rings A and B loaded and detected (the published run), then ring C loaded but not yet detected; returns
    the published run's id."""
    first, second = worlds
    load(neo4j_settings, empty_graph, first, tmp_path / "report-first")
    run_id = run_detection(Graph(neo4j_settings, empty_graph), detection_settings()).run_id
    load(neo4j_settings, empty_graph, second, tmp_path / "report-next")
    return run_id


@pytest.fixture
def client(neo4j_settings: Settings, published: str) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(neo4j_settings), detection_settings())) as test_client:
        yield test_client


def graph_rows(settings: Settings, driver: Driver, name: str, **parameters: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(test_query(name).text, parameters, database_=settings.neo4j_database)
    return [record.data() for record in records]


def served(client: TestClient) -> dict[str, Any]:
    """Everything a ban tool can read about the verdicts, by account and by network."""
    headers = bearer(READ_KEY)
    accounts = {}
    everyone = [f"ring-c-{i:02d}" for i in range(len(RING_C))] + RING_A + RING_B
    for account_id in everyone:
        answer = client.get(f"/v1/accounts/{account_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        accounts[account_id] = (body["verdict"], body["risk"], body["network_id"], body["run_id"],
                                json.dumps(body.get("evidence"), sort_keys=True))
    lookup = client.post("/v1/accounts:lookup", json={"account_ids": everyone}, headers=headers)
    assert lookup.status_code == 200, lookup.text
    networks = client.get("/v1/networks?limit=100", headers=headers)
    assert networks.status_code == 200, networks.text
    members = {}
    for network in networks.json()["networks"]:
        page = client.get(f"/v1/networks/{network['network_id']}/members?limit=1000", headers=headers)
        assert page.status_code == 200, page.text
        members[network["network_id"]] = page.json()["members"]
    links = client.get(f"/v1/accounts/{RING_A[0]}/links", headers=headers)
    assert links.status_code == 200, links.text
    latest = client.get("/v1/runs/latest", headers=headers)
    assert latest.status_code == 200, latest.text
    return {"accounts": accounts, "lookup": lookup.json(), "networks": networks.json(), "members": members,
            "links": links.json(), "run": latest.json()["run_id"]}


def export_rows(settings: Settings, driver: Driver) -> list[tuple[Any, ...]]:
    frame = verdicts_frame(Graph(settings, driver))
    return [tuple(row) for row in frame.itertuples(index=False)]


def detect_command(settings: Settings, batch_rows: int) -> subprocess.Popen[bytes]:
    environment = cli_environment(settings)
    environment["SOCKHOUND_DETECT_WRITE_BATCH_ROWS"] = str(batch_rows)
    return subprocess.Popen([sys.executable, "-m", "cli", "detect"], cwd=REPO_ROOT, env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until_writing(settings: Settings, driver: Driver, running: subprocess.Popen[bytes], published: str,
                       timeout_s: float = 600) -> dict[str, Any]:
    """Block until the new run is in its write stage and has written some of its assessments."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if running.poll() is not None:
            stderr = running.stderr.read().decode(errors="replace") if running.stderr else ""
            raise AssertionError(f"detect ended (exit {running.returncode}) before it could be killed: {stderr}")
        rows = [row for row in graph_rows(settings, driver, "detection_runs") if row["runId"] != published]
        if rows and rows[0]["stage"] == "write" and rows[0]["assessments"] > 0:
            return rows[0]
        time.sleep(0.02)
    raise AssertionError("detect never reached its write stage")


def test_sigkill_during_the_write_stage_leaves_the_previous_run_served_and_a_rerun_replaces_it(
    neo4j_settings: Settings, empty_graph: Driver, published: str, client: TestClient
) -> None:
    before = served(client)
    exported_before = export_rows(neo4j_settings, empty_graph)
    assert before["run"] == published
    assert {account[3] for account_id, account in before["accounts"].items() if account_id in RING_A} == {published}
    assert all(account[0] == "clear" and account[3] is None
               for account_id, account in before["accounts"].items() if account_id in RING_C)

    running = detect_command(neo4j_settings, batch_rows=1)
    try:
        at_kill = wait_until_writing(neo4j_settings, empty_graph, running, published)
        running.send_signal(signal.SIGKILL)
        assert running.wait(timeout=30) == -signal.SIGKILL
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()
    killed = at_kill["runId"]
    total = len(exported_before)
    (after_kill,) = [row for row in graph_rows(neo4j_settings, empty_graph, "detection_runs")
                     if row["runId"] == killed]
    # killed in the middle of writing: some of its results are in the graph, not all, and it never completed
    assert after_kill["status"] == "running" and after_kill["stage"] == "write"
    assert 0 < after_kill["assessments"] < total

    assert served(client) == before
    assert export_rows(neo4j_settings, empty_graph) == exported_before
    latest = client.get("/v1/runs/latest", headers=bearer(READ_KEY)).json()
    assert latest["run_id"] == published
    assert [(run["run_id"], run["status"], run["stage"]) for run in latest["later_runs"]] == [
        (killed, "running", "write")]

    rerun = detect_command(neo4j_settings, batch_rows=2_000)
    _, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr.decode(errors="replace")
    after = served(client)
    runs = {row["runId"]: row for row in graph_rows(neo4j_settings, empty_graph, "detection_runs")}
    (new_run,) = [run_id for run_id, row in runs.items() if row["status"] == "complete" and run_id != published]
    assert after["run"] == new_run
    assert runs[killed]["status"] == "abandoned" and runs[killed]["assessments"] == 0
    assert runs[published]["assessments"] == 0 and runs[new_run]["assessments"] == total
    # served whole: every account carries the new run's id, ring C is found, and every view agrees
    assert {account[3] for account in after["accounts"].values()} == {new_run}
    ring_c_networks = {after["accounts"][account_id][2] for account_id in RING_C}
    assert len(ring_c_networks) == 1 and None not in ring_c_networks
    exported = {row[0]: row for row in export_rows(neo4j_settings, empty_graph)}
    for account_id, (verdict, risk, network_id, _, _) in after["accounts"].items():
        assert exported[account_id][1:] == (verdict, pytest.approx(risk, abs=1e-6), network_id or "")
    for network_id, members in after["members"].items():
        assert {member["account_id"] for member in members} == {
            account_id for account_id, row in exported.items() if row[3] == network_id}
    assert graph_rows(neo4j_settings, empty_graph, "detection_runs")[0]["runId"] == new_run


def test_a_run_failing_mid_write_publishes_nothing(
    neo4j_settings: Settings, empty_graph: Driver, published: str, client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = served(client)
    exported_before = export_rows(neo4j_settings, empty_graph)
    written: list[str] = []

    real_write_rows = Graph.write_rows

    def failing_write_rows(graph: Graph, name: str, rows: Any, **options: Any) -> int:
        if name == "detect/write_account_results":
            rows = list(rows)
            real_write_rows(graph, name, rows[: len(rows) // 2], **options)
            written.append(name)
            raise RuntimeError("the database went away mid-write")
        return real_write_rows(graph, name, rows, **options)

    monkeypatch.setattr(Graph, "write_rows", failing_write_rows)
    with pytest.raises(RuntimeError, match="mid-write"):
        run_detection(Graph(neo4j_settings, empty_graph), detection_settings())
    assert written
    assert served(client) == before
    assert export_rows(neo4j_settings, empty_graph) == exported_before
    statuses = {row["runId"]: row["status"] for row in graph_rows(neo4j_settings, empty_graph, "detection_runs")}
    assert sorted(statuses.values()) == ["complete", "failed"] and statuses[published] == "complete"


def test_an_abandoned_run_is_not_published(
    neo4j_settings: Settings, empty_graph: Driver, published: str, client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two runs at once: the one whose write stage starts later abandons the other, which then publishes
    nothing, whatever it had written."""
    before = served(client)
    real_publish = publish

    def abandoned_first(graph: Graph, run_id: str, *arguments: Any) -> None:
        graph.driver.execute_query(test_query("abandon_run").text, {"runId": run_id}, database_=graph.database)
        real_publish(graph, run_id, *arguments)

    monkeypatch.setattr("detect.pipeline.publish", abandoned_first)
    with pytest.raises(PublicationError, match="not published"):
        run_detection(Graph(neo4j_settings, empty_graph), detection_settings())
    assert served(client) == before


def test_migration_0006_serves_a_graph_detected_before_it_unchanged(
    neo4j_settings: Settings, empty_graph: Driver, published: str, client: TestClient,
) -> None:
    before = served(client)
    exported_before = export_rows(neo4j_settings, empty_graph)
    Graph(neo4j_settings, empty_graph).run_statements(test_query("results_in_the_old_form"))
    assert graph_rows(neo4j_settings, empty_graph, "detection_runs")[0]["assessments"] == 0
    assert client.get("/v1/runs/latest", headers=bearer(READ_KEY)).status_code == 404

    outcome = apply_migrations(Graph(neo4j_settings, empty_graph))
    assert [name.rsplit("/", 1)[-1] for name in outcome.applied] == ["0006_run_publication"]
    assert served(client) == before
    assert export_rows(neo4j_settings, empty_graph) == exported_before
    assert graph_rows(neo4j_settings, empty_graph, "accounts_with_old_results") == [{"accounts": 0}]
