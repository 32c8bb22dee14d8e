"""The per-key guard on the real app served by uvicorn, over a real Neo4j: 401 for a wrong key, 429 with
Retry-After past the rate limit and past the cap on requests in flight, and the CLI's warning about a
non-loopback bind without TLS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from neo4j import Driver

from api.commands import plaintext_exposure
from api.settings import ApiSettings
from sockhound.settings import Settings
from tests.api_support import READ_KEY, READ_WRITE_KEY, WRONG_KEY, api_settings, assert_problem, bearer, served_api


def test_wrong_key_is_401_and_too_many_calls_are_429_with_retry_after(
    neo4j_settings: Settings, empty_graph: Driver
) -> None:
    settings = api_settings(neo4j_settings, sockhound_api_rate_limit="5/minute")
    with served_api(settings) as base_url, httpx.Client(base_url=base_url, timeout=10) as http:
        for _ in range(3):
            assert_problem(http.get("/v1/networks", headers=bearer(WRONG_KEY)), 401)
        for _ in range(5):
            assert http.get("/v1/networks", headers=bearer(READ_KEY)).status_code == 200
        refused = http.get("/v1/networks", headers=bearer(READ_KEY))
        problem = assert_problem(refused, 429)
        assert "rate limit" in problem["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["cache-control"] == "no-store"
        # The limit is per key: another key is still served, and wrong keys never used up the reader's budget.
        assert http.get("/v1/networks", headers=bearer(READ_WRITE_KEY)).status_code == 200
        assert http.get("/healthz").status_code == 200  # outside /v1: not limited


def test_requests_in_flight_beyond_the_cap_get_429(neo4j_settings: Settings, empty_graph: Driver) -> None:
    settings = api_settings(neo4j_settings, sockhound_api_max_concurrent=1)
    started, release = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:  # holds the request open (and its slot) until released
        yield b'{"account_ids": ['
        started.set()
        release.wait(20)
        yield b'"nobody"]}'

    answers: list[httpx.Response] = []
    with served_api(settings) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        holder = threading.Thread(target=lambda: answers.append(http.post(
            "/v1/accounts:lookup", content=slow_body(),
            headers={**bearer(READ_KEY), "content-type": "application/json"})))
        holder.start()
        try:
            assert started.wait(10)
            time.sleep(0.5)  # the server has the request's head by now, and the slot with it
            refused = http.get("/v1/networks", headers=bearer(READ_KEY))
            assert_problem(refused, 429)
            assert refused.headers["retry-after"] == "1"
            assert http.get("/v1/networks", headers=bearer(READ_WRITE_KEY)).status_code == 200  # per key
        finally:
            release.set()
            holder.join(30)
        assert [answer.status_code for answer in answers] == [200]
        assert http.get("/v1/networks", headers=bearer(READ_KEY)).status_code == 200  # the slot is free again


def test_non_loopback_bind_without_tls_is_warned_about(tmp_path: Path) -> None:
    assert plaintext_exposure(ApiSettings(sockhound_api_host="127.0.0.1")) is None
    assert plaintext_exposure(ApiSettings(sockhound_api_host="::1")) is None
    warning = plaintext_exposure(ApiSettings(sockhound_api_host="0.0.0.0"))
    assert warning is not None and "without TLS" in warning
    certificate = tmp_path / "cert.pem"
    assert plaintext_exposure(ApiSettings(sockhound_api_host="0.0.0.0", sockhound_api_tls_certfile=certificate,
                                          sockhound_api_tls_keyfile=tmp_path / "key.pem")) is None
