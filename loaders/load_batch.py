"""`sockhound load DIR`: one contract batch into Neo4j — get → validate → transform → aggregate → write.

Guarantees (stated in the README, tested in tests/integration/test_load.py):

* **Idempotent.** A batch is identified by the SHA-256 of its files. Loading a completed batch again
  changes nothing. Every aggregate update carries the batch's ordinal (`appliedSeq` on edges,
  `activitySeq` on accounts) and is skipped where that ordinal was already applied, so a batch adds to
  aggregates exactly once however often it is replayed.
* **Resumable.** A load killed at any point (SIGKILL included) and run again recomputes the same
  aggregates from the same files and replays every write; the guard makes the replay exact. Writes are
  batched `UNWIND $rows` statements in managed transactions, retried while Neo4j restarts.
* **Request ids count once.** Within a batch, a repeated request id is quarantined as a duplicate and its
  first row counts. Across batches, the request ids each batch counted are kept (64-bit hashes) in
  `:RequestLedger` shards, and a later batch skips those already counted by another batch.
* **Nothing raw.** IPs, emails, payment fingerprints and prompts become keyed hashes before they leave
  this process; card-number-looking payment values are quarantined masked and never hashed.
* **Bounded memory.** Chunk aggregates go into an embedded DuckDB (``loaders.engine``; or Apache Spark with
  ``engine="spark"``, ``loaders.spark_engine``, the same SQL) that merges them
  under a memory limit (spilling to a private directory under the report directory) and derives the
  batch's fingerprint edges; the merged rows are read back and written one account partition at a time.
  Each edge is still written once per batch, so the guard holds.

Why over 400 lines: the flow, its report and the small writers' helpers (ledger, sync buckets) share the
loader's state; the aggregation (``loaders.engine``, ``loaders.spark_engine``) and the rows
(``loaders.rows``) are modules of their own.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.aggregate import ExchangeAggregator
from loaders.batch_files import DEFAULT_CHUNK_ROWS, discover_tables, display_name
from loaders.engine import SPILL_PREFIX, AggregationEngine, EngineReads, partition_count, remove_stale_spills
from loaders.quarantine import QuarantineWriter, validated_table, write_private_text
from loaders.rows import account_rows, activity_rows, ip_rows, model_rows, payment_rows, seen_from_rows
from queries import load_query
from sockhound.fingerprints import hex_keys
from sockhound.graph import Graph
from sockhound.key_check import verify_graph_key
from sockhound.label_decisions import label_decision_key
from sockhound.migrations import apply_migrations
from sockhound.privacy import KeyedHasher

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from loaders.spark_engine import SparkAggregationEngine

LEDGER_SHARD_SIZE = 1_000_000
COMMON_EVIDENCE_ACCOUNTS = 200
SHARED_FINGERPRINT_MIN_ACCOUNTS = 2
FINGERPRINTS_PER_ACCOUNT_AND_KIND = 10
SHARD_INPUT_BYTES = 256 * 1024 * 1024
"""Exchange file bytes (as stored: gzip, Parquet, ...) per account partition read back from the engine."""
ProgressCallback = Callable[[str, int], None]


@dataclass
class TableReport:
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0


@dataclass
class LoadReport:
    batch: str  # the batch directory's name, never its local path (it lands in the graph and the report)
    batch_id: str
    ordinal: int
    outcome: str  # "loaded" | "already loaded"
    attempts: int
    tables: dict[str, TableReport] = field(default_factory=dict)
    exchanges_already_counted: int = 0
    shards: int = 0
    spill_bytes: int = 0
    fingerprint_keys_counted: int = 0
    edges_written: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    report_dir: str = ""

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time the block takes to ``stage`` (a stage may run in several pieces)."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - began

    @property
    def quarantined(self) -> int:
        return sum(table.rows_quarantined for table in self.tables.values())

    @property
    def exchanges_per_second(self) -> float:
        exchanges = self.tables.get("exchanges")
        total = self.seconds.get("total", 0.0)
        return (exchanges.rows_read / total) if exchanges and total > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["quarantined"] = self.quarantined
        document["exchanges_per_second"] = round(self.exchanges_per_second, 1)
        return document

    def summary(self) -> str:
        lines = [f"batch {self.batch} ({self.batch_id[:12]}, ordinal {self.ordinal}): {self.outcome}"]
        for name, table in self.tables.items():
            lines.append(
                f"  {name:<16} read {table.rows_read:>10,}  loaded {table.rows_loaded:>10,}  "
                f"quarantined {table.rows_quarantined:>8,}"
            )
        if self.exchanges_already_counted:
            lines.append(f"  exchanges already counted by an earlier batch: {self.exchanges_already_counted:,}")
        if self.shards:
            lines.append(f"  account partitions: {self.shards} (engine on disk {self.spill_bytes / 2**20:,.0f} MiB), "
                         f"distinct prompt fingerprint keys counted: {self.fingerprint_keys_counted:,}")
        if self.edges_written:
            written = ", ".join(f"{name} {count:,}" for name, count in self.edges_written.items())
            lines.append(f"  written: {written}")
        if "total" in self.seconds:
            lines.append(
                f"  {self.seconds['total']:.1f}s in all, {self.exchanges_per_second:,.0f} exchanges/s end to end"
            )
        if self.quarantined:
            lines.append(f"  {self.quarantined:,} rows quarantined: see {self.report_dir}/quarantine.csv")
        return "\n".join(lines)


def batch_name(batch_dir: Path) -> str:
    """How a batch is named in the graph and the report: its directory's name, not where it sits on disk."""
    return batch_dir.resolve().name


