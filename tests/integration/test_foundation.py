"""The foundation against a real server: migrations, GDS through the Python client, the runtime's status."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from neo4j import Driver

from queries import CypherQuery
from sockhound.gds_session import cypher_projection, open_gds
from sockhound.graph import Graph
from sockhound.migrations import apply_migrations
from sockhound.runtime import local_neo4j
from sockhound.settings import Settings
from tests.conftest import free_port

TEST_CYPHER = Path(__file__).parent / "cypher"


def test_cypher(name: str) -> CypherQuery:
    return CypherQuery(name=f"tests/{name}", text=(TEST_CYPHER / f"{name}.cypher").read_text())


test_cypher.__test__ = False  # type: ignore[attr-defined]


def schema_snapshot(settings: Settings, driver: Driver) -> tuple[set[tuple[str, str]], int]:
    constraints = {(r["name"], r["type"]) for r in Graph(settings, driver).read("runtime/show_constraints")}
    migrations = len(Graph(settings, driver).read("runtime/applied_migrations"))
    return constraints, migrations


def test_migrations_applied_twice_change_nothing(neo4j_settings: Settings, session_driver: Driver) -> None:
    apply_migrations(Graph(neo4j_settings, session_driver))
    first = schema_snapshot(neo4j_settings, session_driver)
    second_outcome = apply_migrations(Graph(neo4j_settings, session_driver))
    assert second_outcome.applied == []
    assert first == schema_snapshot(neo4j_settings, session_driver)
    constraint_names = {name for name, _ in first[0]}
    assert {"account_id", "payment_method_key", "ip_address_key", "prompt_fingerprint_key"} <= constraint_names
    assert first[1] == len(second_outcome.already_applied) >= 2


def test_gds_wcc_finds_the_payment_rings(neo4j_settings: Settings, empty_graph: Driver) -> None:
    Graph(neo4j_settings, empty_graph).run_statements(test_cypher("two_payment_rings"))
    gds = open_gds(Graph(neo4j_settings, empty_graph))
    with cypher_projection(gds, test_cypher("project_shared_payment"), "test-wcc") as graph:
        projected_name = graph.name()
        components = gds.wcc.stream(graph)
        assert bool(gds.graph.exists(projected_name))
    assert not bool(gds.graph.exists(projected_name)), "projection must be dropped on exit"
    node_ids = components["nodeId"].tolist()
    account_ids = gds.util.as_nodes(node_ids)
    by_component: dict[int, set[str]] = {}
    for node, component in zip(account_ids, components["componentId"], strict=True):
        by_component.setdefault(int(component), set()).add(node["accountId"])
    assert sorted(by_component.values(), key=len, reverse=True) == [
        {"ring1-a", "ring1-b", "ring1-c"}, {"ring2-a", "ring2-b"}, {"loner"},
    ]


def test_projection_is_dropped_when_the_algorithm_fails(neo4j_settings: Settings, empty_graph: Driver) -> None:
    Graph(neo4j_settings, empty_graph).run_statements(test_cypher("two_payment_rings"))
    gds = open_gds(Graph(neo4j_settings, empty_graph))
    before = {info.graph_name for info in gds.graph.list()}
    with pytest.raises(Exception, match=r"weight|property"), cypher_projection(
        gds, test_cypher("project_shared_payment"), "test-failure"
    ) as graph:
        gds.wcc.stream(graph, relationship_weight_property="noSuchWeight")
    assert {info.graph_name for info in gds.graph.list()} == before


@pytest.fixture
def second_instance(tmp_path: Path) -> Settings:
    return Settings(
        neo4j_uri=None,
        sockhound_neo4j_home=tmp_path / "second",
        sockhound_bolt_port=free_port(),
        sockhound_http_port=free_port(),
        sockhound_heap_size="512m",
        sockhound_pagecache_size="64m",
    )


def test_status_tells_the_truth_before_and_after_stop(second_instance: Settings) -> None:
    assert not local_neo4j.status(second_instance).running
    started = local_neo4j.start(second_instance, echo=False)
    try:
        assert started.running and started.pid is not None
        current = local_neo4j.status(second_instance)
        assert current.running
        assert current.neo4j_version is not None and current.neo4j_version.startswith("5.26")
        assert current.gds_version is not None and current.gds_version.startswith("2.13")
        again = local_neo4j.start(second_instance, echo=False)
        assert again.pid == started.pid, "a second start must find the running server, not start another"
    finally:
        message = local_neo4j.stop(second_instance)
    assert message.startswith("stopped")
    after = local_neo4j.status(second_instance)
    assert not after.running
    assert not local_neo4j._process_alive(started.pid)
    assert local_neo4j.stop(second_instance) == "not running"


def test_port_in_use_is_refused_with_a_clear_error(second_instance: Settings) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", second_instance.sockhound_bolt_port))
        squatter.listen()
        with pytest.raises(local_neo4j.LocalRuntimeError, match=r"port 127\.0\.0\.1:\d+ is already in use"):
            local_neo4j.start(second_instance, echo=False)
    assert not local_neo4j.RuntimeLayout.from_settings(second_instance).pid_file.exists()


def test_neo4j_browser_and_discovery_are_served_on_loopback(second_instance: Settings) -> None:
    http_port = second_instance.sockhound_http_port
    started = local_neo4j.start(second_instance, echo=False)
    try:
        assert started.browser_url == f"http://127.0.0.1:{http_port}/browser/"
        assert local_neo4j.status(second_instance).browser_url == started.browser_url
        with urllib.request.urlopen(started.browser_url, timeout=10) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "text/html"
            assert "Neo4j Browser" in response.read().decode()
        discovery_request = urllib.request.Request(f"http://127.0.0.1:{http_port}/",
                                                   headers={"Accept": "application/json"})
        with urllib.request.urlopen(discovery_request, timeout=10) as response:
            discovery = json.load(response)
        assert discovery["bolt_direct"] == second_instance.bolt_uri
        assert discovery["neo4j_edition"] == "community"
    finally:
        local_neo4j.stop(second_instance)


def test_http_port_in_use_is_refused_with_a_clear_error(second_instance: Settings) -> None:
    http_port = second_instance.sockhound_http_port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", http_port))
        squatter.listen()
        with pytest.raises(local_neo4j.LocalRuntimeError) as refused:
            local_neo4j.start(second_instance, echo=False)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"HTTP port 127.0.0.1:{http_port} is already in use")
    assert "SOCKHOUND_HTTP_PORT" in message
    assert not local_neo4j.RuntimeLayout.from_settings(second_instance).pid_file.exists()
    assert not local_neo4j.status(second_instance).running
    assert not local_neo4j._port_in_use(second_instance.sockhound_bolt_port), "nothing may hold the Bolt port"


def test_bad_configuration_is_named_before_anything_starts(second_instance: Settings) -> None:
    broken = second_instance.model_copy(update={"sockhound_heap_size": "not-a-size"})
    with pytest.raises(local_neo4j.LocalRuntimeError, match=r"'not-a-size' is not a valid size"):
        local_neo4j.start(broken, echo=False)
    assert not local_neo4j.RuntimeLayout.from_settings(broken).pid_file.exists()


def test_server_dying_during_start_leaves_nothing_behind(second_instance: Settings) -> None:
    """The server is killed (as the OOM killer would) while `start` waits for it."""
    layout = local_neo4j.RuntimeLayout.from_settings(second_instance)
    killed: list[int] = []

    def kill_when_it_appears() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if layout.pid_file.exists() and layout.pid_file.read_text().strip():
                pid = int(layout.pid_file.read_text())
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_it_appears)
    killer.start()
    try:
        with pytest.raises(local_neo4j.LocalRuntimeError, match=r"Neo4j exited during start \(code -9\).*see .*log"):
            local_neo4j.start(second_instance, echo=False)
    finally:
        killer.join()
    assert killed, "the server process never appeared"
    assert not layout.pid_file.exists()
    assert not local_neo4j.status(second_instance).running


def test_missing_java_is_named(second_instance: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(local_neo4j.LocalRuntimeError, match="Java is not installed"):
        local_neo4j.start(second_instance, echo=False)


def test_failed_resolution_points_at_the_maven_log(second_instance: Settings, tmp_path: Path) -> None:
    unresolvable = second_instance.model_copy(
        update={"sockhound_neo4j_version": "0.0.0-does-not-exist", "sockhound_cache_dir": tmp_path / "cache"}
    )
    with pytest.raises(local_neo4j.LocalRuntimeError, match=r"could not resolve .*see .*maven\.log"):
        local_neo4j.resolve_jars(unresolvable, echo=False)
    assert not local_neo4j.RuntimeLayout.from_settings(unresolvable).resolved_marker.exists()
