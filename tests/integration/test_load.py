"""The loader against a real Neo4j: contents, quarantine, privacy, idempotence, increments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from neo4j import Driver

from loaders.errors import BatchFileError
from loaders.load_batch import BatchLoader, LoadReport
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.batch_builder import RAW_CARD_NUMBER, RAW_EMAIL, RAW_IP, RAW_PROMPT, write_small_batch
from tests.integration.graph_state import all_stored_strings, graph_snapshot, run_test_query


def load(settings: Settings, driver: Driver, batch: Path, reports: Path) -> LoadReport:
    return BatchLoader(Graph(settings, driver), chunk_rows=1_000).load(batch, reports)


def test_small_batch_lands_as_expected_tuples(neo4j_settings: Settings, empty_graph: Driver,
                                              tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "batch")
    report = load(neo4j_settings, empty_graph, batch.directory, tmp_path / "report")
    assert report.outcome == "loaded"
    assert report.tables["exchanges"].rows_loaded == 400
    assert report.quarantined == 0

    rows = run_test_query(neo4j_settings, empty_graph, "payment_rings")
    rings = {frozenset(row["accounts"]) for row in rows}
    assert rings == {frozenset({"acct-000", "acct-001", "acct-002"}), frozenset({"acct-003", "acct-004"})}

    seen = {(row["accountId"], row["count"]) for row in run_test_query(neo4j_settings, empty_graph, "seen_from_counts")}
    expected = batch.exchanges.groupby("account_id").size()
    assert seen == {(account, int(count)) for account, count in expected.items()}

    activity = {row["accountId"]: row for row in run_test_query(neo4j_settings, empty_graph, "account_activity")}
    assert {a: int(r["exchanges"]) for a, r in activity.items()} == {a: int(c) for a, c in expected.items()}
    assert activity["acct-011"]["label"] == "abusive"
    assert activity["acct-011"]["status"] == "banned"
    assert all(len(row["hourOfDay"]) == 24 and sum(row["hourOfDay"]) == row["exchanges"]
               for row in activity.values())
    # The same CoT prompt (even request numbers) was sent by the six even accounts: one exact fingerprint.
    shared = run_test_query(neo4j_settings, empty_graph, "shared_fingerprints")
    assert any(row["kind"] == "exact" and row["accounts"] == 6 == row["accountCount"] for row in shared)


def test_bad_rows_are_quarantined_and_good_rows_still_load(neo4j_settings: Settings, empty_graph: Driver,
                                                           tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "batch", bad_rows=True)
    report = load(neo4j_settings, empty_graph, batch.directory, tmp_path / "report")
    quarantine = pd.read_csv(tmp_path / "report" / "quarantine.csv", dtype=str, keep_default_na=False)
    assert report.quarantined == len(quarantine) == 5
    by_reason = {(row.table, row.column): row for row in quarantine.itertuples()}
    assert ("payment_methods", "payment_fingerprint") in by_reason
    assert ("payment_methods", "funding") in by_reason
    assert ("exchanges", "ts") in by_reason
    assert ("exchanges", "ip") in by_reason
    assert any("duplicate" in reason for reason in quarantine["reason"])
    card_row = by_reason[("payment_methods", "payment_fingerprint")]
    assert card_row.row_number == "9" and card_row.file == "payment_methods.csv"
    digits = RAW_CARD_NUMBER.replace(" ", "")
    quarantine_text = (tmp_path / "report" / "quarantine.csv").read_text()
    assert digits not in quarantine_text.replace(" ", "").replace("-", "")
    assert report.tables["exchanges"].rows_loaded == 400
    assert report.tables["payment_methods"].rows_loaded == 8


def test_no_raw_personal_value_is_stored_anywhere(neo4j_settings: Settings, empty_graph: Driver,
                                                  tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "batch", bad_rows=True)
    load(neo4j_settings, empty_graph, batch.directory, tmp_path / "report")
    stored = all_stored_strings(neo4j_settings, empty_graph)
    assert stored, "the scan must see the graph's strings"
    raw_values = {RAW_EMAIL, RAW_EMAIL.lower(), "alice.example@gmail.com", "aliceexample@gmail.com", RAW_IP,
                  RAW_PROMPT, RAW_CARD_NUMBER, RAW_CARD_NUMBER.replace(" ", ""), "pm_ring_a", "pm_solo_1"}
    raw_values |= set(batch.exchanges["ip"]) | set(batch.exchanges["prompt"]) | set(batch.accounts["email"])
    leaked = {text for text in stored for raw in raw_values if raw and raw in text}
    assert leaked == set()
    assert "gmail.com" not in stored  # not even the e-mail's domain is kept in clear


def test_account_shards_give_the_graph_of_one_shard(neo4j_settings: Settings, empty_graph: Driver,
                                                     tmp_path: Path) -> None:
    """A batch spilled to several account shards lands exactly as when it is aggregated as one piece."""
    batch = write_small_batch(tmp_path / "batch", exchange_ids=range(0, 3_000), account_count=60)
    exchange_bytes = sum(path.stat().st_size for path in (batch.directory).glob("exchanges*"))
    whole = BatchLoader(Graph(neo4j_settings, empty_graph), chunk_rows=1_000).load(batch.directory, tmp_path / "r1")
    assert whole.shards == 1
    one_shard = graph_snapshot(neo4j_settings, empty_graph)
    run_test_query(neo4j_settings, empty_graph, "delete_everything")
    sharded = BatchLoader(Graph(neo4j_settings, empty_graph), chunk_rows=1_000,
                          shard_input_bytes=exchange_bytes // 5).load(batch.directory, tmp_path / "r2")
    assert sharded.shards >= 5
    assert graph_snapshot(neo4j_settings, empty_graph) == one_shard
    shared = run_test_query(neo4j_settings, empty_graph, "shared_fingerprints")
    assert {row["kind"] for row in shared} >= {"exact", "template"}
    assert not list((tmp_path / "r2").glob("spill-*")), "the spill is removed after the load"


def test_loading_the_same_batch_twice_changes_nothing(neo4j_settings: Settings, empty_graph: Driver,
                                                      tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "batch")
    load(neo4j_settings, empty_graph, batch.directory, tmp_path / "r1")
    first = graph_snapshot(neo4j_settings, empty_graph)
    again = load(neo4j_settings, empty_graph, batch.directory, tmp_path / "r2")
    assert again.outcome == "already loaded"
    assert graph_snapshot(neo4j_settings, empty_graph) == first


def test_replaying_an_unfinished_batch_counts_it_once(neo4j_settings: Settings, empty_graph: Driver,
                                                      tmp_path: Path) -> None:
    """A load that wrote everything but never marked the batch complete (killed at the very end) replays."""
    batch = write_small_batch(tmp_path / "batch")
    load(neo4j_settings, empty_graph, batch.directory, tmp_path / "r1")
    first = graph_snapshot(neo4j_settings, empty_graph)
    run_test_query(neo4j_settings, empty_graph, "reopen_all_batches")
    replay = load(neo4j_settings, empty_graph, batch.directory, tmp_path / "r2")
    assert replay.outcome == "loaded" and replay.attempts == 2
    assert graph_snapshot(neo4j_settings, empty_graph) == first


def test_a_later_batch_adds_and_known_request_ids_count_once(neo4j_settings: Settings, empty_graph: Driver,
                                                            tmp_path: Path) -> None:
    write_small_batch(tmp_path / "b1", exchange_ids=range(0, 240))
    # The second export overlaps the first: request ids 200..239 were already loaded.
    write_small_batch(tmp_path / "b2", exchange_ids=range(200, 400))
    load(neo4j_settings, empty_graph, tmp_path / "b1", tmp_path / "r1")
    second = load(neo4j_settings, empty_graph, tmp_path / "b2", tmp_path / "r2")
    assert second.exchanges_already_counted == 40
    incremental = {(r["accountId"], r["count"]) for r in run_test_query(neo4j_settings, empty_graph,
                                                                         "seen_from_counts")}
    activity = {r["accountId"]: r["exchanges"] for r in run_test_query(neo4j_settings, empty_graph,
                                                                        "account_activity")}

    run_test_query(neo4j_settings, empty_graph, "delete_everything")
    write_small_batch(tmp_path / "whole", exchange_ids=range(0, 400))
    load(neo4j_settings, empty_graph, tmp_path / "whole", tmp_path / "r3")
    whole = {(r["accountId"], r["count"]) for r in run_test_query(neo4j_settings, empty_graph, "seen_from_counts")}
    whole_activity = {r["accountId"]: r["exchanges"] for r in run_test_query(neo4j_settings, empty_graph,
                                                                              "account_activity")}
    assert incremental == whole
    assert activity == whole_activity


def test_unreadable_file_fails_with_one_line_naming_it(neo4j_settings: Settings, empty_graph: Driver,
                                                       tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "batch")
    (batch.directory / "exchanges.csv.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(BatchFileError) as raised:
        load(neo4j_settings, empty_graph, batch.directory, tmp_path / "report")
    message = str(raised.value)
    assert "\n" not in message and "exchanges.csv.gz" in message


def test_missing_required_column_fails_naming_file_and_column(neo4j_settings: Settings, empty_graph: Driver,
                                                              tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "batch")
    batch.accounts.drop(columns=["created_at"]).to_csv(batch.directory / "accounts.csv", index=False)
    with pytest.raises(BatchFileError, match=r"accounts\.csv.*created_at"):
        load(neo4j_settings, empty_graph, batch.directory, tmp_path / "report")
    assert Graph(neo4j_settings, empty_graph).read("runtime/applied_migrations")