def batch_fingerprint(batch_dir: Path, files: dict[str, list[Path]]) -> str:
    """SHA-256 over the batch's table files (names relative to the batch, then bytes)."""
    digest = hashlib.sha256()
    for table in sorted(files):
        for path in files[table]:
            digest.update(display_name(path, batch_dir).encode() + b"\x00")
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def request_hashes(request_ids: pd.Series) -> npt.NDArray[np.int64]:
    """64-bit hashes of request ids (not personal data; a collision in 16M ids has odds ~1e-5)."""
    hashed = pd.util.hash_pandas_object(request_ids.astype(str), index=False).to_numpy(dtype=np.uint64)
    return hashed.view(np.int64)


@dataclass(frozen=True)
class ScannedExchanges:
    """What the scan of a batch's exchanges keeps in memory; the aggregates are in the engine."""

    aggregator: ExchangeAggregator
    request_hashes: npt.NDArray[np.int64]


class SyncBucketCollector:
    """Sync buckets of the batch's accounts, gathered shard by shard, written once at the end.

    A bucket links accounts only when two or more share it, so a bucket is written when two accounts of
    this batch fall in it or when the graph already has it (an earlier batch's account is in it). Accounts
    that had buckets get theirs replaced (their merged signature may have changed), even by none.
    """

    def __init__(self) -> None:
        self._accounts: list[npt.NDArray[np.object_]] = []
        self._keys: list[npt.NDArray[np.uint64]] = []
        self._with_buckets: list[str] = []

    def add(self, aggregator: ExchangeAggregator, signatures: pd.DataFrame, with_buckets: list[str]) -> None:
        """Merged sync signatures of some accounts, and which accounts have sync buckets in the graph now."""
        accounts, keys = aggregator.sync_bucket_numbers(signatures)
        self._accounts.append(accounts)
        self._keys.append(keys)
        self._with_buckets.extend(with_buckets)

    def replacement_rows(self, existing: set[int]) -> list[dict[str, Any]]:
        """``{accountId, bucketKeys}`` per account whose buckets change; keys of shared buckets only."""
        accounts = np.concatenate(self._accounts) if self._accounts else np.empty(0, dtype=object)
        keys = np.concatenate(self._keys) if self._keys else np.empty(0, dtype=np.uint64)
        codes, _ = pd.factorize(keys)
        kept = np.bincount(codes)[codes] >= 2 if len(codes) else np.zeros(0, dtype=bool)
        if existing:
            kept |= np.isin(keys, np.fromiter(existing, dtype=np.uint64, count=len(existing)))
        buckets: dict[str, list[str]] = {account: [] for account in self._with_buckets}
        for account, key in zip(accounts[kept].tolist(), hex_keys(keys[kept]), strict=True):
            buckets.setdefault(account, []).append(key)
        return [{"accountId": account, "bucketKeys": sorted(keys)} for account, keys in sorted(buckets.items())]


