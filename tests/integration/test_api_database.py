"""The API when Neo4j is down: 503 problems with Retry-After (no hang, no 500), and recovery by itself once
the database is back, with the same app (no restart)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from sockhound.runtime import local_neo4j
from sockhound.settings import Settings
from tests.api_support import READ_KEY, api_settings, assert_problem, bearer
from tests.conftest import free_port


def test_nothing_listening_gives_503_with_retry_after() -> None:
    dead = Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}", neo4j_password=SecretStr("nothing-listens-here"))
    with TestClient(create_app(api_settings(dead, sockhound_api_retry_after_s=7))) as client:
        assert client.get("/healthz").status_code == 200  # the process itself is fine
        for path in ("/readyz", "/v1/accounts/anyone", "/v1/networks"):
            headers = bearer(READ_KEY) if path.startswith("/v1") else {}
            started = time.monotonic()
            response = client.get(path, headers=headers)
            problem = assert_problem(response, 503)
            assert response.headers["retry-after"] == "7"
            assert problem["type"].endswith("/database-unavailable")
            assert time.monotonic() - started < 10, "a dead database must not hold the request"
        assert_problem(client.get("/v1/networks"), 401)  # auth is still checked first


def test_recovers_by_itself_when_neo4j_comes_back(restartable_server: Settings) -> None:
    with TestClient(create_app(api_settings(restartable_server))) as client:
        assert client.get("/readyz").status_code == 200
        assert_problem(client.get("/v1/accounts/anyone", headers=bearer(READ_KEY)), 404)

        assert local_neo4j.stop(restartable_server).startswith("stopped")
        down = client.get("/readyz")
        assert_problem(down, 503)
        assert int(down.headers["retry-after"]) > 0
        assert_problem(client.get("/v1/accounts/anyone", headers=bearer(READ_KEY)), 503)

        local_neo4j.start(restartable_server, echo=False)
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            if time.monotonic() > deadline:
                pytest.fail("the API did not recover within 60 s of Neo4j answering again")
            time.sleep(0.5)
        assert_problem(client.get("/v1/accounts/anyone", headers=bearer(READ_KEY)), 404)
