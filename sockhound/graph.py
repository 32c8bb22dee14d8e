"""Talking to Neo4j: one `Graph` gateway holding the driver and the database, named queries, one batched writer.

Every statement comes from `queries/` by name and is tagged with metadata (visible in `SHOW TRANSACTIONS` and the
query log). Reads and writes run in managed transactions, and the driver's own retry (transient errors, a server
restarting, a leader switch) is the only retry: its window is `SOCKHOUND_NEO4J_RETRY_S`. Where a server may
still be starting, a bounded connectivity wait (tenacity) comes first: opening a graph waits
`SOCKHOUND_NEO4J_CONNECT_WAIT_S`, and the auto-commit statements that a managed transaction cannot hold wait
the retry window. A database still unreachable at the end is a `DatabaseUnavailableError`
with a clear message (exit 3).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import pandas as pd
from neo4j import (
    READ_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    Record,
    Result,
    RoutingControl,
    unit_of_work,
)
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired
from tenacity import Retrying, before_sleep_log, retry_if_exception_type, stop_after_delay, wait_exponential

from queries import CypherQuery, load_query, query_names
from sockhound.errors import DatabaseUnavailableError, SockhoundError
from sockhound.runtime.credentials import Neo4jPasswordError
from sockhound.settings import Settings

log = logging.getLogger(__name__)
Row = Mapping[str, Any]
UNREACHABLE: Final = (ServiceUnavailable, SessionExpired, OSError)
"""What a database that is down or restarting raises once the driver's retries are spent."""


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
        settings.bolt_uri, auth=auth, user_agent="sockhound", notifications_min_severity="OFF",
        max_transaction_retry_time=settings.sockhound_neo4j_retry_s,
    )


def unavailable_message(settings: Settings, error: BaseException) -> str:
    hint = "start it with `sockhound db start`" if settings.uses_local_runtime else "check NEO4J_URI"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"cannot reach Neo4j at {settings.bolt_uri} ({first_line}); {hint}"


