"""The batch-wide aggregation on an embedded DuckDB: chunk aggregates in, the batch's merged rows out.

Python validates, hashes and fingerprints each chunk (vectorised) and pre-aggregates it
(``ExchangeAggregator.aggregate``); the chunk's frames go into DuckDB as Arrow tables. Everything that needs
the whole batch runs in DuckDB, as SQL kept in ``loaders/sql/*.sql``: merging the chunks per identity, the
canonical prompt rows, the "shared by two or more accounts, each account's ten most used per kind" rule for
prompt fingerprints, and the node rows. DuckDB spills to disk under ``memory_limit`` (its own out-of-core
group-by), so there is no hand-written spill, counter or read-ahead.

Everything DuckDB writes lives in one private (0700) directory under the report directory: the database
file and its WAL, and ``tmp/`` (0700), DuckDB's ``temp_directory``, where it spills what exceeds
``memory_limit`` (without the setting a file database spills next to itself, to ``aggregate.duckdb.tmp``).
Every DuckDB call runs under umask 077, so its files are 0600. The directory is removed when the session
closes; a killed load's is removed by the next load. It holds keyed hashes, account ids and numbers, never a
raw IP, e-mail, card or prompt (tests/integration/test_load_privacy.py reads every file while a load spills).

Reading back is by account partition (``hash(accountId) % partitions``): one partition's merged frames are
in Python memory at a time. The read side (``EngineReads``) is shared with the Spark engine
(``loaders.spark_engine``), which runs the same SQL files transpiled by SQLGlot; an engine only says how to
read one table (``frame_of``) and one number (``scalar``).
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from loaders.aggregate import CAPABILITY_COLUMNS, ExchangeAggregate

SPILL_PREFIX: Final = "spill-"
SQL_ROOT: Final = Path(__file__).resolve().parent / "sql"
MAX_PARTITIONS: Final = 256
NS_PER_MS: Final = 1_000_000
ENGINES: Final = ("duckdb", "spark")
OUTPUT_TABLES: Final = (
    "seen_from", "ips", "activity", "hours", "models", "sync", "prompts", "prompt_bands", "prompt_sent",
    "upstream_sent", "kind_rows", "shared_keys", "capped_edges", "sent_edges", "fingerprint_nodes",
)
"""Every table ``finish`` creates (merge_batch.sql, fingerprint_edges.sql), in creation order."""
DISTINCT_FINGERPRINT_KEYS_SQL: Final = (
    "SELECT (SELECT count(*) FROM (SELECT DISTINCT kind, keyHigh FROM kind_rows) AS k) "
    "+ (SELECT count(DISTINCT fingerprintKey) FROM upstream_sent) AS n")


@cache
def sql_statements(name: str) -> tuple[str, ...]:
    """The statements of ``loaders/sql/{name}.sql`` (``;``-separated; ``--`` comment lines dropped)."""
    text = (SQL_ROOT / f"{name}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return tuple(statement.strip() for statement in body.split(";") if statement.strip())


def partition_count(input_bytes: int, bytes_per_partition: int) -> int:
    """Account partitions for a batch of ``input_bytes`` exchange files (as stored)."""
    return max(1, min(MAX_PARTITIONS, -(-input_bytes // max(1, bytes_per_partition))))


def remove_stale_spills(report_dir: Path) -> None:
    """Remove spill directories a killed load left behind."""
    if report_dir.is_dir():
        for stale in report_dir.glob(f"{SPILL_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def private_files() -> Iterator[None]:
    """Files created meanwhile are 0600 (directories 0700); umask is per process, so it is set back after."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _ns(values: pd.Series | pd.Index) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.asarray(values.to_numpy(dtype="datetime64[ns]").view(np.int64))


def _flat(frame: pd.DataFrame, times: tuple[str, ...] = ("firstSeen", "lastSeen")) -> pd.DataFrame:
    flat = frame.reset_index()
    for column in times:
        if column in flat.columns:
            flat[column] = _ns(flat[column])
    return flat


def chunk_tables(chunk: ExchangeAggregate) -> Iterator[tuple[str, pa.Table]]:
    """One chunk's aggregate as the rows of the ``chunk_*`` tables (sql/chunk_tables.sql), non-empty only.

    Unsigned 64-bit keys travel bit for bit as int64 (both engines have BIGINT, only DuckDB has UBIGINT).
    """
    frames: list[tuple[str, pd.DataFrame | pa.Table]] = [
        ("chunk_seen_from", _flat(chunk.seen_from)),
        ("chunk_ips", chunk.ips.reset_index()),
        ("chunk_prompt_sent", _signed(_flat(chunk.prompt_sent), "promptKey")),
        *_prompt_tables(chunk.prompts),
        ("chunk_upstream_sent", _flat(chunk.upstream_sent)),
        ("chunk_activity", _flat(chunk.activity)),
        ("chunk_hours", chunk.hours.reset_index()),
        ("chunk_models", chunk.models.reset_index()),
    ]
    sync = chunk.sync
    if len(sync):
        slots = sync.shape[1]
        frames.append(("chunk_sync", pd.DataFrame({
            "accountId": np.repeat(sync.index.to_numpy(dtype=object), slots),
            "slot": np.tile(np.arange(slots, dtype=np.int16), len(sync)),
            "value": sync.to_numpy(dtype=np.int64).ravel(),
        })))
    for table, frame in frames:
        if len(frame):
            yield table, frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)


