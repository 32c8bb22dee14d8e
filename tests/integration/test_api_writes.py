"""The API's write endpoints against a real Neo4j: labels (which the next detection run uses) and the
allow-list (which the links endpoint and the next run honour); all or nothing on unknown accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from detect.explain import account_explanation
from detect.pipeline import run_detection
from sockhound.graph import Graph
from sockhound.privacy import KIND_PAYMENT, KIND_SUBNET, KeyedHasher
from sockhound.settings import Settings
from tests.api_support import READ_KEY, READ_WRITE_KEY, WRITE_KEY, api_settings, assert_problem, bearer
from tests.detection_world import BENIGN, RING_A, RING_B, detection_settings, load, write_world
from tests.integration.graph_state import graph_snapshot, label_decisions


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(tmp_path_factory.mktemp("api-writes") / "world", {"a": RING_A, "b": RING_B})


@pytest.fixture
def detected(neo4j_settings: Settings, empty_graph: Driver, world: Path, tmp_path: Path) -> Driver:
    load(neo4j_settings, empty_graph, world, tmp_path / "report")
    run_detection(Graph(neo4j_settings, empty_graph), detection_settings())
    return empty_graph


@pytest.fixture
def client(neo4j_settings: Settings, detected: Driver) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(neo4j_settings), detection_settings())) as test_client:
        yield test_client


def test_ban_decision_is_recorded_once_and_used_by_the_next_run(
    client: TestClient, neo4j_settings: Settings, detected: Driver
) -> None:
    target = BENIGN[7]
    assert account_explanation(Graph(neo4j_settings, detected), target)["verdict"] == "clear"
    decision = {"account_id": target, "label": "abusive", "at": "2026-03-05T10:00:00Z"}
    for _ in range(2):  # the same decision twice: one LabelDecision
        response = client.post("/v1/labels", json={"labels": [decision]}, headers=bearer(WRITE_KEY))
        assert response.status_code == 201, response.text
        assert response.json() == {"recorded": [{"account_id": target, "label": "abusive"}]}
    assert [(d["label"], d["source"], d["claimedSource"], d["recordedBy"])
            for d in label_decisions(neo4j_settings, detected, target)] == [("abusive", "labeller", None, "labeller")]
    assert client.get(f"/v1/accounts/{target}", headers=bearer(READ_WRITE_KEY)).json()["label"] == "abusive"

    run_detection(Graph(neo4j_settings, detected), detection_settings())
    explanation = account_explanation(Graph(neo4j_settings, detected), target)
    assert "labelAbusive" in {record["kind"] for record in explanation["evidence"]}
    assert explanation["verdict"] != "clear"

    clearance = {"account_id": target, "label": "benign", "source": "analyst-7", "at": "2026-03-06T10:00:00Z"}
    assert client.post("/v1/labels", json={"labels": [clearance]}, headers=bearer(WRITE_KEY)).status_code == 201
    body = client.get(f"/v1/accounts/{target}", headers=bearer(READ_WRITE_KEY)).json()
    assert body["label"] == "benign"  # the latest decision wins
    # The claimed source is kept as a claim; the provenance is the key that sent it.
    assert [(d["source"], d["claimedSource"]) for d in label_decisions(neo4j_settings, detected, target)] == [
        ("labeller", None), ("labeller", "analyst-7")]


def test_labels_are_all_or_nothing(client: TestClient, neo4j_settings: Settings, detected: Driver) -> None:
    before = graph_snapshot(neo4j_settings, detected)
    response = client.post("/v1/labels", json={"labels": [
        {"account_id": RING_A[0], "label": "abusive"},
        {"account_id": "no-such-account", "label": "abusive"},
    ]}, headers=bearer(WRITE_KEY))
    problem = assert_problem(response, 404, "body.labels.1.account_id")
    assert "nothing was recorded" in problem["detail"]
    assert_problem(client.post("/v1/labels", json={"labels": [{"account_id": RING_A[0], "label": "evil"}]},
                               headers=bearer(WRITE_KEY)), 422, "body.labels.0.label")
    assert_problem(client.post("/v1/labels", json={"labels": [{"account_id": RING_A[0], "label": "abusive",
                                                                "at": 1700000000}]},
                               headers=bearer(WRITE_KEY)), 422, "body.labels.0.at")
    assert_problem(client.post("/v1/labels", json={"labels": []}, headers=bearer(WRITE_KEY)), 422, "body.labels")
    assert graph_snapshot(neo4j_settings, detected) == before


def test_allow_listed_subnet_stops_linking(client: TestClient, neo4j_settings: Settings, detected: Driver) -> None:
    member = RING_A[0]

    def subnet_weights() -> list[tuple[str, float, str | None]]:
        links = client.get(f"/v1/accounts/{member}/links?limit=200&shared=500", headers=bearer(READ_WRITE_KEY)).json()
        return [(item["kind"], item["weight"], item["ignored"]) for link in links["links"]
                for item in link["shared"] if item["kind"] in ("ip", "subnet")]

    assert subnet_weights() and all(weight > 0 and ignored is None for _, weight, ignored in subnet_weights())
    response = client.post("/v1/allowlist", json={"kind": "subnet", "value": "198.18.7.0/24",
                                                  "reason": "test: shared proxy", "expires_at": None},
                           headers=bearer(WRITE_KEY))
    assert response.status_code == 201, response.text
    expected_key = KeyedHasher(neo4j_settings.hash_key()).hash_one(KIND_SUBNET, "198.18.7.0/24")
    [entry] = response.json()["entries"]
    # The keyed hash of the raw value is not told back (the endpoint would be a hash oracle), nor listed.
    assert (entry["kind"], entry["key"], entry["active"], entry["added_by"]) == ("subnet", None, True, "labeller")
    assert "198.18.7" not in response.text and expected_key not in response.text
    listed = client.get("/v1/allowlist", headers=bearer(READ_WRITE_KEY))
    assert [item["entry_id"] for item in listed.json()["entries"]] == [entry["entry_id"]]
    assert expected_key not in listed.text
    assert all(weight == 0 and ignored == "allow-listed" for _, weight, ignored in subnet_weights())

    assert client.delete(f"/v1/allowlist/{entry['entry_id']}", headers=bearer(WRITE_KEY)).status_code == 204
    assert_problem(client.delete(f"/v1/allowlist/{entry['entry_id']}", headers=bearer(WRITE_KEY)), 404)
    assert client.get("/v1/allowlist", headers=bearer(READ_WRITE_KEY)).json()["entries"] == []
    assert all(weight > 0 for _, weight, _ in subnet_weights())

    # Added by its key (which the caller already knows), an entry shows its key and can be removed by it.
    by_key = client.post("/v1/allowlist", json={"kind": "subnet", "value": expected_key, "reason": "by key"},
                         headers=bearer(WRITE_KEY)).json()["entries"]
    assert [item["key"] for item in by_key] == [expected_key]
    assert client.delete(f"/v1/allowlist/subnet/{expected_key}", headers=bearer(READ_WRITE_KEY)).status_code == 204
    assert_problem(client.delete(f"/v1/allowlist/subnet/{expected_key}", headers=bearer(WRITE_KEY)), 404)

    events = Graph(neo4j_settings, detected).read("detect/allow_list_events")
    assert [(event["action"], event["key"], event["by"], event["via"]) for event in events] == [
        ("add", expected_key, "labeller", "api"), ("remove", expected_key, "labeller", "api"),
        ("add", expected_key, "labeller", "api"), ("remove", expected_key, "ban-tool", "api")]

    assert_problem(client.post("/v1/allowlist", json={"kind": "subnet", "value": "10.0.0.0/8", "reason": "x"},
                               headers=bearer(WRITE_KEY)), 422, "body.value")
    assert_problem(client.post("/v1/allowlist", json={"kind": "vpn", "value": "10.0.0.1", "reason": "x"},
                               headers=bearer(WRITE_KEY)), 422, "body.kind")
    assert_problem(client.post("/v1/allowlist", json={"kind": "subnet", "value": "10.0.0.1", "reason": " "},
                               headers=bearer(WRITE_KEY)), 422, "body.reason")
    assert_problem(client.delete("/v1/allowlist/subnet/not-a-key", headers=bearer(WRITE_KEY)), 422, "path.key")


def test_expired_entry_is_listed_but_inactive(client: TestClient, neo4j_settings: Settings, detected: Driver) -> None:
    refused = client.post("/v1/allowlist", json={"kind": "payment", "value": "pm_corporate_card_0001",
                                                 "reason": "expired", "expires_at": "2020-01-01T00:00:00Z"},
                          headers=bearer(WRITE_KEY))
    assert_problem(refused, 422, "body.expires_at")
    assert client.get("/v1/allowlist", headers=bearer(READ_KEY)).json()["entries"] == []
    assert Graph(neo4j_settings, detected).read("detect/allow_list_events") == []

    key = KeyedHasher(neo4j_settings.hash_key()).hash_one(KIND_PAYMENT, "pm_corporate_card_0001")
    Graph(neo4j_settings, detected).write("detect/allow_list_add", {  # as an entry that has since expired
        "kind": "payment", "key": key, "reason": "expired", "expiresAt": 1_577_836_800_000, "addedBy": "cli",
        "via": "cli", "keyGiven": False})
    response = client.get("/v1/allowlist", headers=bearer(READ_KEY))
    [entry] = response.json()["entries"]
    assert entry["active"] is False and entry["expires_at"].startswith("2020-01-01")
    assert "pm_corporate_card_0001" not in response.text and key not in response.text
