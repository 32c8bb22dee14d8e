"""The batch-wide aggregation on Apache Spark: the same ``loaders/sql/*.sql``, transpiled by SQLGlot.

Why SQLGlot rather than Ibis: the aggregation already was SQL in ``.sql`` files, reviewed as SQL and run by
DuckDB as it stands; SQLGlot turns each statement into Spark SQL without a second expression language or a
backend layer between us and either engine (Ibis would mean rewriting the SQL as Python expressions and
pulling in its backends). What SQLGlot cannot translate is kept out of the SQL: 64-bit keys are BIGINT bit
for bit (no UBIGINT in Spark) and ordered as unsigned by an explicit sign test, hex keys are
``lpad(lower(hex(x)), 16, '0')`` (two's complement in both engines), and band keys are rows, not lists. So
both engines compute exactly the same rows (tests/integration/test_engine_spark.py compares every table).

Where Spark keeps things: every table is a temporary view of this load (names prefixed, so loads sharing
a session do not meet), the merged ones cached (``CACHE LAZY TABLE t AS query``: memory, then disk);
nothing goes to a warehouse. A session this engine starts itself (``local[N]``, the default ``local[2]``)
has ``spark.local.dir`` (shuffle files, cached blocks that spill, pyspark's Arrow transfer files) and the
JVM's ``java.io.tmpdir`` inside the load's private directory, is started under umask 077 (its files are
0600), has no UI, no console progress and no event log, logs at ERROR, and stops when the engine closes.
Only keyed hashes, account ids and numbers reach Spark, as with DuckDB. With ``SPARK_REMOTE`` (Spark
Connect) or a cluster master the same views live in that cluster's session and executors.

Chunk rows reach Spark through ``createDataFrame`` from Arrow-backed pandas, buffered to ``flush_rows``
rows per table and checkpointed locally (``localCheckpoint``: lineage cut, blocks spill to local disk), so
a batch is a few Spark jobs, not one per chunk and table.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from functools import cache, reduce
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final

import pandas as pd
import pyarrow as pa
import sqlglot
from sqlglot import exp

from loaders.aggregate import ExchangeAggregate
from loaders.engine import EngineReads, chunk_tables, private_files, sql_statements

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_FLUSH_ROWS: Final = 2_000_000
APP_NAME: Final = "sockhound-load"


@cache
def spark_statement(statement: str) -> exp.Expr:
    """One DuckDB-dialect statement of ours, parsed (the parse is cached; parameters are bound later)."""
    parsed = sqlglot.parse_one(statement, read="duckdb")
    if parsed is None:
        raise ValueError("empty SQL statement")
    return parsed


def to_spark_sql(statement: str, prefix: str, parameters: Mapping[str, int] | None = None) -> exp.Expr:
    """A statement of ``loaders/sql`` as a Spark SQL tree: table names get ``prefix`` (this load's own
    temporary views), ``$name`` parameters are bound as integer literals (they are ours, e.g.
    ``min_accounts``; anything but an int is refused). ``.sql(dialect="spark")`` gives the text."""
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
        if isinstance(node, exp.Table):
            node.set("this", exp.to_identifier(prefix + node.name))
        return node

    return tree.transform(bind)


def local_cores(master: str) -> int:
    """Cores of a ``local[N]`` / ``local[*]`` / ``local`` master (1 for anything else)."""
    inside = master.partition("[")[2].partition("]")[0].partition(",")[0]
    if inside == "*":
        return os.cpu_count() or 1
    return int(inside) if inside.isdigit() else 1


def session_config(directory: Path, *, driver_memory: str, master: str = "local[2]") -> dict[str, str]:
    """Spark settings of a session a load starts: everything it writes inside ``directory`` (private).

    Shuffle partitions: one per local core (measured on 60k exchanges at local[2]: 2 partitions took about
    half the time of 8; adaptive execution coalesces or splits them as the data needs)."""
    temp = directory / "tmp"
    java_options = f"-Djava.io.tmpdir={temp} -XX:-UsePerfData"
    return {
        "spark.local.dir": str(temp),
        "spark.sql.warehouse.dir": str(directory / "warehouse"),  # nothing is written there (temp views only)
        "spark.driver.extraJavaOptions": java_options,
        "spark.executor.extraJavaOptions": java_options,
        "spark.driver.memory": driver_memory,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.level": "ERROR",
        "spark.eventLog.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(local_cores(master)),
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
        **session_config(directory, driver_memory=driver_memory, master=master)}
    previous = tempfile.tempdir
    tempfile.tempdir = str(directory / "tmp")  # pyspark's gateway hand-shake file, not the default /tmp
    try:
        with private_files():  # the JVM inherits umask 077: its files are 0600, its directories 0700
            session = builder.master(master).config(map=config).getOrCreate()
    finally:
        tempfile.tempdir = previous
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
        with private_files():
            directory.mkdir(parents=True, exist_ok=False, mode=0o700)
            (directory / "tmp").mkdir(mode=0o700)
        self.owns_session = session is None
        try:
            self.session = session or start_session(directory, master=master, remote=remote,
                                                     driver_memory=driver_memory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self.prefix = f"sockhound_{secrets.token_hex(6)}_"
        self.flush_rows = flush_rows
        self._buffers: dict[str, list[pa.Table]] = {}
        self._schemas: dict[str, str] = {}
        self._columns: dict[str, list[str]] = {}
        self._pieces: dict[str, list[DataFrame]] = {}
        self._views: list[str] = []
        self.run("chunk_tables")

    def __enter__(self) -> SparkAggregationEngine:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Drop this load's views and their cached data, stop a session the engine started, remove the
        directory."""
        try:
            if self.owns_session:
                self.session.stop()
            else:
                for view in reversed(self._views):
                    self.session.sql(f"UNCACHE TABLE IF EXISTS {view}").collect()
                    self.session.catalog.dropTempView(view)
                for pieces in self._pieces.values():
                    for piece in pieces:
                        piece.unpersist()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def run(self, name: str, parameters: dict[str, int] | None = None) -> None:
        """Run every statement of a SQL file on Spark: ``CREATE TABLE t (columns)`` declares a chunk table
        (its rows come from ``add``), ``CREATE TABLE t AS query`` becomes ``CACHE LAZY TABLE t AS query`` (a
        temporary view cached when first computed; Spark keeps it in memory and spills to
        ``spark.local.dir``). Lazy: an eager cache is one more Spark job per table, and each is read anyway."""
        for statement in sql_statements(name):
            tree = to_spark_sql(statement, self.prefix, parameters)
            if not isinstance(tree, exp.Create):
                raise ValueError(f"loaders/sql/{name}.sql: only CREATE TABLE statements run on Spark")
            target = tree.this
            if isinstance(target, exp.Schema):
                self._schemas[target.this.name] = ", ".join(column.sql(dialect="spark")
                                                            for column in target.expressions)
                self._columns[target.this.name] = [column.name for column in target.expressions]
                continue
            view = target.name
            with private_files():
                self.session.sql(f"CACHE LAZY TABLE {view} AS {tree.expression.sql(dialect='spark')}").collect()
            self._views.append(view)

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
        """Send a table's buffered rows to Spark as one checkpointed piece (memory, then local disk)."""
        parts = self._buffers.pop(table, [])
        if not parts:
            return
        view = self.prefix + table
        schema = self._schemas[view]
        frame = pa.concat_tables(parts, promote_options="permissive").select(self._columns[view]).to_pandas()
        with private_files():
            piece = self.session.createDataFrame(frame, schema=schema).localCheckpoint(eager=True)
        self._pieces.setdefault(view, []).append(piece)

    # -- the batch ------------------------------------------------------------------------------------------

    def finish(self, *, min_accounts: int, per_account: int) -> None:
        """Merge the chunks and derive the batch's fingerprint edges (see ``sql/fingerprint_edges.sql``)."""
        for table in list(self._buffers):
            self._flush(table)
        for view, schema in self._schemas.items():
            pieces = self._pieces.get(view) or [self.session.createDataFrame([], schema=schema)]
            union = reduce(lambda left, right: left.unionByName(right), pieces)
            union.createOrReplaceTempView(view)
            self._views.append(view)
        self.run("merge_batch")
        self.run("fingerprint_edges", {"min_accounts": min_accounts, "per_account": per_account})

    # -- out ------------------------------------------------------------------------------------------------

    def frame_of(self, table: str, columns: str, order: str,
                 partition: tuple[int, int] | None = None) -> pd.DataFrame:
        from pyspark.sql import functions

        frame = self.session.table(self.prefix + table)
        names = [name.strip() for name in columns.split(",")]
        frame = frame.select(*names)
        if partition:
            partitions, part = partition
            frame = frame.where(functions.pmod(functions.hash("accountId"), functions.lit(partitions)) == part)
        if order:
            frame = frame.orderBy(*[name.strip() for name in order.split(",")])
        with private_files():
            result: pd.DataFrame = frame.toPandas()
        return result

    def scalar(self, sql: str) -> int:
        with private_files():
            rows = self.session.sql(to_spark_sql(sql, self.prefix).sql(dialect="spark")).collect()
        return int(rows[0][0]) if rows else 0
