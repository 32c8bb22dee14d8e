"""Read the whole (small) graph back as comparable sets of tuples: the way loader tests compare graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neo4j import Driver

from queries import CypherQuery
from sockhound.settings import Settings

CYPHER_DIR = Path(__file__).parent / "cypher"


def test_query(name: str) -> CypherQuery:
    return CypherQuery(name=f"tests/{name}", text=(CYPHER_DIR / f"{name}.cypher").read_text())


test_query.__test__ = False  # type: ignore[attr-defined]


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return str(value) if hasattr(value, "iso_format") else value


def run_test_query(settings: Settings, driver: Driver, name: str) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(test_query(name).text, database_=settings.neo4j_database)
    return [record.data() for record in records]


def label_decisions(settings: Settings, driver: Driver, account_id: str) -> list[dict[str, Any]]:
    """Every label decision about one account, oldest recorded first."""
    records, _, _ = driver.execute_query(test_query("label_decisions_of").text, {"id": account_id},
                                         database_=settings.neo4j_database)
    return [record.data() for record in records]


def graph_snapshot(settings: Settings, driver: Driver) -> tuple[frozenset[Any], frozenset[Any]]:
    nodes = frozenset(
        (tuple(sorted(row["labels"])), _frozen(row["properties"]))
        for row in run_test_query(settings, driver, "graph_snapshot_nodes")
    )
    relationships = frozenset(
        (row["type"], _frozen(row["properties"]), _frozen(row["source"]), _frozen(row["target"]))
        for row in run_test_query(settings, driver, "graph_snapshot_relationships")
    )
    return nodes, relationships


def all_stored_strings(settings: Settings, driver: Driver) -> set[str]:
    return {row["text"] for row in run_test_query(settings, driver, "all_string_values")}
