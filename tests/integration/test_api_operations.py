"""Operations basics over a real Neo4j holding a detected world: `/metrics` counts requests under route
templates and needs a key, request ids are echoed (a client's only when it is a UUID), and the access log
(`sockhound.audit`) has one line per request, 401s included, with the request id and never a raw value or key."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.observability import acceptable_request_id
from sockhound.settings import Settings
from tests.api_support import IPS_KEY, READ_KEY, WRONG_KEY, api_settings, assert_problem, bearer
from tests.detection_world import RING_A, detection_settings

RING_A_PROXY = "198.18.7.10"  # ring A members i % 3 == 0 send from here (see tests/detection_world.py)
UNROUTED_IP = "203.0.113.77"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, world_graph: pd.DataFrame) -> Iterator[TestClient]:
    """A fresh app of its own, so its metrics count only this module's requests."""
    with TestClient(create_app(api_settings(neo4j_settings), detection_settings())) as test_client:
        yield test_client


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "sockhound.audit"]


def requests_total(client: TestClient) -> dict[tuple[str, str, str], float]:
    """`http_requests_total` by (handler, method, status), read with Prometheus's own parser."""
    scraped = client.get("/metrics", headers=bearer(READ_KEY))
    assert scraped.status_code == 200, scraped.text
    assert scraped.headers["content-type"].startswith("text/plain")
    counts: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(scraped.text):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                counts[(sample.labels["handler"], sample.labels["method"], sample.labels["status"])] = sample.value
    return counts


def test_metrics_count_requests_under_their_route_template_never_a_raw_value(client: TestClient) -> None:
    before = requests_total(client)
    for _ in range(3):
        assert client.get(f"/v1/accounts/{RING_A[0]}", headers=bearer(READ_KEY)).status_code == 200
    assert client.get(f"/v1/ips/{RING_A_PROXY}/accounts", headers=bearer(IPS_KEY)).status_code == 200
    assert client.get(f"/v1/accounts/{RING_A[1]}", headers=bearer(WRONG_KEY)).status_code == 401
    assert client.get(f"/no/such/route/{UNROUTED_IP}", headers=bearer(READ_KEY)).status_code == 404
    after = requests_total(client)

    def grew(handler: str, method: str, status: str) -> float:
        return after.get((handler, method, status), 0) - before.get((handler, method, status), 0)

    assert grew("/v1/accounts/{account_id}", "GET", "200") == 3
    assert grew("/v1/ips/{ip}/accounts", "GET", "200") == 1
    assert grew("/v1/accounts/{account_id}", "GET", "401") == 1
    assert grew("none", "GET", "404") == 1  # a path that matches no route is counted, under no path
    text = client.get("/metrics", headers=bearer(READ_KEY)).text
    for raw in (RING_A[0], RING_A[1], RING_A_PROXY, UNROUTED_IP, READ_KEY, WRONG_KEY, IPS_KEY):
        assert raw not in text


def test_metrics_need_a_read_key(client: TestClient) -> None:
    assert_problem(client.get("/metrics"), 401)
    assert_problem(client.get("/metrics", headers=bearer(WRONG_KEY)), 401)
    assert_problem(client.get("/metrics", headers=bearer(IPS_KEY)), 403)
    assert "/metrics" not in client.app.openapi()["paths"]  # type: ignore[attr-defined]


def test_request_ids_are_echoed_in_the_header_the_problem_and_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sockhound.audit")
    fresh = client.get("/healthz")
    assert HEX_ID.match(fresh.headers["x-request-id"])
    assert client.get("/healthz").headers["x-request-id"] != fresh.headers["x-request-id"]

    mine = "7b0e1c2d-3f4a-4b5c-8d9e-0f1a2b3c4d5e"  # a client's UUID is kept, so its logs join ours
    missing = client.get("/v1/accounts/nobody-at-all", headers={**bearer(READ_KEY), "X-Request-ID": mine})
    problem = assert_problem(missing, 404)
    assert missing.headers["x-request-id"] == mine
    assert problem["request_id"] == mine
    [line] = [line for line in audit_lines(caplog) if mine in line]
    assert line.startswith("key=dashboard route=GET /v1/accounts/{account_id} status=404 ")
    assert line.endswith(f" auth=key request_id={mine}")
    assert "nobody-at-all" not in caplog.text

    refused = assert_problem(client.get("/v1/networks"), 401)  # every problem carries the id, 401s too
    assert HEX_ID.match(refused["request_id"])


