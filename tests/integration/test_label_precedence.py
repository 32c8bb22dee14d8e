"""Which label decision is an account's current one, against a real Neo4j: an undated decision never outranks
a dated one (whichever was recorded later), times out of range are refused (quarantined at load, 422 at the
API), and a sender's `source` is kept as a claim beside the provenance (the batch, or the API key)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from loaders.load_batch import BatchLoader
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.api_support import WRITE_KEY, api_settings, assert_problem, bearer
from tests.batch_builder import write_small_batch
from tests.integration.graph_state import label_decisions


def labels_batch(directory: Path, rows: list[dict[str, str]]) -> Path:
    write_small_batch(directory, exchange_ids=range(0, 40))
    pd.DataFrame(rows, columns=["account_id", "label", "source", "at"]).to_csv(directory / "labels.csv", index=False)
    return directory


def account_label(settings: Settings, driver: Driver, account_id: str) -> str | None:
    records, _, _ = driver.execute_query("MATCH (a:Account {accountId: $id}) RETURN a.label AS label",
                                         {"id": account_id}, database_=settings.neo4j_database)
    return records[0]["label"] if records else None


def test_undated_old_clearance_does_not_override_a_new_ban_and_a_ban_dated_9999_is_refused(
    neo4j_settings: Settings, empty_graph: Driver, tmp_path: Path
) -> None:
    first = labels_batch(tmp_path / "first", [
        {"account_id": "acct-001", "label": "abusive", "source": "trust-and-safety", "at": "2026-03-05T10:00:00Z"},
        {"account_id": "acct-001", "label": "benign", "source": "old-export", "at": ""},
        {"account_id": "acct-002", "label": "benign", "source": "support", "at": "2026-03-01T00:00:00Z"},
        {"account_id": "acct-002", "label": "abusive", "source": "pinning", "at": "9999-01-01T00:00:00Z"},
    ])
    report = BatchLoader(Graph(neo4j_settings, empty_graph)).load(first, tmp_path / "r1")
    assert report.tables["labels"].rows_loaded == 3 and report.tables["labels"].rows_quarantined == 1
    quarantine = pd.read_csv(tmp_path / "r1" / "quarantine.csv", dtype=str)
    refused = quarantine[quarantine["column"] == "at"]
    assert len(refused) == 1 and "5 minutes from now" in refused.iloc[0]["reason"]
    assert account_label(neo4j_settings, empty_graph, "acct-001") == "abusive"
    assert account_label(neo4j_settings, empty_graph, "acct-002") == "benign"

    # An undated clearance arriving later (recorded later) still ranks below the dated ban.
    second = labels_batch(tmp_path / "second", [
        {"account_id": "acct-001", "label": "benign", "source": "older-export", "at": ""}])
    BatchLoader(Graph(neo4j_settings, empty_graph)).load(second, tmp_path / "r2")
    assert account_label(neo4j_settings, empty_graph, "acct-001") == "abusive"
    stored = label_decisions(neo4j_settings, empty_graph, "acct-001")
    assert {str(d["claimedSource"]) for d in stored} == {"trust-and-safety", "old-export", "older-export"}
    assert all(str(d["source"]).startswith("batch:") and d["via"] == "batch" and d["recorded"] for d in stored)

    # Through the API: a ban dated 9999 (or hours ahead) is refused; a dated clearance does win, and its
    # claimed source is kept beside the key's name.
    with TestClient(create_app(api_settings(neo4j_settings))) as client:
        for at in ("9999-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "1970-01-01T00:00:00Z"):
            response = client.post("/v1/labels", json={"labels": [{"account_id": "acct-002", "label": "abusive",
                                                                   "at": at}]}, headers=bearer(WRITE_KEY))
            assert_problem(response, 422, "body.labels.0.at")
        assert account_label(neo4j_settings, empty_graph, "acct-002") == "benign"
        cleared = client.post("/v1/labels", json={"labels": [{
            "account_id": "acct-001", "label": "benign", "source": "analyst-7", "at": "2026-03-06T10:00:00Z"}]},
            headers=bearer(WRITE_KEY))
        assert cleared.status_code == 201, cleared.text
    assert account_label(neo4j_settings, empty_graph, "acct-001") == "benign"
    latest = label_decisions(neo4j_settings, empty_graph, "acct-001")[-1]
    assert (latest["source"], latest["claimedSource"], latest["via"]) == ("labeller", "analyst-7", "api")
