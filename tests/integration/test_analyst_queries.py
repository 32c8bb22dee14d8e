"""The analyst queries (`queries/analyst/`) and `sockhound query` against a real Neo4j.

The graph: the detection world (rings a and b on shared cards, proxies, a prompt template and one scheduler each;
a company on one card and one office subnet; benign singles), loaded and detected once, then a second batch that
arrives after the run: an account banned on 2026-03-05, a newcomer created after the ban on the banned account's
card, and an old-timer on the same card created before it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from neo4j import Driver
from neo4j.graph import Path as GraphPath
from typer.testing import CliRunner

from cli.app import app as sockhound_cli
from cli.query import query_from_file
from detect.pipeline import DetectionResult, run_detection
from loaders.errors import BatchFileError
from loaders.load_batch import BatchLoader
from queries import load_query, query_names
from queries.header import body_parameters, parse_header
from sockhound.graph import Graph, WriteRefusedError
from sockhound.settings import Settings, get_settings
from tests.conftest import free_port
from tests.detection_world import BENIGN, COMPANY, FAMILIES, RING_A, RING_B, detection_settings, load, write_world

CYPHER_DIR = Path(__file__).parent / "cypher"
BANNED, NEWCOMER, OLDTIMER = "banned-00", "newcomer-00", "oldtimer-00"
BAN_CARD = "pm_ban_evasion_card"
ANALYST_QUERIES = query_names("analyst")


@dataclass(frozen=True)
class AnalystGraph:
    run: DetectionResult
    ban_batch_id: str

    def network_of(self, account: str) -> str:
        return str(self.run.accounts.loc[account, "networkId"])


def write_ban_batch(directory: Path) -> Path:
    directory.mkdir(parents=True)
    pd.DataFrame([
        {"account_id": BANNED, "created_at": "2026-01-10T09:00:00Z", "status": "banned", "country": "US"},
        {"account_id": NEWCOMER, "created_at": "2026-03-06T09:00:00Z", "status": "active", "country": "US"},
        {"account_id": OLDTIMER, "created_at": "2026-01-01T09:00:00Z", "status": "active", "country": "US"},
    ]).to_csv(directory / "accounts.csv", index=False)
    pd.DataFrame([{"account_id": account, "payment_fingerprint": BAN_CARD, "brand": "visa", "funding": "prepaid"}
                  for account in (BANNED, NEWCOMER, OLDTIMER)]).to_csv(directory / "payment_methods.csv", index=False)
    pd.DataFrame([{"account_id": BANNED, "label": "abusive", "source": "analyst-9", "at": "2026-03-05T00:00:00Z"}]
                 ).to_csv(directory / "labels.csv", index=False)
    return directory


@pytest.fixture(scope="module")
def graph(neo4j_settings: Settings, session_driver: Driver, tmp_path_factory: pytest.TempPathFactory) -> AnalystGraph:
    Graph(neo4j_settings, session_driver).run_statements(load_query("maintenance/delete_all_in_batches"),
                   {"batchSize": 10_000})
    base = tmp_path_factory.mktemp("analyst")
    load(neo4j_settings, session_driver, write_world(base / "world", {"a": RING_A, "b": RING_B}), base / "r1")
    run = run_detection(Graph(neo4j_settings, session_driver), detection_settings())
    report = BatchLoader(Graph(neo4j_settings, session_driver)).load(write_ban_batch(base / "ban"), base / "r2")
    assert report.outcome == "loaded"
    return AnalystGraph(run=run, ban_batch_id=report.batch_id)


def analyst(settings: Settings, driver: Driver, name: str, **parameters: Any) -> list[dict[str, Any]]:
    """Run an analyst query as `sockhound query` does: header defaults, then the given parameters, read-only."""
    named = load_query(f"analyst/{name}")
    values = {**parse_header(named.text).defaults(), **parameters}
    _, records = Graph(settings, driver).read_only(named, values)
    return [dict(record) for record in records]


def test_network_of_account(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "network_of_account", accountId=RING_A[3])
    assert {(row["networkId"], row["accountId"]) for row in rows} == {(graph.network_of(RING_A[0]), account)
                                                                      for account in RING_A}
    assert [row["risk"] for row in rows] == sorted((row["risk"] for row in rows), reverse=True)
    alone = analyst(neo4j_settings, session_driver, "network_of_account", accountId=BENIGN[3])
    assert [(row["networkId"], row["accountId"], row["verdict"]) for row in alone] == [(None, BENIGN[3], "clear")]
    assert analyst(neo4j_settings, session_driver, "network_of_account", accountId="no-such-account") == []


def test_network_graph_draws_members_and_what_they_share(neo4j_settings: Settings, session_driver: Driver,
                                                         graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "network_graph", networkId=graph.network_of(RING_B[0]),
                   limit=10_000)
    paths: list[GraphPath] = [row["path"] for row in rows]
    assert {path.start_node["accountId"] for path in paths} == set(RING_B)
    assert {len(path) for path in paths} == {1}
    assert {path.relationships[0].type for path in paths} >= {"PAID_WITH", "SEEN_FROM", "SENT", "IN_SYNC_BUCKET"}
    assert all(2 <= path.end_node["accountCount"] <= 100 for path in paths)
    cards = {path.end_node["key"]: path.end_node["accountCount"] for path in paths if "PaymentMethod" in
             path.end_node.labels}
    assert sorted(cards.values()) == [4, 4]


def test_account_graph_reaches_the_ring(neo4j_settings: Settings, session_driver: Driver,
                                        graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "account_graph", accountId=RING_A[0], limit=10_000)
    paths: list[GraphPath] = [row["path"] for row in rows]
    assert {path.start_node["accountId"] for path in paths} == {RING_A[0]}
    far = {path.end_node["accountId"] for path in paths}
    assert set(RING_A) - {RING_A[0]} <= far
    assert not far & set(BENIGN + COMPANY + [RING_A[0]])
    limited = analyst(neo4j_settings, session_driver, "account_graph", accountId=RING_A[0], limit=5)
    assert len(limited) == 5


def test_linked_accounts_by_kind(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "linked_accounts", accountId=RING_A[0])

    def sharing(kind: str) -> set[str]:
        return {row["accountId"] for row in rows if kind in row["kinds"]}

    assert sharing("payment") == set(RING_A[1:4])  # four accounts a card
    assert sharing("ip") == {RING_A[3], RING_A[6], RING_A[9]}  # one of three proxy addresses
    assert sharing("subnet") == set(RING_A[1:])
    assert sharing("template") == set(RING_A[1:])
    assert not {row["accountId"] for row in rows} & set(BENIGN + COMPANY)
    first = rows[0]
    assert first["accountId"] == RING_A[3] and first["networkId"] == graph.network_of(RING_A[0])


def test_evidence_between_two_accounts(neo4j_settings: Settings, session_driver: Driver,
                                       graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "evidence_between_accounts", accountId=RING_A[0],
                   otherId=RING_A[3])
    by_kind = {row["kind"]: row for row in rows}
    assert {(kind, by_kind[kind]["sharedBy"]) for kind in ("payment", "ip", "subnet", "template")} == {
        ("payment", 4), ("ip", 4), ("subnet", 12), ("template", 12)}
    assert (by_kind["ip"]["requestsA"], by_kind["ip"]["requestsB"]) == (40, 40)
    assert (by_kind["subnet"]["requestsA"], by_kind["subnet"]["requestsB"]) == (40, 40)
    assert by_kind["payment"]["requestsA"] is None and by_kind["payment"]["firstSeen"] is None
    assert by_kind["ip"]["firstSeen"] <= by_kind["ip"]["lastSeen"]
    assert [row["sharedBy"] for row in rows] == sorted(row["sharedBy"] for row in rows)
    assert analyst(neo4j_settings, session_driver, "evidence_between_accounts", accountId=RING_A[0],
                   otherId=BENIGN[0]) == []


def test_accounts_behind_subnet(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    shared = analyst(neo4j_settings, session_driver, "evidence_between_accounts", accountId=RING_B[0],
                     otherId=RING_B[5])
    (subnet_key,) = [row["key"] for row in shared if row["kind"] == "subnet"]
    rows = analyst(neo4j_settings, session_driver, "accounts_behind_subnet", subnetKey=subnet_key)
    assert {(row["accountId"], row["addresses"], row["requests"]) for row in rows} == {
        (account, 1, 40) for account in RING_B}
    assert {(row["subnetSharedBy"], row["subnetCommon"]) for row in rows} == {(8, False)}


def test_payment_rings(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "payment_rings")
    assert {(tuple(row["accountIds"]), row["sharedBy"], row["banned"]) for row in rows} == {
        (tuple(RING_A[0:4]), 4, 1), (tuple(RING_A[4:8]), 4, 0), (tuple(RING_A[8:12]), 4, 0),
        (tuple(RING_B[0:4]), 4, 0), (tuple(RING_B[4:8]), 4, 0), (tuple(COMPANY), 6, 0),
        ((BANNED, NEWCOMER, OLDTIMER), 3, 1), *((tuple(family), 3, 0) for family in FAMILIES),
    }
    # What matters first: cards of banned accounts (rarest first), then cards detection flagged, benign ones last.
    assert [row["accountIds"] for row in rows[:2]] == [[BANNED, NEWCOMER, OLDTIMER], RING_A[0:4]]
    flagged_cards = {tuple(RING_A[4:8]), tuple(RING_A[8:12]), tuple(RING_B[0:4]), tuple(RING_B[4:8])}
    assert {tuple(row["accountIds"]) for row in rows[2:6]} == flagged_cards
    assert all(row["flagged"] > 0 for row in rows[2:6])
    rest = rows[6:]
    assert all(row["banned"] == 0 for row in rest)
    assert [row["flagged"] > 0 for row in rest] == sorted((row["flagged"] > 0 for row in rest), reverse=True)
    ring_a_card = next(row for row in rows if row["accountIds"] == RING_A[0:4])
    assert (ring_a_card["funding"], ring_a_card["flagged"], ring_a_card["networkIds"]) == (
        "prepaid", 4, [graph.network_of(RING_A[0])])
    assert len(analyst(neo4j_settings, session_driver, "payment_rings", minAccounts=5)) == 1


def test_template_reuse(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "template_reuse", sample=500)
    groups = {frozenset(row["sampleAccountIds"]) for row in rows}
    assert frozenset(RING_A) in groups and frozenset(RING_B) in groups
    assert {row["kind"] for row in rows} == {"template"}
    ring_a = next(row for row in rows if set(row["sampleAccountIds"]) == set(RING_A))
    assert (ring_a["sharedBy"], ring_a["requests"], ring_a["banned"], ring_a["flagged"]) == (12, 480, 1, 12)
    sampled = analyst(neo4j_settings, session_driver, "template_reuse", sample=2, minAccounts=10, maxAccounts=12)
    assert [(row["sharedBy"], len(row["sampleAccountIds"])) for row in sampled] == [(12, 2)]


def test_synchronised_bursts(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "synchronised_bursts")
    assert rows
    for row in rows:  # each group runs on one scheduler: one ring, never mixed with anybody else
        assert set(row["accountIds"]) <= set(RING_A) or set(row["accountIds"]) <= set(RING_B), row["accountIds"]
        assert row["createdWithinMinutes"] <= 7 * 11
    grouped = set().union(*(row["accountIds"] for row in rows))
    assert grouped == set(RING_A) | set(RING_B)


def test_created_after_ban(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "created_after_ban")
    assert {(row["accountId"], row["bannedAccountId"], tuple(row["kinds"]), row["sharedItems"]) for row in rows} \
        == {(NEWCOMER, BANNED, ("payment",), 1)}
    assert rows[0]["bannedAt"].to_native() == datetime(2026, 3, 5, tzinfo=UTC)


def test_top_networks(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    networks = graph.run.networks.sort_values(["risk", "networkId"], ascending=[False, True])
    rows = analyst(neo4j_settings, session_driver, "top_networks")
    assert [(row["networkId"], row["size"], row["members"]) for row in rows] == [
        (row.networkId, row.size, row.size) for row in networks.itertuples()]
    ring_a = next(row for row in rows if row["networkId"] == graph.network_of(RING_A[0]))
    assert (ring_a["banned"], ring_a["status"], ring_a["firstRunId"]) == (1, "active", graph.run.run_id)
    by_size = analyst(neo4j_settings, session_driver, "top_networks", sortBy="size", limit=1)
    assert [row["size"] for row in by_size] == [networks["size"].max()]


def test_changes_since_last_run(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph) -> None:
    rows = analyst(neo4j_settings, session_driver, "changes_since_last_run")
    assert {(row["change"], row["subject"]) for row in rows} == {
        ("last run", graph.run.run_id),
        *(("network new", network) for network in graph.run.networks["networkId"]),
        ("load", graph.ban_batch_id),
        ("label", BANNED),
        *(("account not scored", account) for account in (BANNED, NEWCOMER, OLDTIMER)),
    }
    load_row = next(row for row in rows if row["change"] == "load")
    assert load_row["detail"].startswith("3 accounts touched")


@pytest.mark.parametrize("name", ANALYST_QUERIES)
def test_header_documents_the_query(name: str) -> None:
    text = load_query(name).text
    header = parse_header(text)
    documented = [parameter.name for parameter in header.parameters]
    assert header.purpose and len(documented) == len(set(documented))
    assert set(documented) == body_parameters(text), "every $param used must be documented, and only those"
    assert header.example_parameters().keys() == set(documented), "the example must set every parameter"
    assert all(line.startswith(":param ") and line.endswith(";") for line in header.example)
    if "limit" in documented:
        assert header.defaults().get("limit", 0) > 0 and "LIMIT $limit" in text


PER_GRAPH_PARAMETERS = {"networkId"}
"""Example values no example can carry: network ids are minted per graph (uuid4), so the test sets the network of
the example's ring (ring A). Every other example value (ring-a-00, the subnet key of 198.18.9.0/24 under the test
key, ...) is used exactly as an analyst pastes it."""


@pytest.mark.parametrize("name", ANALYST_QUERIES)
def test_header_example_finds_rows(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph,
                                   name: str) -> None:
    """The example's values, as an analyst would `:param` them, return rows on the demo-like graph."""
    named = load_query(name)
    example = parse_header(named.text).example_parameters()
    assert set(example) & PER_GRAPH_PARAMETERS <= {"networkId"}
    if "networkId" in example:
        example["networkId"] = graph.network_of(RING_A[0])
    _, records = Graph(neo4j_settings, session_driver).read_only(named, example)
    assert records, f"{name}: its example finds nothing in the test graph"


