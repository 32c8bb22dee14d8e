"""Versioned schema migrations: `queries/schema/NNNN_name.cypher`, applied once each, recorded in the graph."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from queries import load_query
from sockhound.errors import SockhoundError
from sockhound.graph import Graph, migration_names


class MigrationChecksumError(SockhoundError, RuntimeError):
    """An applied migration's file was edited afterwards: add a new migration instead."""


@dataclass(frozen=True)
class MigrationOutcome:
    applied: list[str]
    already_applied: list[str]


def _version(name: str) -> int:
    stem = name.rsplit("/", 1)[-1]
    return int(stem.split("_", 1)[0])


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_migrations(graph: Graph) -> MigrationOutcome:
    """Apply every migration not yet recorded; statements are idempotent (`IF NOT EXISTS`) as well."""
    recorded = {
        int(record["version"]): str(record["checksum"])
        for record in graph.read("runtime/applied_migrations")
    }
    applied: list[str] = []
    already: list[str] = []
    for name in migration_names():
        migration = load_query(name)
        version, checksum = _version(name), _checksum(migration.text)
        if version in recorded:
            if recorded[version] != checksum:
                raise MigrationChecksumError(
                    f"migration {name} changed after it was applied (checksum differs); add a new one instead"
                )
            already.append(name)
            continue
        graph.run_statements(migration)
        graph.write("runtime/record_migration",
                    {"version": version, "name": name, "checksum": checksum})
        applied.append(name)
    return MigrationOutcome(applied=applied, already_applied=already)
