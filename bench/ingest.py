"""Ingest benchmark: `sockhound load` end to end against a naive loader, side by side in one run.

    .venv/bin/python bench/ingest.py --preset demo [--naive-rows 3000] [--batch DIR] [--baseline SRC] [--spark]

Starts a throwaway Neo4j (or uses NEO4J_URI), generates the preset's batch if needed, then measures:
  * the real loader end to end (read + validate + fingerprint + aggregate + write), in a subprocess, with
    its wall time, exchanges/s and peak RSS, on a fresh (emptied) database;
  * with ``--baseline SRC``, a source tree of another version of sockhound (e.g. an export of main:
    ``git archive main | tar -x -C /tmp/main-src``), loaded the same way into the emptied database;
  * with ``--spark``, the same loader with ``--engine spark`` (pyspark local[2]; the JVM starts inside the
    load, so its start is in the figure) into the emptied database, beside ``--engine duckdb``;
  * a naive loader (validate + hash one row, MERGE it in its own transaction) on the first N exchanges.
Prints them and their ratios. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from loaders.batch_files import read_batch_table
from loaders.contract import TableValidator
from queries import load_query
from sockhound.graph import Graph, connected_driver
from sockhound.hash_key import ensure_key_file
from sockhound.privacy import KeyedHasher, ip_facts
from sockhound.runtime import local_neo4j
from sockhound.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_HASH_KEY = REPO_ROOT / "var" / "bench" / "hash-key"
"""The benches' own random hash key (made once, 0600); the development key works only under pytest."""
STAGES = ("accounts_payments_labels", "read_validate_aggregate", "aggregate chunks", "engine insert",
          "engine merge", "prepare shards", "prepare key shards", "write_exchanges", "rarity", "total")
"""Report stages printed, of either loader (the scan and the account writes overlap)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_batch(preset: str, batch: Path | None) -> Path:
    if batch is not None:
        return batch
    target = REPO_ROOT / "var" / "bench" / preset
    if not (target / "accounts.csv.gz").exists() and not any(target.glob("accounts*")):
        subprocess.run([sys.executable, "-m", "cli", "simulate", "--preset", preset, "--out", str(target)],
                       check=True, cwd=REPO_ROOT)
    return target


def run_real_loader(settings: Settings, batch: Path, report_dir: Path,
                    source: Path = REPO_ROOT, engine: str | None = None) -> tuple[float, dict[str, Any], int]:
    """`sockhound load` from ``source`` (its packages first on the path) into an emptied database:
    wall seconds, the load report, and the peak RSS (KiB) of that process (with ``--engine spark``, the
    Python process; the JVM is a process of its own, not in the figure)."""
    with connected_driver(settings) as driver:
        Graph(settings, driver).run_statements(load_query("maintenance/delete_all_in_batches"), {"batchSize": 10_000})
    environment = dict(
        os.environ, NEO4J_URI=settings.bolt_uri, NEO4J_PASSWORD=settings.neo4j_auth()[1],
        SOCKHOUND_HASH_KEY_FILE=str(BENCH_HASH_KEY), PYTHONPATH=str(source),
    )
    shutil.rmtree(report_dir, ignore_errors=True)
    began = time.perf_counter()
    # the CLI's package: `cli` since the layout moves, `sockhound` in a tree from before them
    package = "cli" if (source / "cli" / "__main__.py").exists() else "sockhound"
    engine_option = ["--engine", engine] if engine else []
    loading = subprocess.Popen([sys.executable, "-m", package, "load", str(batch), "--report-dir",
                                str(report_dir), *engine_option], cwd=source, env=environment,
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(loading.pid, 0)
    loading.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    if loading.returncode != 0:
        raise SystemExit(f"the load from {source} failed with exit code {loading.returncode}")
    report: dict[str, Any] = json.loads((report_dir / "report.json").read_text())
    return wall, report, usage.ru_maxrss


def print_load(name: str, wall: float, report: dict[str, Any], peak_kib: int) -> float:
    """One loader's line and its stages; returns its exchanges/s."""
    exchanges = int(report["tables"]["exchanges"]["rows_read"])
    rate = exchanges / wall
    print(f"{name}: {exchanges:,} exchanges in {wall:.1f}s = {rate:,.0f} exchanges/s end to end; "
          f"peak RSS {peak_kib / 1024:,.0f} MiB")
    seconds = report["seconds"]
    stages = ", ".join(f"{stage} {seconds[stage]:.1f}s" for stage in STAGES if stage in seconds)
    print(f"  stages ({report['shards']} partitions/shards, on disk {report['spill_bytes'] / 2**20:,.0f} MiB): "
          f"{stages}")
    return rate


