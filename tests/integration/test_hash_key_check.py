"""The key check value against a real Neo4j: stored at the first load, and `load`, `serve` and `allowlist` (CLI
and API) refuse a different key with a clear message; a fresh graph takes a new key (rotation)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from pydantic import SecretStr

from api.app import create_app
from detect.allowlist import add_entry, remove_entry
from loaders.load_batch import BatchLoader
from sockhound.graph import Graph
from sockhound.hash_key import HashKeyError, key_check_value
from sockhound.key_check import verify_graph_key_if_reachable
from sockhound.settings import Settings
from tests.api_support import IPS_KEY, WRITE_KEY, api_settings, assert_problem, bearer
from tests.conftest import REPO_ROOT, free_port
from tests.detection_world import RING_A, load, write_world

MISMATCH = "differs from the one this graph was loaded with"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(tmp_path_factory.mktemp("key-check") / "world", {"a": RING_A}, families=False)


def with_key(settings: Settings, key: str) -> Settings:
    return settings.model_copy(update={"sockhound_hash_key": SecretStr(key), "sockhound_allow_dev_hash_key": False})


def stored_check_value(settings: Settings, driver: Driver) -> str | None:
    value = Graph(settings, driver).read("runtime/hash_key_check")[0]["value"]
    return None if value is None else str(value)


def test_first_load_stores_the_check_value_and_other_keys_are_refused(
    neo4j_settings: Settings, empty_graph: Driver, world: Path, tmp_path: Path
) -> None:
    assert stored_check_value(neo4j_settings, empty_graph) is None
    load(neo4j_settings, empty_graph, world, tmp_path / "first")
    assert stored_check_value(neo4j_settings, empty_graph) == key_check_value(neo4j_settings.hash_key())
    other = with_key(neo4j_settings, secrets.token_hex(32))

    with pytest.raises(HashKeyError, match=MISMATCH):
        BatchLoader(Graph(other, empty_graph)).load(world, tmp_path / "again")
    with pytest.raises(HashKeyError, match=MISMATCH):
        add_entry(Graph(other, empty_graph), "subnet", "198.18.7.0/24", "office", None)
    with pytest.raises(HashKeyError, match=MISMATCH):
        remove_entry(Graph(other, empty_graph), "subnet", "198.18.7.0/24")
    assert Graph(neo4j_settings, empty_graph).read("detect/allow_list_entries", {"now": 0}) == []

    # The API: every endpoint that hashes a raw value refuses, with the reason.
    app_settings = api_settings(neo4j_settings, sockhound_hash_key=other.sockhound_hash_key,
                                sockhound_allow_dev_hash_key=False)
    with TestClient(create_app(app_settings)) as client:
        refused = client.post("/v1/allowlist", json={"kind": "subnet", "value": "198.18.7.0/24", "reason": "x"},
                              headers=bearer(WRITE_KEY))
        assert MISMATCH in assert_problem(refused, 500)["detail"]
        assert MISMATCH in assert_problem(client.get("/v1/ips/198.18.7.10/accounts", headers=bearer(IPS_KEY)),
                                          500)["detail"]
        # Who calls is checked first: a caller without a key learns nothing about the server's key.
        assert MISMATCH not in assert_problem(client.get("/v1/ips/198.18.7.10/accounts"), 401)["detail"]
        assert_problem(client.post("/v1/allowlist", json={"kind": "subnet", "value": "198.18.7.0/24", "reason": "x"}),
                       401)
    # The original key still works, everywhere.
    assert add_entry(Graph(neo4j_settings, empty_graph), "subnet", "198.18.7.0/24", "office", None)
    with TestClient(create_app(api_settings(neo4j_settings))) as client:
        assert client.get("/v1/ips/198.18.7.10/accounts", headers=bearer(IPS_KEY)).status_code == 200


def test_serve_and_load_commands_refuse_another_key_with_one_clear_line(
    neo4j_settings: Settings, empty_graph: Driver, world: Path, tmp_path: Path
) -> None:
    load(neo4j_settings, empty_graph, world, tmp_path / "first")
    environment = {**os.environ, "NEO4J_URI": neo4j_settings.bolt_uri,
                   "NEO4J_PASSWORD": neo4j_settings.neo4j_auth()[1],
                   "SOCKHOUND_HASH_KEY": secrets.token_hex(32), "SOCKHOUND_API_KEYS": f"t:read:{IPS_KEY}",
                   "SOCKHOUND_API_PORT": str(free_port())}
    environment.pop("SOCKHOUND_ALLOW_DEV_HASH_KEY", None)
    for arguments in (["serve", "--detach", "--run-dir", str(tmp_path / "run")],
                      ["load", str(world), "--report-dir", str(tmp_path / "cli")]):
        result = subprocess.run([sys.executable, "-m", "cli", *arguments], cwd=REPO_ROOT, env=environment,
                                capture_output=True, text=True, timeout=180, check=False)
        assert result.returncode == 1, (arguments, result.stdout, result.stderr)
        assert MISMATCH in result.stderr and "fresh graph" in result.stderr
        assert environment["SOCKHOUND_HASH_KEY"] not in result.stderr + result.stdout
    assert not (tmp_path / "run" / "api.pid").exists()


def test_rotation_is_a_reload_into_a_fresh_graph(
    neo4j_settings: Settings, empty_graph: Driver, world: Path, tmp_path: Path
) -> None:
    load(neo4j_settings, empty_graph, world, tmp_path / "old")
    assert stored_check_value(neo4j_settings, empty_graph) == key_check_value(neo4j_settings.hash_key())
    from queries import load_query
    from sockhound.graph import Graph

    Graph(neo4j_settings, empty_graph).run_statements(load_query("maintenance/delete_all_in_batches"),
                   {"batchSize": 10_000})
    new_key = secrets.token_hex(32)
    rotated = with_key(neo4j_settings, new_key)
    try:
        load(rotated, empty_graph, world, tmp_path / "new")
        assert stored_check_value(neo4j_settings, empty_graph) == key_check_value(new_key.encode())
    finally:  # the session's later tests load with the development key
        Graph(neo4j_settings, empty_graph).run_statements(load_query("maintenance/delete_all_in_batches"),
                       {"batchSize": 10_000})


def test_serve_starts_unchecked_when_the_database_is_down_or_refuses_the_login(
    neo4j_settings: Settings, empty_graph: Driver
) -> None:
    key = neo4j_settings.hash_key()
    assert verify_graph_key_if_reachable(neo4j_settings, key)
    nothing_there = neo4j_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{free_port()}",
                                                       "neo4j_password": SecretStr(neo4j_settings.neo4j_auth()[1])})
    assert not verify_graph_key_if_reachable(nothing_there, key)
    wrong_login = neo4j_settings.model_copy(update={"neo4j_password": SecretStr("not-the-password-" + "x" * 8)})
    assert not verify_graph_key_if_reachable(wrong_login, key)
