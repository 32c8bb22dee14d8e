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
in Python memory at a time.
"""

from __future__ import annotations

import os
import shutil
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
def _private_files() -> Iterator[None]:
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


class AggregationEngine:
    """One load's DuckDB session (a context manager): ``add`` chunk aggregates, ``finish``, then read."""

    def __init__(self, directory: Path, *, memory_limit: str, threads: int | None = None) -> None:
        self.directory = directory
        self.temp_directory = directory / "tmp"
        with _private_files():
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
        with _private_files():  # files DuckDB creates now (WAL, temporary files) are 0600
            for statement in sql_statements(name):
                used = {key: value for key, value in (parameters or {}).items() if f"${key}" in statement}
                self.connection.execute(statement, used or None)

    @property
    def bytes_on_disk(self) -> int:
        return sum(path.stat().st_size for path in self.directory.rglob("*") if path.is_file())

    # -- in -------------------------------------------------------------------------------------------------

    def _append(self, table: str, frame: pd.DataFrame | pa.Table) -> None:
        if len(frame) == 0:
            return
        arrow = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        with _private_files():
            self.connection.register("incoming", arrow)
            self.connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
            self.connection.unregister("incoming")

    def add(self, chunk: ExchangeAggregate) -> None:
        """Append one chunk's aggregate (numbers and keyed hashes)."""
        self._append("chunk_seen_from", _flat(chunk.seen_from))
        self._append("chunk_ips", chunk.ips.reset_index())
        self._append("chunk_prompt_sent", _flat(chunk.prompt_sent))
        self._append("chunk_prompts", self._prompt_table(chunk.prompts))
        self._append("chunk_upstream_sent", _flat(chunk.upstream_sent))
        self._append("chunk_activity", _flat(chunk.activity))
        self._append("chunk_hours", chunk.hours.reset_index())
        self._append("chunk_models", chunk.models.reset_index())
        sync = chunk.sync
        if len(sync):
            slots = sync.shape[1]
            self._append("chunk_sync", pd.DataFrame({
                "accountId": np.repeat(sync.index.to_numpy(dtype=object), slots),
                "slot": np.tile(np.arange(slots, dtype=np.int16), len(sync)),
                "value": sync.to_numpy(dtype=np.int64).ravel(),
            }))

    @staticmethod
    def _prompt_table(prompts: pd.DataFrame) -> pa.Table:
        band_columns = [name for name in prompts.columns if name.startswith("b") and name[1:].isdigit()]
        width = len(band_columns)
        values = pa.array(prompts[band_columns].to_numpy(dtype=np.uint64).ravel(), pa.uint64())
        offsets = pa.array(np.arange(len(prompts) + 1, dtype=np.int32) * width, pa.int32())
        without_bands = pa.array(~prompts["hasBands"].to_numpy(dtype=bool))
        bands = pa.ListArray.from_arrays(offsets, values, mask=without_bands)
        return pa.table({
            "promptKey": pa.array(prompts.index.to_numpy(dtype=np.uint64)),
            "exactLow": pa.array(prompts["exactLow"].to_numpy(dtype=np.uint64)),
            "templateHigh": pa.array(prompts["templateHigh"].to_numpy(dtype=np.uint64)),
            "templateLow": pa.array(prompts["templateLow"].to_numpy(dtype=np.uint64)),
            "bands": bands,
        })

    # -- the batch ------------------------------------------------------------------------------------------

    def finish(self, *, min_accounts: int, per_account: int) -> None:
        """Merge the chunks and derive the batch's fingerprint edges (see ``sql/fingerprint_edges.sql``)."""
        self.run("merge_batch")
        self.run("fingerprint_edges", {"min_accounts": min_accounts, "per_account": per_account})

    def distinct_fingerprint_keys(self) -> int:
        with _private_files():
            row = self.connection.execute(
            "SELECT (SELECT count(*) FROM (SELECT DISTINCT kind, keyHigh FROM kind_rows)) "
                "+ (SELECT count(DISTINCT fingerprintKey) FROM upstream_sent)").fetchone()
        return int(row[0]) if row else 0

    # -- out ------------------------------------------------------------------------------------------------

    def frame(self, sql: str, parameters: list[Any] | None = None) -> pd.DataFrame:
        with _private_files():  # a large ORDER BY may spill too
            return self.connection.execute(sql, parameters).df()

    def ips(self) -> pd.DataFrame:
        """ipKey -> version, subnetKey (every IP of the batch), sorted."""
        return self.frame("SELECT ipKey, version, subnetKey FROM ips ORDER BY ipKey").set_index("ipKey")

    def partitions(self, partitions: int, empty: ExchangeAggregate) -> Iterator[ExchangeAggregate]:
        """Per account partition, the merged per-account frames (seen_from, activity, hours, models, sync)
        in ``ExchangeAggregate`` form; the fingerprint frames stay empty (they come from ``sent_edges``)."""
        for part in range(partitions):
            where = "WHERE hash(accountId) % ? = ?"
            bounds = [partitions, part]
            activity = self.frame(f"SELECT * FROM activity {where} ORDER BY accountId", bounds)
            if len(activity) == 0:
                continue
            seen_from = self.frame(f"SELECT * FROM seen_from {where} ORDER BY accountId, ipKey", bounds)
            hours = self.frame(f"SELECT * FROM hours {where} ORDER BY accountId, hour", bounds)
            models = self.frame(f"SELECT * FROM models {where} ORDER BY accountId, model", bounds)
            sync = self.frame(f"SELECT * FROM sync {where} ORDER BY accountId, slot", bounds)
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
        return _rows(self.frame("SELECT key, kind, accounts, count FROM fingerprint_nodes ORDER BY key"))

    def sent_rows(self, partitions: int) -> Iterator[list[dict[str, Any]]]:
        """SENT rows ``{accountId, fingerprintKey, kind, count, firstSeen, lastSeen}`` (epoch ms), by partition."""
        for part in range(partitions):
            frame = self.frame(
                "SELECT accountId, fingerprintKey, kind, count, firstSeen // 1000000 AS firstSeen, "
                "lastSeen // 1000000 AS lastSeen FROM sent_edges WHERE hash(accountId) % ? = ? "
                "ORDER BY accountId, kind, fingerprintKey", [partitions, part])
            if len(frame):
                yield _rows(frame)


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
