"""Shared fixtures. Integration tests run against a real Neo4j: the one NEO4J_URI names, or a local server
that this session starts on a throwaway data directory and a free port, and always stops."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from queries import load_query
from sockhound.graph import Graph, connected_driver
from sockhound.runtime import local_neo4j
from sockhound.settings import Settings, get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings pointing at a live server for the whole test session."""
    if os.environ.get("NEO4J_URI"):
        yield Settings(sockhound_allow_dev_hash_key=True)
        return
    settings = Settings(
        neo4j_uri=None,
        sockhound_neo4j_home=tmp_path_factory.mktemp("neo4j-home"),
        sockhound_bolt_port=free_port(),
        sockhound_http_port=0,  # no Browser needed; never 7474, where a developer's own server may listen
        sockhound_heap_size="1g",
        sockhound_pagecache_size="256m",
        sockhound_allow_dev_hash_key=True,
    )
    with local_neo4j.running_server(settings):
        yield settings


@pytest.fixture(scope="session")
def session_driver(neo4j_settings: Settings) -> Iterator[Driver]:
    with connected_driver(neo4j_settings) as driver:
        yield driver


@pytest.fixture
def empty_graph(neo4j_settings: Settings, session_driver: Driver) -> Driver:
    """The session's server with every node deleted first (schema stays)."""
    Graph(neo4j_settings, session_driver).run_statements(load_query("maintenance/delete_all_in_batches"),
                                                         {"batchSize": 10_000})
    return session_driver


@pytest.fixture
def restartable_server(tmp_path: Path) -> Iterator[Settings]:
    """A server of the test's own (never NEO4J_URI's) that the test may stop and start again."""
    settings = Settings(
        neo4j_uri=None, sockhound_neo4j_home=tmp_path / "restartable", sockhound_bolt_port=free_port(),
        sockhound_http_port=0, sockhound_heap_size="1g", sockhound_pagecache_size="128m",
        sockhound_allow_dev_hash_key=True,
    )
    with local_neo4j.running_server(settings):
        yield settings


@pytest.fixture
def cli_env(neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI's settings (environment) at the test server."""
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.bolt_uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.neo4j_auth()[1])
    monkeypatch.setenv("SOCKHOUND_ALLOW_DEV_HASH_KEY", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