@pytest.mark.parametrize("sent", [
    "ok route=GET /v1/admin status=200 key=ban-tool",  # a forged access-log field
    "198.51.100.23",  # a raw IP address
    RING_A[0],  # an account id
    "0" * 31 + "g",
    "a" * 5000,
])
def test_a_client_request_id_that_is_not_a_uuid_is_replaced(
    client: TestClient, caplog: pytest.LogCaptureFixture, sent: str
) -> None:
    caplog.set_level(logging.DEBUG)
    answered = client.get("/v1/networks", headers={**bearer(READ_KEY), "X-Request-ID": sent})
    assert answered.status_code == 200
    echoed = answered.headers["x-request-id"]
    assert HEX_ID.match(echoed) and echoed != sent
    assert sent not in caplog.text
    assert any(line.endswith(f"request_id={echoed}") for line in audit_lines(caplog))


def test_request_id_validation_refuses_line_breaks_and_text() -> None:
    """Header values with a line break cannot be sent through the test client; the check itself refuses them."""
    for refused in ("", "abc", "0123456789abcdef0123456789abcdef\nkey=admin", "0123456789abcdef0123456789abcde\n",
                    "{7b0e1c2d-3f4a-4b5c-8d9e-0f1a2b3c4d5e}", "urn:uuid:7b0e1c2d-3f4a-4b5c-8d9e-0f1a2b3c4d5e"):
        assert not acceptable_request_id(refused), refused
    for kept in ("0123456789abcdef0123456789abcdef", "7B0E1C2D-3F4A-4B5C-8D9E-0F1A2B3C4D5E"):
        assert acceptable_request_id(kept)


def test_every_bad_key_attempt_leaves_one_access_log_line_without_the_key(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sockhound.audit")
    tried = [f"guess-{secrets.token_hex(16)}" for _ in range(200)]
    for key in tried:
        assert client.get(f"/v1/accounts/{RING_A[0]}", headers=bearer(key)).status_code == 401
    assert client.get(f"/v1/ips/{RING_A_PROXY}/accounts").status_code == 401
    lines = audit_lines(caplog)
    assert len(lines) == 201
    bad_key = re.compile(r"^key=- route=GET /v1/accounts/\{account_id\} status=401 results=- ms=[0-9.]+ "
                         r"auth=invalid request_id=[0-9a-f]{32}$")
    assert all(bad_key.match(line) for line in lines[:200]), lines[:3]
    assert len({line.rsplit("=", 1)[1] for line in lines[:200]}) == 200  # one id per request
    assert re.match(r"^key=- route=GET /v1/ips/\{ip\}/accounts status=401 .* auth=none ", lines[200])
    for raw in (*tried, RING_A[0], RING_A_PROXY):
        assert raw not in caplog.text


def test_access_log_covers_paths_outside_v1_and_refused_hosts(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sockhound.audit")
    client.get("/healthz")
    client.get(f"/no/such/route/{UNROUTED_IP}")
    refused = client.get("/v1/networks", headers={**bearer(READ_KEY), "Host": "evil.example"})
    assert refused.status_code == 400 and HEX_ID.match(refused.headers["x-request-id"])
    lines = audit_lines(caplog)
    assert lines[0].startswith("key=- route=GET /healthz status=200 ")
    assert lines[1].startswith("key=- route=GET (unmatched) status=404 ")
    assert lines[2].startswith("key=dashboard route=GET (unmatched) status=400 ")
    assert lines[2].endswith(f"request_id={refused.headers['x-request-id']}")
    assert UNROUTED_IP not in caplog.text and "evil.example" not in caplog.text


def test_an_unexpected_error_carries_the_request_id(neo4j_settings: Settings, caplog: pytest.LogCaptureFixture
                                                   ) -> None:
    """Starlette answers a 500 outside the middlewares; the id is still in the header, the body and the log
    (the access log and the error's own line; the test client's own `httpx` log is left out)."""
    caplog.set_level(logging.INFO, logger="sockhound.audit")
    app = create_app(api_settings(neo4j_settings), detection_settings())

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken/{account_id}", broken)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        failed = test_client.get(f"/broken/{RING_A[0]}")
    problem = assert_problem(failed, 500)
    assert HEX_ID.match(problem["request_id"]) and failed.headers["x-request-id"] == problem["request_id"]
    [line] = audit_lines(caplog)
    assert line.startswith("key=- route=GET /broken/{account_id} status=500 ")
    assert line.endswith(f"request_id={problem['request_id']}")
    [error] = [record for record in caplog.records if record.name == "api.problems"]
    assert problem["request_id"] in error.getMessage()
    assert RING_A[0] not in caplog.text
