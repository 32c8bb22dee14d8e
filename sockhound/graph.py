"""Talking to Neo4j: the driver, named queries, and the one batched `UNWIND $rows` writer.

Every statement comes from `queries/` by name and is tagged with metadata (visible in `SHOW TRANSACTIONS`
and the query log). Writes run in managed transactions, so the driver retries transient failures;
on top of that, a database that is down gets a clear message and a bounded retry with back-off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    Record,
    RoutingControl,
    unit_of_work,
)
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired, TransientError

from queries import CypherQuery, load_query, query_names
from sockhound.errors import DatabaseUnavailableError, SockhoundError
from sockhound.runtime.credentials import Neo4jPasswordError
from sockhound.settings import Settings

log = logging.getLogger(__name__)
ResultT = TypeVar("ResultT")
Row = Mapping[str, Any]


class WriteRefusedError(SockhoundError, RuntimeError):
    """A statement run read-only tried to write, and the server refused it."""


class _RowBatch(list[Row]):
    """A batch of `$rows` whose repr is its length.

    The driver builds its debug line for every RUN (`" ".join(map(repr, fields))`) before the logger
    decides to drop it, so a plain list of 5,000 rows is formatted in full and thrown away: that was a
    third of the client's time per write. Packing sees an ordinary list.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def open_driver(settings: Settings) -> Driver:
    try:
        auth = settings.neo4j_auth()
    except Neo4jPasswordError as error:  # the commands already report an unusable database in one place
        raise DatabaseUnavailableError(str(error)) from None
    # Server notifications (unknown label on an empty graph, ...) are for people writing queries, not logs.
    return GraphDatabase.driver(
        settings.bolt_uri, auth=auth, user_agent="sockhound", notifications_min_severity="OFF"
    )


@contextmanager
def connected_driver(settings: Settings) -> Iterator[Driver]:
    """A driver that has proved it can reach the server; a clear error when it cannot."""
    driver = open_driver(settings)
    try:
        with_database_retry(settings, driver.verify_connectivity, attempts=3)
        yield driver
    finally:
        driver.close()


def unavailable_message(settings: Settings, error: BaseException) -> str:
    hint = "start it with `sockhound db start`" if settings.uses_local_runtime else "check NEO4J_URI"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"cannot reach Neo4j at {settings.bolt_uri} ({first_line}); {hint}"


def with_database_retry(
    settings: Settings, work: Callable[[], ResultT], *, attempts: int = 8, first_delay_s: float = 0.5,
    max_delay_s: float = 15.0,
) -> ResultT:
    """Run `work`, retrying with back-off while the database is unreachable (e.g. restarting)."""
    delay = first_delay_s
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except (ServiceUnavailable, SessionExpired, TransientError, OSError) as error:
            if attempt == attempts:
                raise DatabaseUnavailableError(unavailable_message(settings, error)) from error
            log.warning("%s; retry %d/%d in %.1fs", unavailable_message(settings, error), attempt,
                        attempts - 1, delay)
            time.sleep(delay)
            delay = min(delay * 2, max_delay_s)
    raise AssertionError("unreachable")


def _as_query(named: CypherQuery, timeout_s: float | None = None) -> Query:
    return Query(named.text, metadata=named.metadata, timeout=timeout_s)


def read_query(
    settings: Settings, driver: Driver, name: str, parameters: Mapping[str, Any] | None = None
) -> list[Record]:
    """Run a named read query (routed to readers) and return its records."""
    named = load_query(name)

    def run() -> list[Record]:
        records, _, _ = driver.execute_query(
            _as_query(named), dict(parameters or {}), database_=settings.neo4j_database, routing_=RoutingControl.READ
        )
        return records

    return with_database_retry(settings, run)


def run_read_only(
    settings: Settings, driver: Driver, named: CypherQuery, parameters: Mapping[str, Any] | None = None, *,
    timeout_s: float | None = None, attempts: int = 3,
) -> tuple[list[str], list[Record]]:
    """Run any statement in a READ access-mode transaction: the server refuses a write inside it (it does so on a
    single instance too), which raises WriteRefusedError. Returns the column names and the records."""

    @unit_of_work(metadata=named.metadata, timeout=timeout_s)
    def read(transaction: ManagedTransaction) -> tuple[list[str], list[Record]]:
        result = transaction.run(named.text, dict(parameters or {}))
        return list(result.keys()), list(result)

    def run() -> tuple[list[str], list[Record]]:
        with driver.session(database=settings.neo4j_database, default_access_mode=READ_ACCESS) as session:
            return session.execute_read(read)

    try:
        return with_database_retry(settings, run, attempts=attempts)
    except ClientError as error:
        if error.code == "Neo.ClientError.Statement.AccessMode":
            raise WriteRefusedError(f"{named.name} tries to write; it was run read-only and refused "
                                    f"({error.message})") from error
        raise


def write_query(
    settings: Settings, driver: Driver, name: str, parameters: Mapping[str, Any] | None = None
) -> list[Record]:
    """Run a named write query in a managed transaction and return its records."""
    named = load_query(name)

    def run() -> list[Record]:
        records, _, _ = driver.execute_query(
            _as_query(named), dict(parameters or {}), database_=settings.neo4j_database, routing_=RoutingControl.WRITE
        )
        return records

    return with_database_retry(settings, run)


def write_rows(
    settings: Settings, driver: Driver, name: str, rows: Sequence[Row] | Iterable[Row], *,
    batch_size: int = 5_000, extra_parameters: Mapping[str, Any] | None = None,
) -> int:
    """Write rows through a named `UNWIND $rows AS row ...` statement, one managed transaction a batch.

    Each batch is all-or-nothing, and a retried batch must be safe to replay: the statements MERGE.
    Returns the number of rows written.
    """
    named = load_query(name)
    parameters = dict(extra_parameters or {})
    written = 0

    @unit_of_work(metadata=named.metadata)
    def write_batch(transaction: ManagedTransaction, batch: list[Row]) -> None:
        transaction.run(named.text, {**parameters, "rows": batch}).consume()

    for batch in _batches(rows, batch_size):
        def run(batch: list[Row] = batch) -> None:
            with driver.session(database=settings.neo4j_database) as session:
                session.execute_write(write_batch, batch)

        with_database_retry(settings, run)
        written += len(batch)
    return written


def _batches(rows: Iterable[Row], batch_size: int) -> Iterator[list[Row]]:
    batch = _RowBatch()
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield batch
            batch = _RowBatch()
    if batch:
        yield batch


def run_statements(
    settings: Settings, driver: Driver, named: CypherQuery, parameters: Mapping[str, Any] | None = None
) -> None:
    """Run a file's statements each in its own auto-commit transaction.

    For what a managed transaction cannot hold: schema changes, and `CALL { ... } IN TRANSACTIONS`.
    """
    for statement in named.statements():
        def run(statement: str = statement) -> None:
            with driver.session(database=settings.neo4j_database) as session:
                query = Query(statement, metadata=named.metadata)
                session.run(query, dict(parameters or {})).consume()

        with_database_retry(settings, run)


def migration_names() -> list[str]:
    return query_names("schema")