def run_naive_loader(settings: Settings, batch: Path, rows: int) -> tuple[float, int]:
    hasher = KeyedHasher(settings.hash_key())
    statement = load_query("bench/naive_exchange")
    done = 0
    with connected_driver(settings) as driver:
        Graph(settings, driver).run_statements(load_query("maintenance/delete_all_in_batches"), {"batchSize": 10_000})
        began = time.perf_counter()
        validator = TableValidator("exchanges", "exchanges")
        for chunk in read_batch_table(batch, "exchanges", chunk_rows=min(rows, 50_000)):
            for index in range(len(chunk.frame)):
                if done >= rows:
                    break
                good = validator.validate(chunk.frame.iloc[[index]], chunk.first_row_number + index).good
                if len(good) == 0:
                    continue
                row = good.iloc[0]
                _, _, subnet = ip_facts(str(row["ip"]))
                prompt = row["prompt"] if isinstance(row["prompt"], str) else str(row["prompt_fingerprint"])
                parameters = {
                    "accountId": str(row["account_id"]), "ipKey": hasher.hash_one("ip", str(row["ip"])),
                    "subnetKey": hasher.hash_one("subnet", subnet),
                    "promptKey": hasher.hash_one("prompt-exact", " ".join(prompt.lower().split())),
                    "ts": round(row["ts"].timestamp() * 1000),
                }
                driver.execute_query(statement.text, parameters, database_=settings.neo4j_database)
                done += 1
            if done >= rows:
                break
        return time.perf_counter() - began, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--batch", type=Path, default=None, help="an existing batch instead of the preset's")
    parser.add_argument("--naive-rows", type=int, default=3_000)
    parser.add_argument("--heap", default="3g")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="source tree of another sockhound version to load the same batch with, for the ratio")
    parser.add_argument("--spark", action="store_true",
                        help="also load with --engine spark (pyspark local mode) and print it beside duckdb")
    arguments = parser.parse_args()
    batch = ensure_batch(arguments.preset, arguments.batch).resolve()  # loads run from their source tree
    external = bool(os.environ.get("NEO4J_URI"))
    ensure_key_file(BENCH_HASH_KEY)
    settings = Settings(sockhound_hash_key_file=BENCH_HASH_KEY) if external else Settings(
        neo4j_uri=None, sockhound_neo4j_home=REPO_ROOT / "var" / "bench" / "neo4j-home",
        sockhound_bolt_port=free_port(), sockhound_http_port=0, sockhound_heap_size=arguments.heap,
        sockhound_pagecache_size="1g", sockhound_hash_key_file=BENCH_HASH_KEY,
    )
    if not external:
        shutil.rmtree(settings.sockhound_neo4j_home, ignore_errors=True)
        local_neo4j.start(settings, echo=False)
    try:
        naive_seconds, naive_rows = run_naive_loader(settings, batch, arguments.naive_rows)
        baseline = (run_real_loader(settings, batch, REPO_ROOT / "var" / "bench" / "ingest-report-baseline",
                                    arguments.baseline) if arguments.baseline else None)
        loaded = run_real_loader(settings, batch, REPO_ROOT / "var" / "bench" / "ingest-report", engine="duckdb")
        spark = (run_real_loader(settings, batch, REPO_ROOT / "var" / "bench" / "ingest-report-spark",
                                 engine="spark") if arguments.spark else None)
    finally:
        if not external:
            local_neo4j.stop(settings)
    print(f"batch: {batch}")
    real_rate = print_load("sockhound load --engine duckdb", *loaded)
    if spark:
        spark_rate = print_load("sockhound load --engine spark", *spark)
        print(f"spark / duckdb: {spark_rate / real_rate:.2f}x the exchanges/s "
              f"({spark[0]:.1f}s vs {loaded[0]:.1f}s wall)")
    baseline_rate = print_load(f"baseline ({arguments.baseline})", *baseline) if baseline else None
    naive_rate = naive_rows / naive_seconds
    print(f"naive loader:   {naive_rows:,} exchanges in {naive_seconds:.1f}s = {naive_rate:,.0f} exchanges/s "
          "(one MERGE transaction per row)")
    versus = f"; {real_rate / baseline_rate:.2f}x the baseline" if baseline_rate else ""
    print(f"ratio: {real_rate / naive_rate:,.1f}x naive{versus}   "
          "targets: demo <= 60 s (>= 25,000 exchanges/s), peak RSS <= 2 GB")


if __name__ == "__main__":
    main()
