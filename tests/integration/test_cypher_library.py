"""`EXPLAIN` every `.cypher` file in the repository on the real server (Neo4j + GDS): a syntax error, an unknown
function or procedure, or a clause used where it cannot stand fails here instead of in front of a user.

One test per file. A file of several `;`-separated statements (schema migrations) has each statement explained.
EXPLAIN plans without running and needs no parameter values; schema DDL (CREATE CONSTRAINT / INDEX) can be
explained too (query type 's'), so every statement is explained and none is skipped or run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from neo4j import Driver, Query

from queries import CypherQuery
from sockhound.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
PRUNED = {"node_modules", "var", "build", "dist", "__pycache__"}


def repository_cypher_files() -> list[Path]:
    """Every .cypher file below the repository root, outside hidden folders (.venv, .git) and build output."""
    found = []
    for folder, subfolders, files in os.walk(REPO_ROOT):
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and name not in PRUNED]
        found += [Path(folder) / name for name in files if name.endswith(".cypher")]
    return sorted(found)


CYPHER_FILES = repository_cypher_files()


def test_the_library_is_found() -> None:
    relative = {path.relative_to(REPO_ROOT).parts[0] for path in CYPHER_FILES}
    assert relative == {"queries", "tests"}
    assert any(path.parent.name == "analyst" for path in CYPHER_FILES)
    assert any(path.parent.name == "schema" for path in CYPHER_FILES)


@pytest.mark.parametrize("path", CYPHER_FILES, ids=[str(path.relative_to(REPO_ROOT)) for path in CYPHER_FILES])
def test_explain(neo4j_settings: Settings, session_driver: Driver, path: Path) -> None:
    named = CypherQuery(name=str(path.relative_to(REPO_ROOT)), text=path.read_text(encoding="utf-8"))
    statements = named.statements()
    assert statements, f"{named.name} holds no statement"
    for statement in statements:
        # Auto-commit: `CALL { ... } IN TRANSACTIONS` can only be planned outside an explicit transaction.
        with session_driver.session(database=neo4j_settings.neo4j_database) as session:
            summary = session.run(Query(f"EXPLAIN {statement}", metadata=named.metadata)).consume()
        assert summary.plan is not None, statement
        assert summary.query_type in {"r", "w", "rw", "s"}, statement