def _signed(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].to_numpy(dtype=np.uint64).view(np.int64)
    return frame


def _int64(values: pd.Series | pd.Index) -> pa.Array:
    return pa.array(values.to_numpy(dtype=np.uint64).view(np.int64), pa.int64())


def _prompt_tables(prompts: pd.DataFrame) -> list[tuple[str, pa.Table]]:
    """``chunk_prompts`` and ``chunk_prompt_bands`` (one row per band key of a prompt that has bands)."""
    if len(prompts) == 0:
        return []
    band_columns = [name for name in prompts.columns if name.startswith("b") and name[1:].isdigit()]
    keys, high, low = prompts.index, prompts["templateHigh"], prompts["templateLow"]
    with_bands = prompts["hasBands"].to_numpy(dtype=bool)
    width = len(band_columns)
    bands = prompts.loc[with_bands, band_columns].to_numpy(dtype=np.uint64)
    repeat = np.repeat
    return [
        ("chunk_prompts", pa.table({
            "promptKey": _int64(keys), "exactLow": _int64(prompts["exactLow"]),
            "templateHigh": _int64(high), "templateLow": _int64(low),
        })),
        ("chunk_prompt_bands", pa.table({
            "promptKey": pa.array(repeat(keys.to_numpy(dtype=np.uint64)[with_bands].view(np.int64), width)),
            "templateHigh": pa.array(repeat(high.to_numpy(dtype=np.uint64)[with_bands].view(np.int64), width)),
            "templateLow": pa.array(repeat(low.to_numpy(dtype=np.uint64)[with_bands].view(np.int64), width)),
            "band": pa.array(bands.ravel().view(np.int64)),
        })),
    ]


class EngineReads(ABC):
    """The read side both engines share: merged rows back as frames, by account partition."""

    @abstractmethod
    def frame_of(self, table: str, columns: str, order: str,
                 partition: tuple[int, int] | None = None) -> pd.DataFrame:
        """``SELECT columns FROM table [WHERE account partition = part of n] ORDER BY order``.

        ``columns`` and ``order`` are comma-separated column names of ours (never input).
        """

    @abstractmethod
    def scalar(self, sql: str) -> int:
        """One number from a query written in DuckDB's dialect (transpiled where the engine needs it)."""

    def distinct_fingerprint_keys(self) -> int:
        return self.scalar(DISTINCT_FINGERPRINT_KEYS_SQL)

    def table_rows(self, table: str) -> set[tuple[Any, ...]]:
        """Every row of an output table as a set of tuples (the parity test compares engines with it)."""
        frame = self.frame_of(table, "*", "")
        return set(frame.itertuples(index=False, name=None))

    def ips(self) -> pd.DataFrame:
        """ipKey -> version, subnetKey (every IP of the batch), sorted."""
        return self.frame_of("ips", "ipKey, version, subnetKey", "ipKey").set_index("ipKey")

    def partitions(self, partitions: int, empty: ExchangeAggregate) -> Iterator[ExchangeAggregate]:
        """Per account partition, the merged per-account frames (seen_from, activity, hours, models, sync)
        in ``ExchangeAggregate`` form; the fingerprint frames stay empty (they come from ``sent_edges``)."""
        for part in range(partitions):
            bounds = (partitions, part)
            activity = self.frame_of("activity", "*", "accountId", bounds)
            if len(activity) == 0:
                continue
            seen_from = self.frame_of("seen_from", "*", "accountId, ipKey", bounds)
            hours = self.frame_of("hours", "*", "accountId, hour", bounds)
            models = self.frame_of("models", "*", "accountId, model", bounds)
            sync = self.frame_of("sync", "*", "accountId, slot", bounds)
            yield ExchangeAggregate(
                seen_from=_timed(seen_from).set_index(["accountId", "ipKey"]),
                ips=empty.ips,
                prompt_sent=empty.prompt_sent,
                prompts=empty.prompts,
                upstream_sent=empty.upstream_sent,
                activity=_activity_frame(activity),
                hours=hours.set_index(["accountId", "hour"]),
                models=models.set_index(["accountId", "model"]),
                sync=_sync_frame(sync),
            )

    def fingerprint_node_rows(self) -> list[dict[str, Any]]:
        """``{key, kind, accounts, count}`` per PromptFingerprint written, sorted by key."""
        return _rows(self.frame_of("fingerprint_nodes", "key, kind, accounts, count", "key"))

    def sent_rows(self, partitions: int) -> Iterator[list[dict[str, Any]]]:
        """SENT rows ``{accountId, fingerprintKey, kind, count, firstSeen, lastSeen}`` (epoch ms), by partition."""
        for part in range(partitions):
            frame = self.frame_of("sent_edges", "accountId, fingerprintKey, kind, count, firstSeen, lastSeen",
                                  "accountId, kind, fingerprintKey", (partitions, part))
            if len(frame):
                for column in ("firstSeen", "lastSeen"):
                    frame[column] = frame[column].to_numpy(dtype=np.int64) // NS_PER_MS
                yield _rows(frame)


