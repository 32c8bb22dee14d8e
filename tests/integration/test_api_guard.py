"""The per-key guard on the real app served by uvicorn, over a real Neo4j: 401 for a wrong key, 429 with
Retry-After past the rate limit and past the cap on requests in flight, the CLI's warning about a
non-loopback bind without TLS, and serving with TLS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from neo4j import Driver

from api.settings import ApiSettings
from cli.serve import plaintext_exposure
from sockhound.settings import Settings
from tests.api_support import READ_KEY, READ_WRITE_KEY, WRONG_KEY, api_settings, assert_problem, bearer, served_api
from tests.conftest import REPO_ROOT, free_port


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
        assert problem["request_id"] == refused.headers["x-request-id"]  # the guard's own 429 carries the id
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


def test_serve_with_tls_answers_https_only(neo4j_settings: Settings, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    assert openssl, "this test needs the openssl command (Debian package openssl) to make a certificate"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    environment = {**os.environ, "NEO4J_URI": neo4j_settings.bolt_uri, "SOCKHOUND_ALLOW_DEV_HASH_KEY": "true",
                   "NEO4J_PASSWORD": neo4j_settings.neo4j_auth()[1],
                   "SOCKHOUND_API_KEYS": f"t:read:{READ_KEY}", "SOCKHOUND_API_PORT": str(port),
                   "SOCKHOUND_API_TLS_CERTFILE": str(tmp_path / "cert.pem"),
                   "SOCKHOUND_API_TLS_KEYFILE": str(tmp_path / "key.pem")}

    def sockhound(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", *arguments], cwd=REPO_ROOT, env=environment,
                              capture_output=True, text=True, timeout=120, check=False)

    started = sockhound("serve", "--detach", "--run-dir", str(tmp_path / "run"))
    assert started.returncode == 0, started.stderr
    assert f"https://127.0.0.1:{port}" in started.stdout and "without TLS" not in started.stderr
    try:
        answer = httpx.get(f"https://127.0.0.1:{port}/v1/networks", headers=bearer(READ_KEY), verify=False)
        assert answer.status_code == 200
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            raise AssertionError("plain HTTP is answered on the TLS port")
        except httpx.TransportError:
            pass
    finally:
        assert sockhound("serve", "--stop", "--run-dir", str(tmp_path / "run")).returncode == 0