class BatchLoader:
    """Loads one batch directory; see the module docstring for the guarantees."""

    def __init__(
        self, graph: Graph, *, chunk_rows: int = DEFAULT_CHUNK_ROWS,
        progress: ProgressCallback | None = None, shard_input_bytes: int = SHARD_INPUT_BYTES,
        engine: str | None = None, spark_session: SparkSession | None = None,
    ) -> None:
        self.graph = graph
        settings = self.settings = graph.settings
        self.engine = engine or settings.sockhound_load_engine
        if self.engine not in ("duckdb", "spark"):
            raise ValueError(f"unknown aggregation engine {self.engine!r} (duckdb or spark)")
        self.spark_session = spark_session
        self.chunk_rows = chunk_rows
        self.shard_input_bytes = shard_input_bytes
        self.hasher = KeyedHasher(settings.hash_key())
        self.progress = progress or (lambda _stage, _rows: None)

    # -- the flow -------------------------------------------------------------------------------------------

    def load(self, batch_dir: Path, report_dir: Path) -> LoadReport:
        started = time.perf_counter()
        files = discover_tables(batch_dir)
        batch_id = batch_fingerprint(batch_dir, files)
        apply_migrations(self.graph)
        verify_graph_key(self.graph, self.settings.hash_key())  # before anything is written
        opened = self.graph.write("load/begin_batch", {"batchId": batch_id, "source": batch_name(batch_dir)})[0]
        report = LoadReport(
            batch=batch_name(batch_dir), batch_id=batch_id, ordinal=int(opened["ordinal"]),
            outcome="already loaded" if opened["status"] == "complete" else "loaded",
            attempts=int(opened["attempts"]), report_dir=str(report_dir),
        )
        report.tables = {name: TableReport(files=[display_name(p, batch_dir) for p in paths])
                         for name, paths in files.items()}
        if report.outcome == "already loaded":
            report.seconds["total"] = time.perf_counter() - started
            return report
        verify_graph_key(self.graph, self.settings.hash_key(), record=True)  # the first load's
        quarantine = QuarantineWriter(report_dir / "quarantine.csv")
        common = {"batchId": batch_id}
        remove_stale_spills(report_dir)
        report.shards = partition_count(sum(path.stat().st_size for path in files.get("exchanges", [])),
                                        self.shard_input_bytes)
        with self._open_engine(report_dir / f"{SPILL_PREFIX}{batch_id[:12]}") as engine:
            # Accounts, payment methods and labels are written by a second thread while this one reads and
            # aggregates exchanges (CPU here, the database's CPU there); it finishes before exchange writes
            # start, so the two never MERGE the same accounts at once.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sockhound-load-accounts") as background:
                simple_tables = background.submit(self._load_simple_tables, batch_dir, files, report, quarantine,
                                                  common)
                exchanges = (self._scan_exchanges(batch_dir, files["exchanges"], report, quarantine, engine)
                             if "exchanges" in files else None)
                simple_tables.result()
            if exchanges is not None:
                self._write_exchanges(exchanges, engine, report, {**common, "seq": report.ordinal})
        with report.timed("rarity"):
            rarity = {**common, "commonThreshold": COMMON_EVIDENCE_ACCOUNTS}
            self.graph.run_statements(load_query("load/mark_evidence_rarity"), rarity)
            self.graph.run_statements(load_query("load/mark_subnet_rarity"), rarity)
        report.seconds["total"] = time.perf_counter() - started
        self.graph.write("load/complete_batch", {
            "batchId": batch_id,
            "report": {"quarantined": report.quarantined, "seconds": round(report.seconds["total"], 3),
                       **{f"{name}Loaded": table.rows_loaded for name, table in report.tables.items()}},
        })
        return report

    def _open_engine(self, directory: Path) -> AggregationEngine | SparkAggregationEngine:
        """The aggregation engine of this load: embedded DuckDB (default) or Spark (``--engine spark``)."""
        if self.engine == "spark":
            from loaders.spark_engine import SparkAggregationEngine

            return SparkAggregationEngine(
                directory, session=self.spark_session, master=self.settings.sockhound_spark_master,
                remote=self.settings.spark_remote, driver_memory=self.settings.sockhound_spark_driver_memory)
        return AggregationEngine(directory, memory_limit=self.settings.sockhound_load_memory_limit)

    def _validated_chunks(
        self, batch_dir: Path, paths: list[Path], table: str, report: LoadReport, quarantine: QuarantineWriter,
    ) -> Iterator[pd.DataFrame]:
        def counted(rows: int, refused: int) -> None:
            report.tables[table].rows_read += rows
            report.tables[table].rows_quarantined += refused
            self.progress(table, rows)

        return validated_table(batch_dir, table, paths, quarantine, chunk_rows=self.chunk_rows, on_chunk=counted)

    def _load_simple_table(
        self, batch_dir: Path, files: dict[str, list[Path]], table: str, report: LoadReport,
        quarantine: QuarantineWriter, common: dict[str, Any],
        to_rows: Callable[[pd.DataFrame], list[dict[str, Any]]],
    ) -> None:
        if table not in files:
            return
        for good in self._validated_chunks(batch_dir, files[table], table, report, quarantine):
            if len(good):
                report.tables[table].rows_loaded += self.graph.write_rows(
                    f"load/{table}", epoch_millis_rows(to_rows(good)), extra_parameters=common)

    def _load_simple_tables(
        self, batch_dir: Path, files: dict[str, list[Path]], report: LoadReport, quarantine: QuarantineWriter,
        common: dict[str, Any],
    ) -> None:
        with report.timed("accounts_payments_labels"):
            self._load_simple_table(batch_dir, files, "accounts", report, quarantine, common,
                                    lambda good: account_rows(good, self.hasher))
            self._load_simple_table(batch_dir, files, "payment_methods", report, quarantine, common,
                                    lambda good: payment_rows(good, self.hasher))
            self._load_simple_table(batch_dir, files, "labels", report, quarantine, common, label_rows)

    def _scan_exchanges(
        self, batch_dir: Path, paths: list[Path], report: LoadReport, quarantine: QuarantineWriter,
        engine: AggregationEngine | SparkAggregationEngine,
    ) -> ScannedExchanges:
        """Validate and pre-aggregate each chunk into the engine, then let the engine merge the batch."""
        aggregator = ExchangeAggregator(self.hasher)
        counted: list[npt.NDArray[np.int64]] = []
        with report.timed("read_validate_aggregate"):
            counted_elsewhere = self._ledger_of_other_batches(report.batch_id)
            for good in self._validated_chunks(batch_dir, paths, "exchanges", report, quarantine):
                hashes = request_hashes(good["request_id"])
                fresh = ~np.isin(hashes, counted_elsewhere) if counted_elsewhere.size else np.ones(len(good), bool)
                report.exchanges_already_counted += int((~fresh).sum())
                good, hashes = good[fresh], hashes[fresh]
                report.tables["exchanges"].rows_loaded += len(good)
                counted.append(hashes)
                with report.timed("aggregate chunks"):
                    chunk = aggregator.aggregate(good)
                with report.timed("engine insert"):
                    engine.add(chunk)
        with report.timed("engine merge"):
            engine.finish(min_accounts=SHARED_FINGERPRINT_MIN_ACCOUNTS, per_account=FINGERPRINTS_PER_ACCOUNT_AND_KIND)
        report.spill_bytes = engine.bytes_on_disk
        report.fingerprint_keys_counted = engine.distinct_fingerprint_keys()
        request_ids = np.concatenate(counted) if counted else np.empty(0, np.int64)
        return ScannedExchanges(aggregator, request_ids)

    def _write_exchanges(
        self, exchanges: ScannedExchanges, engine: EngineReads, report: LoadReport,
        parameters: dict[str, Any],
    ) -> None:
        with report.timed("write_exchanges"):
            self._write_exchange_evidence(exchanges, engine, report, parameters)
        with report.timed("ledger"):
            self._write_ledger(report.batch_id, exchanges.request_hashes)

    def _write_exchange_evidence(
        self, exchanges: ScannedExchanges, engine: EngineReads, report: LoadReport,
        parameters: dict[str, Any],
    ) -> None:
        empty = exchanges.aggregator.empty()
        self._write_steps(report, parameters, [("ip_addresses", ip_rows(replace(empty, ips=engine.ips())))])
        buckets = SyncBucketCollector()
        for merged in engine.partitions(report.shards, empty):
            self.progress(f"write account partitions ({report.shards})", 1)
            self._write_steps(report, parameters, [
                ("seen_from", seen_from_rows(merged, millis=True)),
                ("used_model", model_rows(merged)),
                ("account_activity", activity_rows(merged, millis=True)),
            ])
            buckets.add(exchanges.aggregator, *self._sync_signatures(merged.activity.index.tolist()))
        self._write_steps(report, parameters, [("prompt_fingerprints", engine.fingerprint_node_rows())])
        for rows in engine.sent_rows(report.shards):
            self.progress(f"write fingerprint partitions ({report.shards})", 1)
            self._write_steps(report, parameters, [("sent", rows)])
        with report.timed("write sync_buckets"):
            existing = {int(str(record["key"]), 16) for record in self.graph.read("load/sync_bucket_keys")}
            report.edges_written["sync_buckets"] = self.graph.write_rows(
                "load/replace_sync_buckets", buckets.replacement_rows(existing),
                batch_size=2_000, extra_parameters=parameters,
            )

    def _write_steps(
        self, report: LoadReport, parameters: dict[str, Any], steps: list[tuple[str, list[dict[str, Any]]]],
    ) -> None:
        for name, rows in steps:
            with report.timed(f"write {name}"):
                written = self.graph.write_rows(f"load/{name}", rows, extra_parameters=parameters)
            report.edges_written[name] = report.edges_written.get(name, 0) + written

    def _sync_signatures(self, account_ids: list[str]) -> tuple[pd.DataFrame, list[str]]:
        """Merged (all batches) sync signatures of these accounts, and those of them with sync buckets now."""
        records = self.graph.read("load/sync_signatures_of_accounts",
                             {"accountIds": account_ids})
        frame = pd.DataFrame([record["syncSignature"] for record in records],
                             index=pd.Index([str(record["accountId"]) for record in records], name="accountId"))
        return frame, [str(record["accountId"]) for record in records if record["hasBuckets"]]

    def _ledger_of_other_batches(self, batch_id: str) -> npt.NDArray[np.int64]:
        shards = self.graph.read("load/read_request_ledger", {"batchId": batch_id})
        arrays = [np.asarray(record["requestHashes"], dtype=np.int64) for record in shards]
        return np.unique(np.concatenate(arrays)) if arrays else np.empty(0, dtype=np.int64)

    def _write_ledger(self, batch_id: str, hashes: npt.NDArray[np.int64]) -> None:
        ordered = np.sort(hashes)
        for shard, start in enumerate(range(0, max(len(ordered), 1), LEDGER_SHARD_SIZE)):
            piece = ordered[start:start + LEDGER_SHARD_SIZE]
            self.graph.write("load/write_request_ledger",
                        {"batchId": batch_id, "shard": shard, "requestHashes": piece.tolist()})


def epoch_millis_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timestamps travel as epoch milliseconds (Cypher makes them `datetime` again).

    The driver packs Python datetimes at ~140 µs each, which made timestamps most of the write time.
    """
    for row in rows:
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = round(value.timestamp() * 1000)
    return rows


def label_rows(labels: pd.DataFrame) -> list[dict[str, Any]]:
    """`{accountId, label, source, at, decisionKey}`; the key makes a repeated decision merge, not repeat."""
    rows: list[dict[str, Any]] = []
    for account_id, label, source, at in zip(
        labels["account_id"], labels["label"], labels["source"], labels["at"], strict=True
    ):
        at_value = None if pd.isna(at) else pd.Timestamp(at).to_pydatetime()
        source_value = None if pd.isna(source) else str(source)
        rows.append({
            "accountId": str(account_id), "label": str(label), "source": source_value, "at": at_value,
            "decisionKey": label_decision_key(str(account_id), str(label), source_value, at_value),
        })
    return rows


def write_report(report: LoadReport, report_dir: Path) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    write_private_text(report_dir / "report.json", json.dumps(report.as_json(), indent=2, default=str) + "\n")
    write_private_text(report_dir / "report.txt", report.summary() + "\n")
