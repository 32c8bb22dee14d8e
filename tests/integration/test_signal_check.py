"""`POST /v1/signals:check` against a real Neo4j holding a detected world: a replacement account on a banned
ring member's card and proxy is a sockpuppet before any load, a family's or a company's shared card is not,
a ring's prompt template finds the ring, and nothing raw is kept, logged or echoed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from sockhound.settings import Settings
from tests.api_support import READ_KEY, WRITE_KEY, api_settings, assert_problem, bearer
from tests.detection_world import COMPANY, COMPANY_CARD, RING_A, detection_settings
from tests.integration.graph_state import graph_snapshot

BANNED_MEMBER = RING_A[0]  # labelled abusive in the world's labels.csv
BANNED_CARD = "pm_a_card_0"  # ring A's members 0-3 pay with it
RING_A_PROXY = "198.18.7.10"
RING_PROMPT = ("Think step by step and show your full chain of thought: what is 9001 times 77? "
               "Then grade the answer against rubric a.")
CARD_NUMBER = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, world_graph: pd.DataFrame) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(neo4j_settings), detection_settings())) as test_client:
        yield test_client


def check(client: TestClient, body: dict[str, Any], key: str = READ_KEY) -> Any:
    return client.post("/v1/signals:check", json=body, headers=bearer(key))


def test_a_replacement_on_a_banned_members_card_and_proxy_is_a_sockpuppet(
        client: TestClient, world_graph: pd.DataFrame) -> None:
    response = check(client, {"ip": RING_A_PROXY, "payment_fingerprint": f"  {BANNED_CARD} ",
                              "email": f"{BANNED_MEMBER}+again@throwaway.example"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verdict"] == "sockpuppet" and result["risk"] >= 0.8
    kinds = {record["kind"] for record in result["evidence"]}
    assert {"payment", "ip", "email"} <= kinds
    contributions = [record["contribution"] for record in result["evidence"]]
    assert sum(contributions) == pytest.approx(result["risk"], abs=1e-5)
    ties = [record["tie"] for record in result["evidence"]]
    assert ties == sorted(ties, reverse=True)
    ring_network = world_graph.loc[BANNED_MEMBER, "network_id"]
    assert ring_network in {network["network_id"] for network in result["networks"]}
    flagged = {account["account_id"]: account for account in result["accounts"]}
    assert BANNED_MEMBER in flagged and flagged[BANNED_MEMBER]["label"] == "abusive"
    assert set(flagged) <= set(RING_A)
    assert "key" not in str(result["evidence"])  # no keyed hash: the endpoint is no hash oracle


def test_a_shared_card_of_clear_accounts_is_no_evidence_against_a_newcomer(client: TestClient) -> None:
    result = check(client, {"payment_fingerprint": COMPANY_CARD, "ip": "203.0.113.77"}).json()
    assert result["verdict"] == "clear" and result["risk"] < 0.05  # the staff's own small risks, no more
    [card] = [record for record in result["evidence"] if record["kind"] == "payment"]
    assert card["shared_by"] == len(COMPANY) and card["rarity"] > 0 and card["flagged_accounts"] == 0
    assert result["accounts"] == []


def test_a_rings_prompt_template_finds_the_ring(client: TestClient, world_graph: pd.DataFrame) -> None:
    result = check(client, {"prompt": RING_PROMPT}).json()
    template = [record for record in result["evidence"] if record["kind"] == "template"]
    assert template and template[0]["flagged_accounts"] >= 1
    assert world_graph.loc[RING_A[1], "network_id"] in template[0]["network_ids"]
    assert result["risk"] > 0


def test_unknown_signals_find_nothing(client: TestClient) -> None:
    result = check(client, {"ip": "192.0.2.200", "payment_fingerprint": "pm_never_seen_anywhere",
                            "email": "someone@new.example", "prompt_fingerprint": "fp-unknown"}).json()
    assert result == {"verdict": "clear", "risk": 0.0, "evidence": [], "networks": [], "accounts": [],
                      "accounts_in_graph": result["accounts_in_graph"]}
    assert result["accounts_in_graph"] > 100


@pytest.mark.parametrize(("body", "field"), [
    ({}, "body"),
    ({"payment_fingerprint": CARD_NUMBER}, "body.payment_fingerprint"),
    ({"email": "not an address"}, "body.email"),
    ({"ip": "999.1.2.3"}, "body.ip"),
    ({"ip": RING_A_PROXY, "device": "hidden-device-value"}, "body.device"),
    ({"prompt": "x" * 40_000}, "body.prompt"),
])
def test_bad_signals_get_422_without_their_value(client: TestClient, body: dict[str, Any], field: str) -> None:
    problem = assert_problem(check(client, body), 422, field)
    for value in body.values():
        assert str(value)[:12] not in str(problem)


def test_it_needs_the_read_scope(client: TestClient) -> None:
    assert_problem(client.post("/v1/signals:check", json={"ip": RING_A_PROXY}), 401)
    assert_problem(check(client, {"ip": RING_A_PROXY}, key=WRITE_KEY), 403)


def test_nothing_raw_is_kept_or_logged(client: TestClient, neo4j_settings: Settings, session_driver: Driver,
                                       caplog: pytest.LogCaptureFixture) -> None:
    before = graph_snapshot(neo4j_settings, session_driver)
    raw = {"ip": "198.18.7.11", "payment_fingerprint": "pm_a_card_1", "email": "fresh-one@throwaway.example",
           "prompt": RING_PROMPT}
    with caplog.at_level(logging.DEBUG):
        assert check(client, raw).status_code == 200
        assert check(client, {**raw, "payment_fingerprint": CARD_NUMBER}).status_code == 422
    assert graph_snapshot(neo4j_settings, session_driver) == before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/v1/signals:check" in logged  # the audit line is there, by route template
    for value in (*raw.values(), CARD_NUMBER, "4111111111111111"):
        assert value not in logged