class Graph:
    """One Neo4j database as sockhound talks to it: driver, database name and named queries.

    `read`/`write` return records, `read_frame` a DataFrame, `write_rows` writes through one `UNWIND $rows`
    statement in batches. Created by `connected_graph` (which owns the driver), or around a driver someone else
    owns (`Graph(settings, driver)`: tests, the benches).
    """

    def __init__(self, settings: Settings, driver: Driver) -> None:
        self.settings = settings
        self.driver = driver
        self.database = settings.neo4j_database

    @contextmanager
    def _reported(self) -> Iterator[None]:
        """The driver's retries are spent: say so clearly, once."""
        try:
            yield
        except UNREACHABLE as error:
            raise DatabaseUnavailableError(unavailable_message(self.settings, error)) from error

    def wait_until_reachable(self, timeout_s: float | None = None) -> None:
        """Block until the server answers (a server may still be starting), at most `timeout_s`
        (default: the retry window); then a `DatabaseUnavailableError`."""
        limit = self.settings.sockhound_neo4j_retry_s if timeout_s is None else timeout_s
        retrying = Retrying(
            retry=retry_if_exception_type(UNREACHABLE), stop=stop_after_delay(limit),
            wait=wait_exponential(multiplier=0.25, max=5.0), reraise=True,
            before_sleep=before_sleep_log(log, logging.WARNING),
        )
        with self._reported():
            retrying(self.driver.verify_connectivity)

    def _execute(self, name: str, parameters: Mapping[str, Any] | None, routing: RoutingControl,
                 transformer: Any = None) -> Any:
        named = load_query(name)
        extra = {} if transformer is None else {"result_transformer_": transformer}
        with self._reported():
            return self.driver.execute_query(
                _as_query(named), dict(parameters or {}), database_=self.database, routing_=routing, **extra)

    def read(self, name: str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """Run a named read query (routed to readers) and return its records."""
        records, _, _ = self._execute(name, parameters, RoutingControl.READ)
        return list(records)

    def read_frame(self, name: str, parameters: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run a named read query and return its records as columns."""
        frame: pd.DataFrame = self._execute(name, parameters, RoutingControl.READ, Result.to_df)
        return frame

    def write(self, name: str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """Run a named write query in a managed transaction and return its records."""
        records, _, _ = self._execute(name, parameters, RoutingControl.WRITE)
        return list(records)

    def write_rows(self, name: str, rows: Sequence[Row] | Iterable[Row], *, batch_size: int = 5_000,
                   extra_parameters: Mapping[str, Any] | None = None) -> int:
        """Write rows through a named `UNWIND $rows AS row ...` statement, one managed transaction a batch.

        Each batch is all-or-nothing, and a batch the driver retries must be safe to replay: the statements
        MERGE (or CREATE only what a guard proves new). Returns the number of rows written.
        """
        named = load_query(name)
        parameters = dict(extra_parameters or {})
        written = 0

        @unit_of_work(metadata=named.metadata)
        def write_batch(transaction: ManagedTransaction, batch: list[Row]) -> None:
            transaction.run(named.text, {**parameters, "rows": batch}).consume()

        with self._reported(), self.driver.session(database=self.database) as session:
            for batch in _batches(rows, batch_size):
                session.execute_write(write_batch, batch)
                written += len(batch)
        return written

    def read_only(self, named: CypherQuery, parameters: Mapping[str, Any] | None = None, *,
                  timeout_s: float | None = None) -> tuple[list[str], list[Record]]:
        """Run any statement in a READ access-mode transaction: the server refuses a write inside it (it does so
        on a single instance too), which raises WriteRefusedError. Returns the column names and the records."""

        @unit_of_work(metadata=named.metadata, timeout=timeout_s)
        def read(transaction: ManagedTransaction) -> tuple[list[str], list[Record]]:
            result = transaction.run(named.text, dict(parameters or {}))
            return list(result.keys()), list(result)

        try:
            with self._reported(), self.driver.session(
                    database=self.database, default_access_mode=READ_ACCESS) as session:
                return session.execute_read(read)
        except ClientError as error:
            if error.code == "Neo.ClientError.Statement.AccessMode":
                raise WriteRefusedError(f"{named.name} tries to write; it was run read-only and refused "
                                        f"({error.message})") from error
            raise

    def run_statements(self, named: CypherQuery, parameters: Mapping[str, Any] | None = None) -> None:
        """Run a file's statements each in its own auto-commit transaction.

        For what a managed transaction cannot hold: schema changes, and `CALL { ... } IN TRANSACTIONS`. The
        driver does not retry these, so each waits for a reachable server first, and a statement the server
        dropped on the way is run again once it answers: every such file must be idempotent (they are: IF NOT
        EXISTS, batched deletes, rarity marks recomputed from counts).
        """
        for statement in named.statements():
            query = Query(statement, metadata=named.metadata)
            for attempt in (1, 2):
                self.wait_until_reachable()
                try:
                    with self._reported(), self.driver.session(database=self.database) as session:
                        session.run(query, dict(parameters or {})).consume()
                    break
                except DatabaseUnavailableError:
                    if attempt == 2:
                        raise
                    log.warning("%s was interrupted by the database; retrying it once it answers", named.name)


@contextmanager
def connected_graph(settings: Settings) -> Iterator[Graph]:
    """A graph whose server has answered (waiting while it may still be starting); a clear error when it
    does not. The driver is closed on the way out."""
    driver = open_driver(settings)
    try:
        graph = Graph(settings, driver)
        graph.wait_until_reachable(settings.sockhound_neo4j_connect_wait_s)
        yield graph
    finally:
        driver.close()


@contextmanager
def connected_driver(settings: Settings) -> Iterator[Driver]:
    """The driver of `connected_graph`, for what needs a driver itself (test fixtures that hand it around)."""
    with connected_graph(settings) as graph:
        yield graph.driver


def _as_query(named: CypherQuery, timeout_s: float | None = None) -> Query:
    return Query(named.text, metadata=named.metadata, timeout=timeout_s)


def _batches(rows: Iterable[Row], batch_size: int) -> Iterator[list[Row]]:
    batch = _RowBatch()
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield batch
            batch = _RowBatch()
    if batch:
        yield batch


def migration_names() -> list[str]:
    return query_names("schema")
