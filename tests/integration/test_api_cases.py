"""Network members in pages, the case file of a network (JSON, and CSV tables in a zip) and
`GET /v1/runs/latest`, against a real Neo4j holding the detected world (rings A and B, a company, benign
accounts)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from sockhound.settings import Settings
from tests.api_support import READ_KEY, READ_WRITE_KEY, api_settings, assert_problem, bearer
from tests.detection_world import BENIGN, RING_A, detection_settings

RING_A_PROXY = "198.18.7.10"  # ring A members i % 3 == 0 send from here (see tests/detection_world.py)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, world_graph: pd.DataFrame) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(neo4j_settings), detection_settings())) as test_client:
        yield test_client


def ring_a_network(world_graph: pd.DataFrame) -> str:
    return str(world_graph.loc[RING_A[0], "network_id"])


def test_members_come_in_pages_riskiest_first(client: TestClient, world_graph: pd.DataFrame) -> None:
    network_id = ring_a_network(world_graph)
    expected = set(world_graph.index[world_graph["network_id"] == network_id])
    walked: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        page = client.get(f"/v1/networks/{network_id}/members?limit=5" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(READ_KEY)).json()
        assert page["network_id"] == network_id and page["size"] == len(expected)
        assert len(page["members"]) <= 5
        walked += page["members"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [member["account_id"] for member in walked] != [] and len(walked) == len(expected)
    assert {member["account_id"] for member in walked} == expected
    order = [(-float(str(member["risk"])), str(member["account_id"])) for member in walked]
    assert order == sorted(order)

    first = client.get(f"/v1/networks/{network_id}?members_limit=2", headers=bearer(READ_KEY)).json()
    assert [member["account_id"] for member in first["members"]] == [m["account_id"] for m in walked[:2]]
    assert first["members_truncated"] and first["size"] == len(expected)
    rest = client.get(f"/v1/networks/{network_id}/members?limit=1000&cursor={first['members_next_cursor']}",
                      headers=bearer(READ_KEY)).json()
    assert [m["account_id"] for m in rest["members"]] == [m["account_id"] for m in walked[2:]]
    assert rest["next_cursor"] is None
    whole = client.get(f"/v1/networks/{network_id}", headers=bearer(READ_KEY)).json()
    assert whole["members_next_cursor"] is None and not whole["members_truncated"]

    assert_problem(client.get("/v1/networks/net-unknown/members", headers=bearer(READ_KEY)), 404)
    assert_problem(client.get(f"/v1/networks/{network_id}/members?cursor=!!", headers=bearer(READ_KEY)), 422,
                   "query.cursor")
    assert_problem(client.get(f"/v1/networks/{network_id}/members?limit=1001", headers=bearer(READ_KEY)), 422,
                   "query.limit")
    assert_problem(client.get(f"/v1/networks/{network_id}/members"), 401)


def test_case_file_holds_members_verdicts_explanations_and_shared_evidence(
    client: TestClient, world_graph: pd.DataFrame
) -> None:
    network_id = ring_a_network(world_graph)
    response = client.get(f"/v1/networks/{network_id}/case", headers=bearer(READ_KEY))
    assert response.status_code == 200, response.text
    case = response.json()
    members = {member["account_id"]: member for member in case["members"]}
    assert set(members) == set(world_graph.index[world_graph["network_id"] == network_id])
    assert case["network"]["network_id"] == network_id and case["network"]["size"] == len(members)
    assert not case["members_truncated"] and case["evidence_records"]
    for account_id, member in members.items():
        assert member["verdict"] == world_graph.loc[account_id, "verdict"]
        assert member["risk"] == pytest.approx(world_graph.loc[account_id, "risk"])
    # every record of each member's waterfall, as the account endpoint tells it
    account = client.get(f"/v1/accounts/{RING_A[3]}?evidence=50", headers=bearer(READ_KEY)).json()
    assert members[RING_A[3]]["evidence"] == account["top_evidence"]
    assert members[RING_A[3]]["prior_risk"] == pytest.approx(account["prior_risk"])
    # the shared evidence: keyed hashes only, edges only between members and listed nodes
    shared = {node["id"]: node for node in case["shared_evidence"]}
    assert any(node["kind"] == "payment" and node["members"] == 4 for node in shared.values())
    assert all(re.fullmatch(r"[0-9a-f]{16,64}", node["key"]) for node in shared.values())
    assert case["links"] and all(link["account_id"] in members and link["evidence_id"] in shared
                                 for link in case["links"])
    for node_id, node in shared.items():
        assert node["members"] == sum(1 for link in case["links"] if link["evidence_id"] == node_id) >= 2
    assert datetime.fromisoformat(case["generated_at"])
    assert RING_A_PROXY not in response.text

    assert_problem(client.get("/v1/networks/net-unknown/case", headers=bearer(READ_KEY)), 404)
    assert_problem(client.get(f"/v1/networks/{network_id}/case?format=xml", headers=bearer(READ_KEY)), 422,
                   "query.format")


def test_case_file_as_csv_tables_in_a_zip(client: TestClient, world_graph: pd.DataFrame) -> None:
    network_id = ring_a_network(world_graph)
    case = client.get(f"/v1/networks/{network_id}/case", headers=bearer(READ_KEY)).json()
    response = client.get(f"/v1/networks/{network_id}/case?format=zip", headers=bearer(READ_KEY))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="case-{network_id}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        tables = {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
                  for name in archive.namelist()}
    assert set(tables) == {"network.csv", "network_evidence.csv", "members.csv", "explanations.csv",
                           "shared_evidence.csv", "links.csv"}
    assert tables["network.csv"][0]["network_id"] == network_id
    assert [row["account_id"] for row in tables["members.csv"]] == [m["account_id"] for m in case["members"]]
    assert [row["verdict"] for row in tables["members.csv"]] == [m["verdict"] for m in case["members"]]
    assert len(tables["explanations.csv"]) == sum(len(member["evidence"]) for member in case["members"])
    first = case["members"][0]
    assert [row["kind"] for row in tables["explanations.csv"] if row["account_id"] == first["account_id"]] == [
        record["kind"] for record in first["evidence"]]
    assert [row["evidence_id"] for row in tables["shared_evidence.csv"]] == [n["id"] for n in case["shared_evidence"]]
    assert len(tables["links.csv"]) == len(case["links"])
    assert len(tables["network_evidence.csv"]) == len(case["evidence_records"])
    assert RING_A_PROXY.encode() not in response.content


def test_latest_run_says_which_run_and_what_changed_since(client: TestClient, world_graph: pd.DataFrame) -> None:
    run = client.get("/v1/runs/latest", headers=bearer(READ_KEY)).json()
    account = client.get(f"/v1/accounts/{RING_A[0]}", headers=bearer(READ_KEY)).json()
    assert run["run_id"] == account["run_id"] and run["status"] == "complete"
    assert datetime.fromisoformat(run["started_at"]) <= datetime.fromisoformat(run["finished_at"])
    assert run["counts"]["accounts"] == len(world_graph)
    assert run["counts"]["sockpuppet"] == (world_graph["verdict"] == "sockpuppet").sum()
    assert (run["loads_since"], run["accounts_loaded_since"], run["labels_since"], run["accounts_not_scored"],
            run["later_runs"]) == (0, 0, 0, 0, [])

    recorded = client.post("/v1/labels", json={"labels": [{"account_id": BENIGN[9], "label": "abusive"}]},
                           headers=bearer(READ_WRITE_KEY))
    assert recorded.status_code == 201, recorded.text
    after = client.get("/v1/runs/latest", headers=bearer(READ_KEY)).json()
    assert after["run_id"] == run["run_id"] and after["labels_since"] == 1
    assert_problem(client.get("/v1/runs/latest"), 401)


def test_latest_run_is_404_before_any_run(client: TestClient, empty_graph: Driver) -> None:
    problem = assert_problem(client.get("/v1/runs/latest", headers=bearer(READ_KEY)), 404)
    assert problem["type"].endswith("/run-not-found") and "sockhound detect" in problem["detail"]