class AggregationEngine(EngineReads):
    """One load's DuckDB session (a context manager): ``add`` chunk aggregates, ``finish``, then read."""

    def __init__(self, directory: Path, *, memory_limit: str, threads: int | None = None) -> None:
        self.directory = directory
        self.temp_directory = directory / "tmp"
        with private_files():
            directory.mkdir(parents=True, exist_ok=False, mode=0o700)
            self.temp_directory.mkdir(mode=0o700)
            self.connection = duckdb.connect(str(directory / "aggregate.duckdb"))
            self.connection.execute("SET memory_limit = ?", [memory_limit])
            self.connection.execute("SET temp_directory = ?", [str(self.temp_directory)])
            self.connection.execute("SET preserve_insertion_order = false")
            if threads is not None:
                self.connection.execute("SET threads = ?", [threads])
        self.run("chunk_tables")

    def __enter__(self) -> AggregationEngine:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the session and remove its directory (database, WAL, temporary files)."""
        try:
            self.connection.close()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def run(self, name: str, parameters: dict[str, Any] | None = None) -> None:
        """Run every statement of a SQL file; a statement gets the parameters it names."""
        with private_files():  # files DuckDB creates now (WAL, temporary files) are 0600
            for statement in sql_statements(name):
                used = {key: value for key, value in (parameters or {}).items() if f"${key}" in statement}
                self.connection.execute(statement, used or None)

    @property
    def bytes_on_disk(self) -> int:
        return sum(path.stat().st_size for path in self.directory.rglob("*") if path.is_file())

    # -- in -------------------------------------------------------------------------------------------------

    def add(self, chunk: ExchangeAggregate) -> None:
        """Append one chunk's aggregate (numbers and keyed hashes)."""
        with private_files():
            for table, arrow in chunk_tables(chunk):
                self.connection.register("incoming", arrow)
                self.connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                self.connection.unregister("incoming")

    # -- the batch ------------------------------------------------------------------------------------------

    def finish(self, *, min_accounts: int, per_account: int) -> None:
        """Merge the chunks and derive the batch's fingerprint edges (see ``sql/fingerprint_edges.sql``)."""
        self.run("merge_batch")
        self.run("fingerprint_edges", {"min_accounts": min_accounts, "per_account": per_account})

    # -- out ------------------------------------------------------------------------------------------------

    def frame_of(self, table: str, columns: str, order: str,
                 partition: tuple[int, int] | None = None) -> pd.DataFrame:
        where = " WHERE hash(accountId) % ? = ?" if partition else ""
        order_by = f" ORDER BY {order}" if order else ""
        with private_files():  # a large ORDER BY may spill too
            return self.connection.execute(f"SELECT {columns} FROM {table}{where}{order_by}",
                                           list(partition) if partition else None).df()

    def scalar(self, sql: str) -> int:
        with private_files():
            row = self.connection.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    names = [str(column) for column in frame.columns]
    columns = [frame[column].tolist() for column in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _timed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("firstSeen", "lastSeen"):
        frame[column] = pd.to_datetime(frame[column].to_numpy(dtype=np.int64), unit="ns", utc=True)
    return frame


def _activity_frame(activity: pd.DataFrame) -> pd.DataFrame:
    frame = _timed(activity).set_index("accountId")
    columns = ["exchanges", "inputTokens", "outputTokens", "tokenReports", "firstSeen", "lastSeen",
               *CAPABILITY_COLUMNS]
    return frame[columns]


def _sync_frame(sync: pd.DataFrame) -> pd.DataFrame:
    wide = sync.pivot(index="accountId", columns="slot", values="value").sort_index()
    wide.columns = [f"s{int(slot)}" for slot in wide.columns]
    return wide.astype(np.int64)
