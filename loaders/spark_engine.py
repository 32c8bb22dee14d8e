"""The batch-wide aggregation on Apache Spark: the same ``loaders/sql/*.sql``, transpiled by SQLGlot.

Why SQLGlot rather than Ibis: the aggregation already was SQL in ``.sql`` files, reviewed as SQL and run by
DuckDB as it stands; SQLGlot turns each statement into Spark SQL without a second expression language or a
backend layer between us and either engine (Ibis would mean rewriting the SQL as Python expressions and
pulling in its backends). What SQLGlot cannot translate is kept out of the SQL: 64-bit keys are BIGINT bit
for bit (no UBIGINT in Spark) and ordered as unsigned by an explicit sign test, hex keys are
``lpad(lower(hex(x)), 16, '0')`` (two's complement in both engines), and band keys are rows, not lists. So
both engines compute exactly the same rows (tests/integration/test_engine_spark.py compares every table).

Where Spark keeps things: a session this engine starts itself (``local[N]``, the default ``local[2]``) has
``spark.local.dir`` (shuffle and spill files, pyspark's Arrow transfer files), the JVM's ``java.io.tmpdir``
and the warehouse (the tables) inside the load's private directory, is started under umask 077 (so its
files are 0600), has no UI and no event log, and stops when the engine closes. Only keyed hashes, account
ids and numbers reach Spark, as with DuckDB. With ``SPARK_REMOTE`` (Spark Connect) or a cluster master the
tables live in that cluster's warehouse, in a database of this load's own that is dropped at the end.

Chunk rows reach Spark through ``createDataFrame`` from Arrow, buffered to ``flush_rows`` rows per table so
a batch is a few Spark jobs, not one per chunk and table.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
import pyarrow as pa
import sqlglot
from sqlglot import exp

from loaders.aggregate import ExchangeAggregate
from loaders.engine import EngineReads, _private_files, chunk_tables, sql_statements

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_FLUSH_ROWS: Final = 2_000_000
APP_NAME: Final = "sockhound-load"


@cache
def spark_statement(statement: str) -> exp.Expr:
    """One DuckDB-dialect statement of ours, parsed (the parse is cached; parameters are bound later)."""
    parsed = sqlglot.parse_one(statement, read="duckdb")
    if parsed is None:
        raise ValueError("empty SQL statement")
    return parsed


def to_spark_sql(statement: str, database: str, parameters: Mapping[str, int] | None = None) -> str:
    """Spark SQL for a statement of ``loaders/sql``: tables qualified by ``database``, ``$name`` parameters
    bound as integer literals (they are ours, e.g. ``min_accounts``; anything but an int is refused)."""
    tree = spark_statement(statement).copy()
    values = dict(parameters or {})

    def bind(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Parameter | exp.Placeholder):
            name = node.name
            if name not in values:
                raise KeyError(f"SQL parameter ${name} has no value")
            value = values[name]
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"SQL parameter ${name} must be an int")
            return exp.Literal.number(value)
        if isinstance(node, exp.Table) and not node.args.get("db"):
            node.set("db", exp.to_identifier(database))
        return node

    return tree.transform(bind).sql(dialect="spark")


def session_config(directory: Path, *, driver_memory: str) -> dict[str, str]:
    """Spark settings of a session a load starts: everything it writes inside ``directory`` (private)."""
    temp = directory / "tmp"
    java_options = f"-Djava.io.tmpdir={temp} -XX:-UsePerfData"
    return {
        "spark.local.dir": str(temp),
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.driver.extraJavaOptions": java_options,
        "spark.executor.extraJavaOptions": java_options,
        "spark.driver.memory": driver_memory,
        "spark.ui.enabled": "false",
        "spark.eventLog.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.ansi.enabled": "true",
    }


def start_session(directory: Path, *, master: str, remote: str | None, driver_memory: str) -> SparkSession:
    """A new SparkSession for one load (local mode: in this process's JVM, files in ``directory``)."""
    from pyspark.sql import SparkSession

    if SparkSession.getActiveSession() is not None:
        raise RuntimeError("a SparkSession is already running in this process; pass it to the engine instead")
    builder = SparkSession.builder.appName(APP_NAME)
    if remote:
        return builder.remote(remote).getOrCreate()
    config: dict[str, bool | float | int | str | None] = {
        **session_config(directory, driver_memory=driver_memory)}
    with _private_files():  # the JVM inherits umask 077: its files are 0600, its directories 0700
        session = builder.master(master).config(map=config).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkAggregationEngine(EngineReads):
    """One load's aggregation on Spark (a context manager), the same interface as ``AggregationEngine``.

    ``session``: a running SparkSession to use (kept running at close); without it the engine starts its
    own (``start_session``) and stops it at close.
    """

    def __init__(self, directory: Path, *, session: SparkSession | None = None, master: str = "local[2]",
                 remote: str | None = None, driver_memory: str = "1g",
                 flush_rows: int = DEFAULT_FLUSH_ROWS) -> None:
        self.directory = directory
        with _private_files():
            directory.mkdir(parents=True, exist_ok=False, mode=0o700)
            (directory / "tmp").mkdir(mode=0o700)
        self.owns_session = session is None
        self.local = remote is None and (session is not None or master.startswith("local"))
        try:
            self.session = session or start_session(directory, master=master, remote=remote,
                                                     driver_memory=driver_memory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self.database = f"sockhound_load_{secrets.token_hex(6)}"
        self.flush_rows = flush_rows
        self._buffers: dict[str, list[pa.Table]] = {}
        self._columns: dict[str, list[str]] = {}
        location = ""
        if self.local:
            location = " LOCATION " + exp.Literal.string(str(directory / "warehouse")).sql(dialect="spark")
        self._sql(f"CREATE DATABASE {self.database}{location}")
        self.run("chunk_tables")

    def __enter__(self) -> SparkAggregationEngine:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Drop this load's database, stop a session the engine started, remove its directory."""
        try:
            self._sql(f"DROP DATABASE IF EXISTS {self.database} CASCADE")
            if self.owns_session:
                self.session.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _sql(self, text: str) -> Any:
        with _private_files():
            return self.session.sql(text)

    def run(self, name: str, parameters: dict[str, int] | None = None) -> None:
        """Run every statement of a SQL file, transpiled to Spark SQL."""
        for statement in sql_statements(name):
            self._sql(to_spark_sql(statement, self.database, parameters)).collect()

    @property
    def bytes_on_disk(self) -> int:
        return sum(path.stat().st_size for path in self.directory.rglob("*") if path.is_file())

    # -- in -------------------------------------------------------------------------------------------------

    def add(self, chunk: ExchangeAggregate) -> None:
        """Buffer one chunk's aggregate; a table's buffer goes to Spark once it holds ``flush_rows`` rows."""
        for table, arrow in chunk_tables(chunk):
            buffer = self._buffers.setdefault(table, [])
            buffer.append(arrow)
            if sum(len(part) for part in buffer) >= self.flush_rows:
                self._flush(table)

    def _flush(self, table: str) -> None:
        parts = self._buffers.pop(table, [])
        if not parts:
            return
        qualified = f"{self.database}.{table}"
        if table not in self._columns:
            self._columns[table] = self.session.table(qualified).columns
        arrow = pa.concat_tables(parts, promote_options="permissive").select(self._columns[table])
        with _private_files():
            self.session.createDataFrame(arrow.to_pandas()).write.insertInto(qualified)

    # -- the batch ------------------------------------------------------------------------------------------

    def finish(self, *, min_accounts: int, per_account: int) -> None:
        """Merge the chunks and derive the batch's fingerprint edges (see ``sql/fingerprint_edges.sql``)."""
        for table in list(self._buffers):
            self._flush(table)
        self.run("merge_batch")
        self.run("fingerprint_edges", {"min_accounts": min_accounts, "per_account": per_account})

    # -- out ------------------------------------------------------------------------------------------------

    def frame_of(self, table: str, columns: str, order: str,
                 partition: tuple[int, int] | None = None) -> pd.DataFrame:
        from pyspark.sql import functions

        frame = self.session.table(f"{self.database}.{table}")
        names = [name.strip() for name in columns.split(",")]
        frame = frame.select(*names)
        if partition:
            partitions, part = partition
            frame = frame.where(functions.pmod(functions.hash("accountId"), functions.lit(partitions)) == part)
        if order:
            frame = frame.orderBy(*[name.strip() for name in order.split(",")])
        with _private_files():
            result: pd.DataFrame = frame.toPandas()
        return result

    def scalar(self, sql: str) -> int:
        rows = self._sql(to_spark_sql(sql, self.database)).collect()
        return int(rows[0][0]) if rows else 0
