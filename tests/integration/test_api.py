"""The REST API against a real Neo4j holding a detected world (two rings, a company, benign accounts):
every read endpoint, the auth matrix, problem details, limits, Cypher injection, and schemathesis."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from neo4j import Driver
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from detect.explain import account_explanation, pair_explanation
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.api_support import (
    IPS_KEY,
    READ_KEY,
    READ_WRITE_KEY,
    SCOPE_KEYS,
    WRITE_KEY,
    WRONG_KEY,
    api_settings,
    assert_problem,
    bearer,
)
from tests.detection_world import BENIGN, RING_A, RING_B, detection_settings
from tests.integration.graph_state import graph_snapshot

RING_A_PROXY = "198.18.7.10"  # ring A members i % 3 == 0 send from here (see tests/detection_world.py)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, world_graph: pd.DataFrame) -> Iterator[TestClient]:
    app = create_app(api_settings(neo4j_settings), detection_settings())
    with TestClient(app) as test_client:
        yield test_client


# --- auth -------------------------------------------------------------------------------------------------

NO_SUCH_KEY = "0" * 32
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", f"/v1/accounts/{RING_A[0]}", None, "read"),
    ("POST", "/v1/accounts:lookup", {"account_ids": [RING_A[0]]}, "read"),
    ("GET", f"/v1/accounts/{RING_A[0]}/links", None, "read"),
    ("GET", "/v1/networks", None, "read"),
    ("GET", "/v1/networks/net-does-not-exist", None, "read"),
    ("GET", "/v1/networks/net-does-not-exist/graph", None, "read"),
    ("GET", f"/v1/ips/{RING_A_PROXY}/accounts", None, "ips"),
    ("GET", "/v1/allowlist", None, "read"),
    ("POST", "/v1/labels", {"labels": [{"account_id": "nobody-at-all", "label": "abusive"}]}, "write"),
    ("POST", "/v1/allowlist", {"kind": "subnet", "value": "10.0.0.0/8", "reason": "matrix"}, "write"),
    ("DELETE", f"/v1/allowlist/subnet/{NO_SUCH_KEY}", None, "write"),
    ("DELETE", "/v1/allowlist/00000000-0000-4000-8000-000000000000", None, "write"),
]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_auth_matrix(client: TestClient, method: str, path: str, body: dict[str, Any] | None, scope: str) -> None:
    def call(headers: dict[str, str]) -> Any:
        return client.request(method, path, json=body, headers=headers)

    missing = assert_problem(call({}), 401)
    assert "API key" in missing["detail"]
    assert call({}).headers["www-authenticate"].startswith("Bearer")
    assert_problem(call(bearer(WRONG_KEY)), 401)
    assert_problem(call({"Authorization": f"Basic {READ_WRITE_KEY}"}), 401)
    for wrong_scope_key in (key for held, key in SCOPE_KEYS.items() if held != scope):
        assert_problem(call(bearer(wrong_scope_key)), 403)
    for key in (READ_WRITE_KEY, SCOPE_KEYS[scope]):
        answered = call(bearer(key))
        assert answered.status_code not in (401, 403), answered.text
        assert call({"X-API-Key": key}).status_code == answered.status_code


def test_auth_comes_before_body_validation_and_keys_are_never_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert_problem(client.post("/v1/accounts:lookup", json={"account_ids": 5}), 401)
    assert_problem(client.post("/v1/accounts:lookup", json={"account_ids": 5}, headers=bearer(READ_KEY)), 422,
                   "body.account_ids")
    for key in (WRONG_KEY, READ_KEY, READ_WRITE_KEY, WRITE_KEY):
        client.get(f"/v1/accounts/{RING_A[0]}", headers=bearer(key))
        client.post("/v1/labels", json={"labels": [{"account_id": "x", "label": "abusive"}]}, headers=bearer(key))
    for key in (WRONG_KEY, READ_KEY, READ_WRITE_KEY, WRITE_KEY):
        assert key not in caplog.text


# --- accounts ---------------------------------------------------------------------------------------------


def test_account_verdict_and_top_evidence(client: TestClient, world_graph: pd.DataFrame, neo4j_settings: Settings,
                                          session_driver: Driver) -> None:
    member = RING_A[3]
    body = client.get(f"/v1/accounts/{member}", headers=bearer(READ_KEY)).json()
    stored = account_explanation(Graph(neo4j_settings, session_driver), member)
    assert body["account_id"] == member
    assert body["verdict"] == world_graph.loc[member, "verdict"] == "sockpuppet"
    assert body["network_id"] == world_graph.loc[member, "network_id"] != ""
    assert body["risk"] == pytest.approx(stored["risk"])
    assert body["run_id"] == stored["runId"]
    assert body["prior_risk"] == pytest.approx(stored["prior"]["contribution"])
    assert [record["kind"] for record in body["top_evidence"]] == [r["kind"] for r in stored["evidence"][:5]]
    assert [record["contribution"] for record in body["top_evidence"]] == pytest.approx(
        [r["contribution"] for r in stored["evidence"][:5]])
    everything = client.get(f"/v1/accounts/{member}?evidence=50", headers=bearer(READ_KEY)).json()
    assert body["prior_risk"] + sum(r["contribution"] for r in everything["top_evidence"]) == pytest.approx(
        body["risk"], abs=1e-6)
    assert client.get(f"/v1/accounts/{member}?evidence=0", headers=bearer(READ_KEY)).json()["top_evidence"] == []

    benign = client.get(f"/v1/accounts/{BENIGN[5]}", headers=bearer(READ_KEY)).json()
    assert benign["verdict"] == "clear" and benign["network_id"] is None


def test_account_errors(client: TestClient) -> None:
    problem = assert_problem(client.get("/v1/accounts/no-such-account", headers=bearer(READ_KEY)), 404)
    assert "no-such-account" in problem["detail"] and problem["instance"] == "/v1/accounts/no-such-account"
    assert_problem(client.get(f"/v1/accounts/{'x' * 129}", headers=bearer(READ_KEY)), 422, "path.account_id")
    assert_problem(client.get(f"/v1/accounts/{RING_A[0]}?evidence=51", headers=bearer(READ_KEY)), 422,
                   "query.evidence")
    assert_problem(client.delete(f"/v1/accounts/{RING_A[0]}", headers=bearer(READ_KEY)), 405)


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    for method, path, allowed in [("DELETE", f"/v1/accounts/{RING_A[0]}", "GET"), ("PUT", "/v1/allowlist", "GET, POST"),
                                  ("GET", "/v1/labels", "POST"), ("PATCH", "/healthz", "GET"),
                                  ("GET", f"/v1/allowlist/subnet/{NO_SUCH_KEY}", "DELETE")]:
        refused = client.request(method, path, headers=bearer(READ_WRITE_KEY))
        assert_problem(refused, 405)
        assert refused.headers["allow"] == allowed, (method, path)


def test_lookup_many(client: TestClient, world_graph: pd.DataFrame) -> None:
    asked = [*RING_A[:3], "missing-1", RING_A[0], BENIGN[0]]
    body = client.post("/v1/accounts:lookup", json={"account_ids": asked}, headers=bearer(READ_KEY)).json()
    assert [account["account_id"] for account in body["accounts"]] == [*RING_A[:3], BENIGN[0]]
    assert body["not_found"] == ["missing-1"]
    for account in body["accounts"]:
        expected = world_graph.loc[account["account_id"]]
        assert (account["verdict"], account["network_id"] or "") == (expected["verdict"], expected["network_id"])
        assert account["risk"] == pytest.approx(expected["risk"])
    assert {a["account_id"]: a["label"] for a in body["accounts"]}[BENIGN[0]] == "benign"  # from labels.csv

    thousand = [*RING_B, *(f"unknown-{i}" for i in range(1_000 - len(RING_B)))]
    full = client.post("/v1/accounts:lookup", json={"account_ids": thousand}, headers=bearer(READ_KEY))
    assert full.status_code == 200 and len(full.json()["accounts"]) == len(RING_B)
    assert len(full.json()["not_found"]) == 1_000 - len(RING_B)
    too_many = client.post("/v1/accounts:lookup", json={"account_ids": [*thousand, "one-more"]},
                           headers=bearer(READ_KEY))
    assert_problem(too_many, 422, "body.account_ids")
    assert_problem(client.post("/v1/accounts:lookup", json={"account_ids": []}, headers=bearer(READ_KEY)), 422,
                   "body.account_ids")
    assert_problem(client.post("/v1/accounts:lookup", json={"account_ids": ["a"], "extra": 1},
                               headers=bearer(READ_KEY)), 422, "body.extra")
    assert_problem(client.post("/v1/accounts:lookup", content=b"{not json", headers={
        **bearer(READ_KEY), "content-type": "application/json"}), 422)


def test_links_with_shared_evidence_and_pages(client: TestClient, neo4j_settings: Settings,
                                              session_driver: Driver) -> None:
    member = RING_A[0]
    whole = client.get(f"/v1/accounts/{member}/links?limit=200&shared=500", headers=bearer(READ_KEY)).json()
    linked = {link["account_id"]: link for link in whole["links"]}
    assert whole["total"] == len(linked) and whole["next_cursor"] is None
    assert set(RING_A[1:]) <= set(linked)
    assert not set(BENIGN) & set(linked)
    card_mate = linked[RING_A[1]]  # cards are shared in groups of four
    assert any(item["kind"] == "payment" and item["shared_by"] == 4 for item in card_mate["shared"])
    pair = pair_explanation(Graph(neo4j_settings, session_driver), member, RING_A[1], detection_settings())
    assert card_mate["link_weight"] == pytest.approx(pair["linkWeight"])
    weights = [link["link_weight"] for link in whole["links"]]
    assert weights == sorted(weights, reverse=True)
    for link in whole["links"]:
        assert all(re.fullmatch(r"[0-9a-f]{16,64}", item["key"]) for item in link["shared"])
        assert link["shared_count"] == len(link["shared"])
        assert link["link_weight"] == pytest.approx(sum(item["weight"] for item in link["shared"]))
    one_each = client.get(f"/v1/accounts/{member}/links?limit=200&shared=1", headers=bearer(READ_KEY)).json()
    for brief, full in zip(one_each["links"], whole["links"], strict=True):
        assert brief["shared"] == full["shared"][:1] and brief["shared_count"] == full["shared_count"]
        assert brief["link_weight"] == pytest.approx(full["link_weight"])

    paged: list[str] = []
    cursor: str | None = None
    while True:
        url = f"/v1/accounts/{member}/links?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(READ_KEY)).json()
        paged += [link["account_id"] for link in page["links"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == [link["account_id"] for link in whole["links"]]
    assert_problem(client.get(f"/v1/accounts/{member}/links?cursor=!!", headers=bearer(READ_KEY)), 422,
                   "query.cursor")
    assert_problem(client.get("/v1/accounts/nobody/links", headers=bearer(READ_KEY)), 404)


# --- networks -----------------------------------------------------------------------------------------------


def test_networks_list_filters_and_pages(client: TestClient, world_graph: pd.DataFrame) -> None:
    listed = client.get("/v1/networks?status=any", headers=bearer(READ_KEY)).json()["networks"]
    found = {network_id for network_id in world_graph["network_id"] if network_id}
    assert {network["network_id"] for network in listed} == found
    risks = [network["risk"] for network in listed]
    assert risks == sorted(risks, reverse=True)
    walked: list[str] = []
    cursor: str | None = None
    while True:
        page = client.get("/v1/networks?status=any&limit=1" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(READ_KEY)).json()
        walked += [network["network_id"] for network in page["networks"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [network["network_id"] for network in listed]
    top = max(risks)
    assert [n["risk"] for n in client.get(f"/v1/networks?status=any&min_risk={top}",
                                          headers=bearer(READ_KEY)).json()["networks"]] == [
        risk for risk in risks if risk >= top]
    clear_only = client.get("/v1/networks?status=any&verdict=clear", headers=bearer(READ_KEY)).json()["networks"]
    assert all(network["verdict"] == "clear" for network in clear_only)
    assert_problem(client.get("/v1/networks?verdict=evil", headers=bearer(READ_KEY)), 422, "query.verdict")
    assert_problem(client.get("/v1/networks?min_risk=2", headers=bearer(READ_KEY)), 422, "query.min_risk")
    assert_problem(client.get("/v1/networks?cursor=eyJ4IjoxfQ", headers=bearer(READ_KEY)), 422, "query.cursor")


def test_network_members_and_evidence(client: TestClient, world_graph: pd.DataFrame) -> None:
    network_id = world_graph.loc[RING_A[0], "network_id"]
    body = client.get(f"/v1/networks/{network_id}", headers=bearer(READ_KEY)).json()
    expected_members = set(world_graph.index[world_graph["network_id"] == network_id])
    assert {member["account_id"] for member in body["members"]} == expected_members
    assert body["size"] == len(expected_members) and not body["members_truncated"]
    assert set(RING_A) <= expected_members
    kinds = {item["kind"]: item for item in body["evidence"]}
    assert kinds["payment"]["max_members"] == 4 and kinds["payment"]["shared_nodes"] >= 3
    assert ("sync" in kinds and "template" in kinds) or "nearband" in kinds
    assert body["features"] and all(isinstance(value, float) for value in body["features"].values())
    # why the community was called a network: the model's evidence records, strongest first, both families
    records = body["evidence_records"]
    assert records and [r["evidence"] for r in records] == sorted((r["evidence"] for r in records), reverse=True)
    assert {"coordination", "usage"} <= {record["family"] for record in records}
    tight = next(record for record in records if record["kind"] == "tightlyLinked")
    assert tight["members"] >= len(RING_A) // 2 and tight["share"] > tight["null_share"]
    assert_problem(client.get("/v1/networks/net-unknown", headers=bearer(READ_KEY)), 404)


# --- ips ----------------------------------------------------------------------------------------------------


def test_ip_accounts_by_keyed_hash(client: TestClient) -> None:
    response = client.get(f"/v1/ips/{RING_A_PROXY}/accounts", headers=bearer(IPS_KEY))
    body = response.json()
    assert {account["account_id"] for account in body["accounts"]} == {RING_A[i] for i in range(0, 12, 3)}
    assert all(account["exchanges"] == 40 for account in body["accounts"])
    assert re.fullmatch(r"[0-9a-f]{32}", body["ip_key"]) and body["version"] == 4
    assert RING_A_PROXY not in response.text
    mapped = client.get(f"/v1/ips/{quote('::ffff:' + RING_A_PROXY)}/accounts", headers=bearer(IPS_KEY)).json()
    assert mapped["ip_key"] == body["ip_key"]
    first = client.get(f"/v1/ips/{RING_A_PROXY}/accounts?limit=2", headers=bearer(IPS_KEY)).json()
    second = client.get(f"/v1/ips/{RING_A_PROXY}/accounts?limit=2&cursor={first['next_cursor']}",
                        headers=bearer(IPS_KEY)).json()
    assert len(first["accounts"]) == len(second["accounts"]) == 2 and second["next_cursor"] is None
    assert {a["account_id"] for a in first["accounts"] + second["accounts"]} == {RING_A[i] for i in range(0, 12, 3)}

    unknown = client.get("/v1/ips/192.0.2.77/accounts", headers=bearer(IPS_KEY))
    assert_problem(unknown, 404)
    assert "192.0.2.77" not in unknown.text
    assert_problem(client.get("/v1/ips/2001:db8::1/accounts", headers=bearer(IPS_KEY)), 404)
    assert_problem(client.get("/v1/ips/not-an-ip/accounts", headers=bearer(IPS_KEY)), 422, "path.ip")
    # A plain reader may not hash addresses (the endpoint tells the keyed hash of whatever it is given).
    assert_problem(client.get(f"/v1/ips/{RING_A_PROXY}/accounts", headers=bearer(READ_KEY)), 403)


# --- health, limits -------------------------------------------------------------------------------------------


def test_health_and_readiness_say_nothing_about_the_graph(client: TestClient, world_graph: pd.DataFrame) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}  # no counts to anyone without a key


def test_body_size_limit(client: TestClient) -> None:
    huge = {"account_ids": ["x" * 120] * 3_000}  # ~370 KB > 256 KiB
    assert_problem(client.post("/v1/accounts:lookup", json=huge, headers=bearer(READ_KEY)), 413)

    def chunks() -> Iterator[bytes]:
        yield b'{"account_ids": ['
        for _ in range(3_000):
            yield b'"' + b"y" * 120 + b'",'
        yield b'"z"]}'

    chunked = client.post("/v1/accounts:lookup", content=chunks(),
                          headers={**bearer(READ_KEY), "content-type": "application/json"})
    assert_problem(chunked, 413)


# --- Cypher injection ------------------------------------------------------------------------------------------

INJECTIONS = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "x'}) WITH 1 AS x MATCH (n) DETACH DELETE n RETURN 1 AS y //",
    "`) CALL db.clearQueryCaches() //",
    "$accountId",
    "1; MATCH (n) SET n.pwned = true",
    "\\u0027 UNION MATCH (n) RETURN n //",
    "%00'\"\\",
]


def test_injection_in_every_string_parameter_reads(client: TestClient, neo4j_settings: Settings,
                                                   session_driver: Driver) -> None:
    before = graph_snapshot(neo4j_settings, session_driver)
    for payload in INJECTIONS:
        encoded = quote(payload, safe="")
        responses = [
            client.get(f"/v1/accounts/{encoded}", headers=bearer(READ_KEY)),
            client.get(f"/v1/accounts/{encoded}/links?cursor={encoded}", headers=bearer(READ_KEY)),
            client.get(f"/v1/accounts/{encoded}/links", headers=bearer(READ_KEY)),
            client.post("/v1/accounts:lookup", json={"account_ids": [payload, RING_A[0]]}, headers=bearer(READ_KEY)),
            client.get(f"/v1/networks/{encoded}", headers=bearer(READ_KEY)),
            client.get(f"/v1/networks/{encoded}/graph", headers=bearer(READ_KEY)),
            client.get(f"/v1/networks?verdict={encoded}&status={encoded}&cursor={encoded}",
                       headers=bearer(READ_KEY)),
            client.get(f"/v1/ips/{encoded}/accounts?cursor={encoded}", headers=bearer(IPS_KEY)),
            client.post("/v1/labels", json={"labels": [{"account_id": payload, "label": "abusive",
                                                        "source": payload}]}, headers=bearer(READ_WRITE_KEY)),
            client.delete(f"/v1/allowlist/subnet/{encoded}", headers=bearer(READ_WRITE_KEY)),
            client.post("/v1/allowlist", json={"kind": "subnet", "value": payload, "reason": payload},
                        headers=bearer(READ_WRITE_KEY)),
        ]
        for response in responses:
            assert response.status_code < 500, (payload, response.request.url, response.text)
            assert response.status_code in (200, 404, 422), (payload, response.request.url, response.text)
    assert graph_snapshot(neo4j_settings, session_driver) == before


# --- the generated OpenAPI schema, fuzzed --------------------------------------------------------------------


# The schema as the app generates it (building the app touches no database); the cases run against the real
# app served by uvicorn over the detected world.
fuzzed = schemathesis.openapi.from_dict(
    create_app(api_settings(Settings(neo4j_uri="bolt://127.0.0.1:1")), detection_settings()).openapi())


@fuzzed.parametrize()
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_no_server_errors(case: Any, api_base_url: str) -> None:
    # Some values are schema-valid but mean what the schema cannot state: a `cursor` this API did not
    # issue, and an allow-list `value` that is no /24 or /48 subnet when kind is `subnet`. 422 is right for
    # them, so "schema-valid data must be accepted" is waived for those cases, and only for them.
    carries_cursor = bool(case.query and "cursor" in case.query)
    subnet_value = isinstance(case.body, dict) and case.body.get("kind") == "subnet"
    past_expiry = isinstance(case.body, dict) and bool(case.body.get("expires_at"))  # 422 when in the past
    # A label's `at` must be from 2000 up to 5 minutes ahead, which the schema cannot state either.
    dated_label = isinstance(case.body, dict) and isinstance(case.body.get("labels"), list) and any(
        isinstance(label, dict) and label.get("at") for label in case.body["labels"])
    # A sign-up's e-mail must normalise to an address, its payment fingerprint must hold no card number, and at
    # least one signal must be non-null.
    signals = case.path == "/v1/signals:check" and isinstance(case.body, dict) and (
        bool(case.body.get("email") or case.body.get("payment_fingerprint"))
        or all(value is None for value in case.body.values()))
    waived = carries_cursor or subnet_value or past_expiry or dated_label or signals
    excluded = [positive_data_acceptance] if waived else []
    case.call_and_validate(base_url=api_base_url, headers=bearer(READ_WRITE_KEY), excluded_checks=excluded)


def test_openapi_documents_every_route(neo4j_settings: Settings) -> None:
    app = create_app(api_settings(neo4j_settings, sockhound_api_docs=True), detection_settings())
    with TestClient(app) as docs_client:
        schema = docs_client.get("/openapi.json").json()
        page = docs_client.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert assets and all(asset.startswith("/") for asset in assets), assets  # nothing from a CDN
        assert all(docs_client.get(asset).status_code == 200 for asset in assets)
    paths = schema["paths"]
    for route in ("/v1/accounts/{account_id}", "/v1/accounts:lookup", "/v1/accounts/{account_id}/links",
                  "/v1/networks", "/v1/networks/{network_id}", "/v1/networks/{network_id}/graph",
                  "/v1/ips/{ip}/accounts", "/v1/labels",
                  "/v1/allowlist", "/v1/allowlist/{kind}/{key}", "/v1/allowlist/{entry_id}", "/healthz", "/readyz"):
        assert route in paths, route
    security = schema["components"]["securitySchemes"]
    assert any(scheme.get("scheme") == "bearer" for scheme in security.values())


def test_docs_are_off_unless_switched_on(client: TestClient) -> None:
    for path in ("/docs", "/openapi.json", "/redoc", "/docs-static/swagger-ui-bundle.js"):
        assert client.get(path).status_code == 404, path


def test_v1_answers_are_not_cached_and_unknown_hosts_are_refused(client: TestClient) -> None:
    for response in (client.get("/v1/networks", headers=bearer(READ_KEY)), client.get("/v1/networks"),
                     client.get("/v1/accounts/nobody-at-all", headers=bearer(READ_KEY))):
        assert response.headers["cache-control"] == "no-store", response.request.url
    assert client.get("/v1/networks", headers={**bearer(READ_KEY), "Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "rebound.attacker.example"}).status_code == 400


def test_audit_log_names_key_route_status_and_count_never_a_raw_value(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sockhound.audit")
    client.get(f"/v1/ips/{RING_A_PROXY}/accounts", headers=bearer(IPS_KEY))
    client.get("/v1/ips/192.0.2.77/accounts?cursor=x", headers=bearer(IPS_KEY))
    client.get(f"/v1/accounts/{RING_A[0]}", headers=bearer(WRONG_KEY))
    client.post("/v1/accounts:lookup", json={"account_ids": [RING_A[0], RING_A[1], "nobody"]},
                headers=bearer(READ_KEY))
    lines = [record.getMessage() for record in caplog.records if record.name == "sockhound.audit"]
    assert lines[0].startswith("key=investigator route=GET /v1/ips/{ip}/accounts status=200 results=4 ")
    assert lines[1].startswith("key=investigator route=GET /v1/ips/{ip}/accounts status=")
    assert lines[2].startswith("key=- route=GET /v1/accounts/{account_id} status=401 results=- ")
    assert lines[3].startswith("key=dashboard route=POST /v1/accounts:lookup status=200 results=2 ")
    for raw in (RING_A_PROXY, "192.0.2.77", RING_A[0], "nobody", IPS_KEY, READ_KEY, WRONG_KEY, "cursor"):
        assert raw not in caplog.text