def invoke(*arguments: str) -> Any:
    """`sockhound query ...` through the real command line (as registered in cli/app.py)."""
    return CliRunner().invoke(sockhound_cli, ["query", *arguments])


def test_cli_formats(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph, cli_env: None) -> None:
    expected = analyst(neo4j_settings, session_driver, "payment_rings")

    as_json = invoke("payment_rings", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert [(row["paymentKey"], row["accountIds"]) for row in json.loads(as_json.output)] == [
        (row["paymentKey"], row["accountIds"]) for row in expected]

    as_csv = invoke("analyst/payment_rings", "-p", "minAccounts=4", "-p", "limit=2", "-f", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [(json.loads(row["accountIds"]), row["sharedBy"]) for row in rows] == [
        (row["accountIds"], str(row["sharedBy"])) for row in expected if row["sharedBy"] >= 4][:2]

    as_table = invoke("network_of_account", "-p", f"accountId={RING_B[2]}")
    assert as_table.exit_code == 0, as_table.output
    assert f"{len(RING_B)} rows" in as_table.output
    assert all(account in as_table.output for account in RING_B)


def test_cli_converts_paths_and_times(graph: AnalystGraph, cli_env: None) -> None:
    drawn = invoke("network_graph", "-p", f"networkId={graph.network_of(RING_B[0])}", "-p", "limit=3",
                   "--format", "json")
    assert drawn.exit_code == 0, drawn.output
    paths = [row["path"] for row in json.loads(drawn.output)]
    assert len(paths) == 3
    for path in paths:
        start, end = path["nodes"]
        (relationship,) = path["relationships"]
        assert start["labels"] == ["Account"] and start["properties"]["accountId"] in RING_B
        assert (relationship["start"], relationship["end"]) == (start["elementId"], end["elementId"])
        assert start["properties"]["createdAt"].startswith("2026-02-27T")  # neo4j DateTime -> ISO-8601 text
    as_table = invoke("account_graph", "-p", f"accountId={RING_A[0]}", "-p", "limit=1", "-f", "csv")
    assert as_table.output.splitlines()[1].startswith(f"(:Account {RING_A[0]})-[:")


def test_cli_lists_queries(cli_env: None) -> None:
    listed = invoke("--list")
    assert listed.exit_code == 0
    for name in ANALYST_QUERIES:
        assert f"{name.removeprefix('analyst/')}: " in listed.output
    assert "-p accountId=... [-p limit=200]" in listed.output


def test_cli_refuses_writes(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph,
                            cli_env: None) -> None:
    attempt = CYPHER_DIR / "analyst_write_attempt.cypher"
    refused = invoke("--file", str(attempt), "-p", f"accountId={RING_A[0]}")
    assert refused.exit_code == 1
    assert "refused" in refused.output and "read" in refused.output
    with pytest.raises(WriteRefusedError):
        Graph(neo4j_settings, session_driver).read_only(query_from_file(attempt), {"accountId": RING_A[1]})
    graph = Graph(neo4j_settings, session_driver)
    _, records = graph.read_only(query_from_file(CYPHER_DIR / "tampered_accounts.cypher"))
    assert records[0]["tampered"] == 0


def test_cli_errors(graph: AnalystGraph, cli_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = invoke("netwrk_of_acount")
    assert unknown.exit_code == 2 and "did you mean network_of_account" in unknown.output
    missing = invoke("evidence_between_accounts", "-p", f"accountId={RING_A[0]}")
    assert missing.exit_code == 2 and "$otherId (string)" in missing.output and "-p otherId=" in missing.output
    misspelt = invoke("network_of_account", "-p", "acountId=x")
    assert misspelt.exit_code == 2 and "no parameter $acountId" in misspelt.output
    malformed = invoke("network_of_account", "-p", "accountId")
    assert malformed.exit_code == 2 and "key=value" in malformed.output
    neither = invoke()
    assert neither.exit_code == 2
    bad_type = invoke("payment_rings", "-p", "limit=lots")
    assert bad_type.exit_code == 2 and "$limit takes a whole number, got 'lots'" in bad_type.output
    refused = invoke("payment_rings", "-p", "limit=-1")
    assert refused.exit_code == 1 and "Neo4j refused analyst/payment_rings" in refused.output

    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    down = invoke("payment_rings")
    assert down.exit_code == 3 and "cannot reach Neo4j" in down.output  # database unavailable: exit 3


def test_cli_pages(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph, cli_env: None) -> None:
    expected = analyst(neo4j_settings, session_driver, "payment_rings", limit=1_000)
    second = invoke("payment_rings", "--limit", "3", "--page", "2", "-f", "json")
    assert second.exit_code == 0, second.output
    assert [row["paymentKey"] for row in json.loads(second.output)] == [row["paymentKey"] for row in expected[3:6]]
    table = invoke("payment_rings", "--limit", "3", "--page", "2")
    assert "rows 4-6, page 2; --page 3 for more" in table.output
    assert all(account in table.output for row in expected[3:6] for account in row["accountIds"])
    last = invoke("payment_rings", "--limit", str(len(expected) + 1))  # fewer rows than asked: no more pages
    assert f"rows 1-{len(expected)}, page 1" in last.output and "--page 2" not in last.output


def test_hash_prints_the_keys_the_load_wrote(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph,
                                             cli_env: None) -> None:
    """`sockhound hash` of ring-a-00's raw values (as written in tests/detection_world.py) gives the keys of its
    evidence in the graph: the loaders' normalisation and keyed hashing, not a copy of them."""
    graph = Graph(neo4j_settings, session_driver)
    _, records = graph.read_only(query_from_file(CYPHER_DIR / "evidence_keys_of.cypher"), {"accountId": RING_A[0]})
    keys: dict[str, set[str]] = {}
    for record in records:
        keys.setdefault(record["kind"], set()).add(record["key"])

    def hashed(kind: str, value: str) -> str:
        result = CliRunner().invoke(sockhound_cli, ["hash", kind, value])
        assert result.exit_code == 0, result.output
        return str(result.output.strip())

    assert keys["payment"] == {hashed("payment", "pm_a_card_0")}
    assert keys["ip"] == {hashed("ip", "198.18.7.10")}
    assert keys["subnet"] == {hashed("subnet", "198.18.7.0/24")} == {hashed("subnet", "198.18.7.200")}
    assert keys["email"] == {hashed("email", " Ring-A-00+Anything@Throwaway.Example ")}
    shared = analyst(neo4j_settings, session_driver, "accounts_behind_subnet", subnetKey=hashed("subnet", "198.18.9.0"))
    assert {row["accountId"] for row in shared} == set(RING_B)


def test_nothing_empty_is_recorded_as_loaded(neo4j_settings: Settings, session_driver: Driver, graph: AnalystGraph,
                                             tmp_path: Path) -> None:
    status = query_from_file(CYPHER_DIR / "load_batch_status.cypher")
    before = [dict(record) for record in Graph(neo4j_settings, session_driver).read_only(status)[1]]
    empty = tmp_path / "empty"
    empty.mkdir()
    header_only = tmp_path / "header-only"
    header_only.mkdir()
    (header_only / "accounts.csv").write_text("account_id,created_at\n")
    misnamed = tmp_path / "misnamed"
    misnamed.mkdir()
    (misnamed / "accounts_2026-03.csv").write_text("account_id,created_at\na1,2026-03-01T00:00:00Z\n")
    for batch in (empty, header_only, misnamed):
        with pytest.raises(BatchFileError):
            BatchLoader(Graph(neo4j_settings, session_driver)).load(batch, tmp_path / "reports" / batch.name)
    after = [dict(record) for record in Graph(neo4j_settings, session_driver).read_only(status)[1]]
    assert sorted(after, key=str) == sorted(before, key=str)
