"""The network evidence page: `GET /v1/networks/{id}/graph` over the detected small world (exact member and
evidence sets), and the page itself (`/ui/networks/{id}`) driven in headless Debian Chromium: the graph renders,
real mouse clicks on an account and an evidence node show why they are linked, a wrong key shows the 401 message."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import httpx
import pandas as pd
import pytest
from neo4j import Driver

from loaders.privacy import KIND_IP, KIND_PAYMENT, KIND_SUBNET, KeyedHasher
from sockhound.settings import Settings
from tests.api_support import READ_KEY, WRITE_KEY, api_settings, assert_problem, bearer, served_api
from tests.detection_world import RING_A, detected_world, detection_settings

RING_A_CARDS = {f"pm_a_card_{group}": RING_A[4 * group:4 * group + 4] for group in range(3)}  # 4 members a card
RING_A_PROXIES = {f"198.18.7.{10 + offset}": RING_A[offset::3] for offset in range(3)}  # member i: .10 + i % 3


@pytest.fixture(scope="module")
def world_graph(neo4j_settings: Settings, session_driver: Driver, tmp_path_factory: pytest.TempPathFactory
                ) -> pd.DataFrame:
    return detected_world(neo4j_settings, session_driver, tmp_path_factory.mktemp("network-page"))


@pytest.fixture(scope="module")
def base_url(neo4j_settings: Settings, world_graph: pd.DataFrame) -> Iterator[str]:
    with served_api(api_settings(neo4j_settings), detection_settings()) as url:
        yield url


@pytest.fixture(scope="module")
def ring_a_network(world_graph: pd.DataFrame) -> str:
    network_id = str(world_graph.loc[RING_A[0], "network_id"])
    assert network_id and set(world_graph.loc[RING_A, "network_id"]) == {network_id}
    return network_id


def graph_of(base_url: str, network_id: str, **query: int) -> dict[str, object]:
    response = httpx.get(f"{base_url}/v1/networks/{network_id}/graph", params=query, headers=bearer(READ_KEY))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def members_by_evidence(graph: dict[str, object]) -> dict[str, set[str]]:
    linked: dict[str, set[str]] = defaultdict(set)
    for edge in graph["edges"]:  # type: ignore[attr-defined]
        linked[edge["evidence_id"]].add(edge["account_id"])
    return linked


# --- GET /v1/networks/{id}/graph -------------------------------------------------------------------------------


def test_graph_of_ring_a_holds_its_members_cards_and_proxies(
    base_url: str, ring_a_network: str, world_graph: pd.DataFrame, neo4j_settings: Settings
) -> None:
    graph = graph_of(base_url, ring_a_network)
    members = set(world_graph.index[world_graph["network_id"] == ring_a_network])
    assert {account["account_id"] for account in graph["accounts"]} == members  # type: ignore[attr-defined]
    assert graph["size"] == len(members) and set(RING_A) <= members
    risks = [account["risk"] for account in graph["accounts"]]  # type: ignore[attr-defined]
    assert risks == sorted(risks, reverse=True)
    evidence = {node["id"]: node for node in graph["evidence"]}  # type: ignore[attr-defined]
    linked = members_by_evidence(graph)
    assert set(linked) == set(evidence)
    assert all(account in members for accounts in linked.values() for account in accounts)
    assert all(node["members"] == len(linked[node["id"]]) >= 2 for node in evidence.values())

    hasher = KeyedHasher(neo4j_settings.hash_key())
    cards = {f"payment:{hasher.hash_one(KIND_PAYMENT, card)}": set(group) for card, group in RING_A_CARDS.items()}
    shown_cards = {node_id for node_id, node in evidence.items() if node["kind"] == "payment"}
    ring_a_cards = {node_id for node_id in shown_cards if linked[node_id] <= set(RING_A)}
    assert ring_a_cards == set(cards)
    for node_id, group in cards.items():
        assert linked[node_id] == group
        assert evidence[node_id]["shared_by"] == 4 and evidence[node_id]["weight"] > 0
        assert evidence[node_id]["ignored"] is None

    proxies = {f"ip:{hasher.hash_one(KIND_IP, ip)}": set(group) for ip, group in RING_A_PROXIES.items()}
    for node_id, group in proxies.items():
        assert linked[node_id] == group
    subnet = f"subnet:{hasher.hash_one(KIND_SUBNET, '198.18.7.0/24')}"
    assert linked[subnet] == set(RING_A)
    edges = {(edge["account_id"], edge["evidence_id"]): edge for edge in graph["edges"]}  # type: ignore[attr-defined]
    proxy_edge = edges[(RING_A[0], f"ip:{hasher.hash_one(KIND_IP, '198.18.7.10')}")]
    assert proxy_edge["count"] == 40 and proxy_edge["first_seen"] < proxy_edge["last_seen"]
    assert edges[(RING_A[0], subnet)]["count"] == 40  # summed over the member's addresses in the subnet
    assert edges[(RING_A[0], next(iter(cards)))]["count"] is None  # PAID_WITH carries no aggregates
    kinds = {kind["kind"]: kind for kind in graph["kinds"]}  # type: ignore[attr-defined]
    assert graph["truncated"] == any(kind["available"] > kind["shown"] for kind in kinds.values())
    assert kinds["payment"]["shown"] == kinds["payment"]["available"] == len(shown_cards)


def test_graph_caps_members_and_evidence_per_kind(base_url: str, ring_a_network: str) -> None:
    whole = graph_of(base_url, ring_a_network)
    capped = graph_of(base_url, ring_a_network, member_limit=5, evidence_per_kind=1)
    riskiest = [account["account_id"] for account in whole["accounts"]][:5]  # type: ignore[attr-defined]
    assert [account["account_id"] for account in capped["accounts"]] == riskiest  # type: ignore[attr-defined]
    assert capped["truncated"] is True and capped["member_limit"] == 5
    assert all(edge["account_id"] in riskiest for edge in capped["edges"])  # type: ignore[attr-defined]
    per_kind: dict[str, int] = defaultdict(int)
    for node in capped["evidence"]:  # type: ignore[attr-defined]
        per_kind[node["kind"]] += 1
    assert per_kind and max(per_kind.values()) == 1


def test_graph_errors(base_url: str, ring_a_network: str) -> None:
    url = f"{base_url}/v1/networks/{ring_a_network}/graph"
    assert_problem(httpx.get(url), 401)
    assert_problem(httpx.get(url, headers=bearer(WRITE_KEY)), 403)
    assert_problem(httpx.get(f"{base_url}/v1/networks/net-unknown/graph", headers=bearer(READ_KEY)), 404)
    assert_problem(httpx.get(url, params={"member_limit": 0}, headers=bearer(READ_KEY)), 422, "query.member_limit")
