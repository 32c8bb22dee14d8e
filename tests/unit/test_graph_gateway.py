"""The graph gateway against a database that is not there: one retry layer (the driver's), a bounded connectivity
wait, and one clear error. The driver is real; only the server is missing (a free port)."""

from __future__ import annotations

import logging
import time

import pytest
from pydantic import SecretStr

from sockhound.errors import DatabaseUnavailableError
from sockhound.graph import Graph, connected_graph, open_driver
from sockhound.settings import Settings
from tests.conftest import free_port


def dead_settings(**overrides: float) -> Settings:
    return Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}", neo4j_password=SecretStr("not-a-real-password"),
                    **overrides)  # type: ignore[arg-type]  # the fields are floats


def test_opening_a_graph_waits_a_bounded_while_then_says_what_is_wrong(caplog: pytest.LogCaptureFixture) -> None:
    settings = dead_settings(sockhound_neo4j_connect_wait_s=1.5)
    caplog.set_level(logging.WARNING, logger="sockhound.graph")
    with pytest.raises(DatabaseUnavailableError) as refused, connected_graph(settings):
        pytest.fail("a graph was opened on a port where no server listens")
    assert str(refused.value).startswith(f"cannot reach Neo4j at {settings.bolt_uri} (")
    assert str(refused.value).endswith("check NEO4J_URI")
    waits = [record for record in caplog.records if "verify_connectivity" in record.getMessage()]
    assert len(waits) >= 2, "the wait tried only once: a server still starting would be reported as down"


def test_a_command_against_a_stopped_server_fails_at_once_when_told_not_to_wait() -> None:
    settings = dead_settings(sockhound_neo4j_connect_wait_s=0)
    with pytest.raises(DatabaseUnavailableError), connected_graph(settings):
        pass


@pytest.mark.parametrize("operation", ["read", "write", "write_rows", "read_only"])
def test_a_query_is_retried_by_the_driver_alone_and_then_reported(operation: str) -> None:
    """With a 1 s retry window, a query against no server ends in well under the ~50 s that a second retry layer
    on top of the driver's (8 back-off attempts, each with the driver's own window) took."""
    settings = dead_settings(sockhound_neo4j_retry_s=1.0)
    driver = open_driver(settings)
    graph = Graph(settings, driver)
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailableError) as refused:
            if operation == "read":
                graph.read("detect/account_count")
            elif operation == "write":
                graph.write("runtime/record_hash_key_check", {"value": "x"})
            elif operation == "write_rows":
                graph.write_rows("load/labels", [{"accountId": "a"}], extra_parameters={"batchId": "b"})
            else:
                from queries import load_query
                graph.read_only(load_query("detect/account_count"))
    finally:
        driver.close()
    assert time.monotonic() - started < 20.0
    assert "cannot reach Neo4j" in str(refused.value)
    assert "not-a-real-password" not in str(refused.value)
