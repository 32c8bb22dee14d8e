"""Detection against a real Neo4j + GDS: a hand-built batch (two rings, a company on shared infrastructure,
benign accounts) loaded through the real loader, then `detect`, export, evaluate, explain and the allow-list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from neo4j import Driver
from typer.testing import CliRunner

from cli.app import app as sockhound_cli
from detect.explain import account_explanation, pair_explanation
from detect.pipeline import run_detection
from sockhound.gds_session import open_gds
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.detection_world import (
    BENIGN,
    COMPANY,
    COMPANY_CARD,
    COMPANY_SUBNET,
    FAMILY_MEMBERS,
    RING_A,
    RING_B,
    RING_C,
    detection_settings,
    load,
    write_world,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(tmp_path_factory.mktemp("detect") / "world", {"a": RING_A, "b": RING_B},
                       families=True)


@pytest.fixture
def loaded(neo4j_settings: Settings, empty_graph: Driver, world: Path, tmp_path: Path) -> Driver:
    load(neo4j_settings, empty_graph, world, tmp_path / "report")
    return empty_graph


def cli() -> typer.Typer:
    """The real command line: its root maps errors to exit codes (a bare Typer would leave them raised)."""
    return sockhound_cli


def sockhound_projections(settings: Settings, driver: Driver) -> list[str]:
    listed = open_gds(Graph(settings, driver)).graph.list()
    return [str(entry.graph_name) for entry in listed if str(entry.graph_name).startswith("sockhound-")]


def network_of(result_accounts: pd.DataFrame, members: list[str]) -> set[Any]:
    return set(result_accounts.loc[members, "networkId"].tolist())


def test_detect_export_and_evaluate(neo4j_settings: Settings, loaded: Driver, world: Path, tmp_path: Path,
                                    cli_env: None) -> None:
    result = run_detection(Graph(neo4j_settings, loaded), detection_settings())
    table = result.accounts
    assert (table.loc[RING_A, "verdict"] == "sockpuppet").all()
    assert (table.loc[RING_B, "verdict"] == "sockpuppet").all()
    assert (table.loc[BENIGN, "verdict"] == "clear").all()
    (ring_a_network,) = network_of(table, RING_A)
    (ring_b_network,) = network_of(table, RING_B)
    assert ring_a_network and ring_b_network and ring_a_network != ring_b_network
    assert table["risk"].between(0.0, 1.0).all()
    assert sockhound_projections(neo4j_settings, loaded) == []
    run = loaded.execute_query("MATCH (r:DetectionRun {runId: $runId}) RETURN r", runId=result.run_id,
                               database_=neo4j_settings.neo4j_database).records[0]["r"]
    assert run["status"] == "complete"
    assert {"project", "communities", "score", "write"} <= set(json.loads(run["timings"]))
    assert json.loads(run["counts"])["accounts"] == (len(RING_A) + len(RING_B) + len(COMPANY) + len(BENIGN)
                                                     + len(FAMILY_MEMBERS))
    assert (table.loc[FAMILY_MEMBERS, "verdict"] == "clear").all()
    assert "hub_caps" in json.loads(run["parameters"])["detection"]

    runner = CliRunner()
    out = tmp_path / "verdicts.csv"
    exported = runner.invoke(cli(), ["export", "verdicts", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["account_id", "verdict", "risk", "network_id"]
    assert len(frame) == len(table)
    assert set(frame["verdict"]) <= {"sockpuppet", "suspect", "clear"}
    by_account = frame.set_index("account_id")
    assert by_account.loc[RING_A[0], "network_id"] == ring_a_network
    assert by_account.loc[BENIGN[3], "network_id"] == ""

    evaluated = runner.invoke(cli(), ["evaluate", "--truth", str(world / "truth.csv")])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    for key in ("accounts", "adversary_accounts", "precision", "recall", "benign_false_positive_rate",
                "suspect", "recall_per_actor"):
        assert key in report
    assert report["precision"] == 1.0 and report["recall"] == 1.0
    assert set(report["recall_per_actor"]) == {"ring-a", "ring-b"}


def test_projection_is_dropped_when_detection_fails(neo4j_settings: Settings, loaded: Driver) -> None:
    seen: list[str] = []

    def explode(graph: Any) -> None:
        seen.append(graph.name())
        assert graph.name() in sockhound_projections(neo4j_settings, loaded)
        raise RuntimeError("boom after projecting")

    with pytest.raises(RuntimeError, match="boom"):
        run_detection(Graph(neo4j_settings, loaded), detection_settings(), after_projection=explode)
    assert seen and seen[0].startswith("sockhound-linkage-")
    assert sockhound_projections(neo4j_settings, loaded) == []
    status = loaded.execute_query("MATCH (r:DetectionRun) RETURN r.status AS status",
                                  database_=neo4j_settings.neo4j_database).records
    assert [record["status"] for record in status] == ["failed"]


def test_network_ids_stable_across_runs_and_changes(neo4j_settings: Settings, loaded: Driver,
                                                    tmp_path: Path) -> None:
    settings = detection_settings()
    first = run_detection(Graph(neo4j_settings, loaded), settings)
    second = run_detection(Graph(neo4j_settings, loaded), settings)
    for ring in (RING_A, RING_B):
        assert network_of(first.accounts, ring) == network_of(second.accounts, ring)
        assert len(network_of(second.accounts, ring)) == 1
    # The world changes: two ring-a members are gone, a new ring c appears. Ring a and b keep their ids.
    loaded.execute_query("MATCH (a:Account) WHERE a.accountId IN $gone DETACH DELETE a", gone=RING_A[:2],
                         database_=neo4j_settings.neo4j_database)
    load(neo4j_settings, loaded, write_world(tmp_path / "next", {"c": RING_C}), tmp_path / "report-next")
    third = run_detection(Graph(neo4j_settings, loaded), settings)
    assert network_of(third.accounts, RING_A[2:]) == network_of(first.accounts, RING_A)
    assert network_of(third.accounts, RING_B) == network_of(first.accounts, RING_B)
    (ring_c_network,) = network_of(third.accounts, RING_C)
    assert ring_c_network not in network_of(first.accounts, RING_A + RING_B)
    active = loaded.execute_query("MATCH (n:Network {status: 'active'}) RETURN count(n) AS n",
                                  database_=neo4j_settings.neo4j_database).records[0]["n"]
    assert active == len(third.networks)


def test_explanations_sum_to_risk(neo4j_settings: Settings, loaded: Driver, cli_env: None) -> None:
    detection = detection_settings()
    run_detection(Graph(neo4j_settings, loaded), detection)
    for account in (RING_A[3], RING_B[1], BENIGN[5], COMPANY[0]):
        explained = account_explanation(Graph(neo4j_settings, loaded), account)
        total = explained["prior"]["contribution"] + sum(record["contribution"] for record in explained["evidence"])
        assert total == pytest.approx(explained["risk"], abs=1e-9)
        for record in explained["evidence"]:
            assert {"kind", "weight", "logOdds", "contribution", "value"} <= set(record)
    ring_member = account_explanation(Graph(neo4j_settings, loaded), RING_A[3])
    payment = next(record for record in ring_member["evidence"] if record["kind"] == "payment")
    assert payment["sharedBy"] == 4 and payment["value"] == 1.0 and payment["family"] == "trace"
    network = next(record for record in ring_member["evidence"] if record["kind"] == "network")
    assert network["coordination"] > 0 and network["usage"] > 0
    assert ring_member["network"]["networkId"] == ring_member["networkId"]

    pair = pair_explanation(Graph(neo4j_settings, loaded), RING_A[0], RING_A[3], detection)
    kinds = {item["kind"]: item for item in pair["shared"]}
    assert kinds["payment"]["sharedBy"] == 4 and kinds["payment"]["weight"] > 0
    assert "ip" in kinds and pair["sameNetwork"] and pair["linkWeight"] > 0
    assert pair_explanation(Graph(neo4j_settings, loaded), RING_A[0], BENIGN[0], detection)["shared"] == []

    shown = CliRunner().invoke(cli(), ["explain", RING_A[0], "--with", RING_A[3]])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["sameNetwork"] is True
    missing = CliRunner().invoke(cli(), ["explain", "no-such-account"])
    assert missing.exit_code == 2


def test_allow_listed_evidence_no_longer_links(neo4j_settings: Settings, loaded: Driver, cli_env: None) -> None:
    detection = detection_settings()
    before = pair_explanation(Graph(neo4j_settings, loaded), COMPANY[0], COMPANY[1], detection)
    assert {item["kind"] for item in before["shared"] if item["weight"] > 0} == {"payment", "subnet"}
    first = run_detection(Graph(neo4j_settings, loaded), detection)
    assert first.accounts["community"][COMPANY[0]] == first.accounts["community"][COMPANY[1]]

    runner = CliRunner()
    expired = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    for arguments in (
        ["--kind", "subnet", "--value", COMPANY_SUBNET, "--reason", "office egress", "--expires", later],
        ["--kind", "payment", "--value", COMPANY_CARD, "--reason", "corporate card"],
        ["--kind", "prompt", "--value", "an old public prompt", "--reason", "expired", "--expires", expired],
    ):
        added = runner.invoke(cli(), ["allowlist", "add", *arguments])
        assert added.exit_code == 0, added.output
    listed = runner.invoke(cli(), ["allowlist", "list", "--json"])
    entries = json.loads(listed.output)
    assert sorted((entry["kind"], entry["active"]) for entry in entries) == [
        ("payment", True), ("prompt", False), ("prompt", False), ("subnet", True)]
    assert all(COMPANY_CARD not in json.dumps(entry) for entry in entries)

    after = pair_explanation(Graph(neo4j_settings, loaded), COMPANY[0], COMPANY[1], detection)
    assert all(item["weight"] == 0 for item in after["shared"])
    assert {item["ignored"] for item in after["shared"]} == {"allow-listed"}
    run_detection(Graph(neo4j_settings, loaded), detection)
    for other in COMPANY[1:]:  # no two staff linked any more by the card or the office
        shared = pair_explanation(Graph(neo4j_settings, loaded), COMPANY[0], other, detection)["shared"]
        assert all(item["weight"] == 0 for item in shared if item["kind"] in ("payment", "ip", "subnet"))

    removed = runner.invoke(cli(), ["allowlist", "remove", "--kind", "payment", "--value", COMPANY_CARD])
    assert removed.exit_code == 0 and "removed 1 entry" in removed.output
    third = run_detection(Graph(neo4j_settings, loaded), detection)
    assert third.accounts["community"][COMPANY[0]] == third.accounts["community"][COMPANY[1]]


def test_explanations_show_the_movers_and_the_networks_own_size(neo4j_settings: Settings, loaded: Driver) -> None:
    """Issue 18.1: records in order of contribution, the first five (the API's default) cover >= 80 % of the
    risk above the prior, and the network size shown is the network's member count, not its community's."""
    result = run_detection(Graph(neo4j_settings, loaded), detection_settings())
    flagged = result.accounts[result.accounts["networkId"].notna()]
    assert len(flagged) >= len(RING_A)
    members = flagged.groupby("networkId").size()
    checked = 0
    for account in flagged.index:
        explained = account_explanation(Graph(neo4j_settings, loaded), str(account))
        contributions = [float(record["contribution"]) for record in explained["evidence"]]
        assert contributions == sorted(contributions, reverse=True)
        moved = explained["risk"] - explained["prior"]["contribution"]
        assert moved > 0 and sum(contributions[:5]) >= 0.8 * moved
        network = next(record for record in explained["evidence"] if record["kind"] == "network")
        assert network["networkSize"] == int(members[explained["networkId"]]) == explained["network"]["size"]
        assert network["communitySize"] >= network["networkSize"]
        checked += 1
    assert checked == len(flagged)
