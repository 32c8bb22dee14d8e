"""The aggregation on Apache Spark (pyspark, local mode, a real JVM) against the same SQL on DuckDB.

One SparkSession for the module (the JVM starts once, ~10 s); its local and temporary directories are a
private (0700) test directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from neo4j import Driver

from loaders.aggregate import ExchangeAggregate, ExchangeAggregator
from loaders.engine import OUTPUT_TABLES, AggregationEngine, EngineReads
from loaders.load_batch import BatchLoader
from loaders.spark_engine import SparkAggregationEngine, local_cores, session_config, to_spark_sql
from queries import load_query
from sockhound.graph import Graph
from sockhound.privacy import KeyedHasher
from sockhound.settings import Settings
from tests.batch_builder import write_small_batch
from tests.integration.graph_state import graph_snapshot
from tests.unit.test_aggregate import KEY, _exchanges

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    from pyspark.sql import SparkSession

    directory = tmp_path_factory.mktemp("spark-session")
    os.chmod(directory, 0o700)
    (directory / "tmp").mkdir(mode=0o700)
    config: dict[str, bool | float | int | str | None] = {**session_config(directory, driver_memory="1g")}
    session = SparkSession.builder.master("local[2]").appName("sockhound-tests").config(map=config).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _chunks() -> list[ExchangeAggregate]:
    """Several chunks whose identities overlap (so merging matters), prompts shared across accounts."""
    aggregator = ExchangeAggregator(KeyedHasher(KEY))
    small = write_small_batch_frame()
    return [aggregator.aggregate(frame) for frame in
            (_exchanges(400, seed=11), _exchanges(300, seed=12), small.iloc[:200], small.iloc[200:],
             _exchanges(250, seed=13))]


def write_small_batch_frame() -> pd.DataFrame:
    """The exchanges of tests/batch_builder's small batch (shared CoT prompts, rings, upstream keys)."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        return write_small_batch(Path(directory) / "batch").exchanges


def _all_rows(engine: EngineReads) -> dict[str, set[tuple[object, ...]]]:
    return {table: engine.table_rows(table) for table in OUTPUT_TABLES}


@pytest.mark.parametrize("per_account", [2])
def test_spark_gives_exactly_the_rows_duckdb_gives(spark: SparkSession, tmp_path: Path, per_account: int) -> None:
    chunks = _chunks()
    with AggregationEngine(tmp_path / "spill-duck", memory_limit="256MB") as duck:
        for chunk in chunks:
            duck.add(chunk)
        duck.finish(min_accounts=2, per_account=per_account)
        expected = _all_rows(duck)
        expected_keys = duck.distinct_fingerprint_keys()
    with SparkAggregationEngine(tmp_path / "spill-spark", session=spark, flush_rows=1_000) as engine:
        for chunk in chunks:
            engine.add(chunk)
        engine.finish(min_accounts=2, per_account=per_account)
        got = _all_rows(engine)
        keys = engine.distinct_fingerprint_keys()
        sent = [row for rows in engine.sent_rows(3) for row in rows]
    # something to compare: every table has rows, and 64-bit keys on both sides of the sign bit
    assert all(expected[table] for table in OUTPUT_TABLES), [t for t in OUTPUT_TABLES if not expected[t]]
    key_highs = {int(str(row[2])) for row in expected["kind_rows"]}
    assert min(key_highs) < 0 < max(key_highs)
    for table in OUTPUT_TABLES:
        assert got[table] == expected[table], table
    assert keys == expected_keys > 0
    assert len(sent) == len(expected["sent_edges"])


def test_the_cap_keeps_the_smaller_unsigned_key_on_ties(spark: SparkSession, tmp_path: Path) -> None:
    """Two accounts send the same two prompts once each: with a cap of 1 both keep the smaller exact key
    in unsigned order, on both engines (keys are stored bit for bit as signed BIGINT)."""
    aggregator = ExchangeAggregator(KeyedHasher(KEY))
    template = _exchanges(2, seed=1)
    rows = [{**template.iloc[0].to_dict(), "request_id": f"{account}-{text}", "account_id": account,
             "prompt": text, "prompt_fingerprint": None}
            for account in ("acct-a", "acct-b") for text in ("first shared prompt", "second shared prompt")]
    chunk = aggregator.aggregate(pd.DataFrame(rows).astype(template.dtypes.to_dict()))
    kept = []
    engines: list[AggregationEngine | SparkAggregationEngine] = [
        AggregationEngine(tmp_path / "spill-duck", memory_limit="64MB"),
        SparkAggregationEngine(tmp_path / "spill-spark", session=spark)]
    for engine in engines:
        with engine:
            engine.add(chunk)
            engine.finish(min_accounts=2, per_account=1)
            candidates = {row[2] for row in engine.table_rows("kind_rows") if row[1] == "exact"}
            kept.append({row[2] for row in engine.table_rows("capped_edges") if row[1] == "exact"})
    assert len(candidates) == 2
    smaller = min(candidates, key=lambda signed: signed % 2**64)  # the unsigned order
    assert kept == [{smaller}, {smaller}]


def test_parameters_are_bound_as_integers_only() -> None:
    statement = "SELECT kind FROM shared_keys WHERE n >= $min_accounts"
    assert to_spark_sql(statement, "p_", {"min_accounts": 2}).sql(dialect="spark").endswith(
        "FROM p_shared_keys WHERE n >= 2")
    with pytest.raises(TypeError):
        to_spark_sql(statement, "db", {"min_accounts": "2 OR 1 = 1"})  # type: ignore[dict-item]
    with pytest.raises(KeyError):
        to_spark_sql(statement, "db", {})


def test_a_session_the_engine_starts_keeps_its_files_in_the_load_directory(tmp_path: Path) -> None:
    config = session_config(tmp_path / "spill-z", driver_memory="1g")
    assert config["spark.local.dir"] == str(tmp_path / "spill-z" / "tmp")
    assert f"-Djava.io.tmpdir={tmp_path / 'spill-z' / 'tmp'}" in config["spark.driver.extraJavaOptions"]
    assert config["spark.eventLog.enabled"] == "false"
    assert local_cores("local[2]") == 2 and local_cores("local") == 1 and local_cores("spark://h:7077") == 1


@pytest.mark.integration
def test_a_load_through_spark_writes_the_graph_a_duckdb_load_writes(
    spark: SparkSession, neo4j_settings: Settings, empty_graph: Driver, tmp_path: Path,
) -> None:
    batch = write_small_batch(tmp_path / "batch")
    snapshots = []
    for engine in ("duckdb", "spark"):
        Graph(neo4j_settings, empty_graph).run_statements(load_query("maintenance/delete_all_in_batches"),
                       {"batchSize": 10_000})
        loader = BatchLoader(Graph(neo4j_settings, empty_graph), chunk_rows=1_000, engine=engine, spark_session=spark)
        report = loader.load(batch.directory, tmp_path / f"report-{engine}")
        assert report.outcome == "loaded" and report.tables["exchanges"].rows_loaded == 400
        snapshots.append(graph_snapshot(neo4j_settings, empty_graph))
    (duck_nodes, duck_edges), (spark_nodes, spark_edges) = snapshots
    assert duck_edges and any(edge[0] == "SENT" for edge in duck_edges)
    assert spark_nodes == duck_nodes
    assert spark_edges == duck_edges
    assert not list((tmp_path / "report-spark").glob("spill-*"))  # the engine's directory went with it


OWN_SESSION_LOAD = """
import json, stat, sys, threading, time
from pathlib import Path
from loaders.aggregate import ExchangeAggregator
from loaders.spark_engine import SparkAggregationEngine
from sockhound.privacy import KeyedHasher
from tests.unit.test_aggregate import KEY, _exchanges

directory, raw_values = Path(sys.argv[1]), [value.encode() for value in sys.argv[2:]]
modes, leaks, done = {}, set(), threading.Event()

def watch():  # every file and directory under the load's directory, its mode, and raw values in files
    while not done.is_set():
        for path in list(directory.rglob("*")):
            try:
                modes[str(path.relative_to(directory))] = stat.S_IMODE(path.stat().st_mode)
                if path.is_file():
                    data = path.read_bytes()
                    leaks.update(value.decode() for value in raw_values if value in data)
            except OSError:
                pass
        time.sleep(0.1)

watcher = threading.Thread(target=watch, daemon=True)
watcher.start()
aggregator = ExchangeAggregator(KeyedHasher(KEY))
with SparkAggregationEngine(directory, master="local[2]", flush_rows=200) as engine:
    for seed in (1, 2, 3):
        engine.add(aggregator.aggregate(_exchanges(300, seed=seed)))
    engine.finish(min_accounts=2, per_account=10)
    rows = len(engine.table_rows("sent_edges"))
    time.sleep(0.5)
done.set()
watcher.join()
print(json.dumps({"rows": rows, "exists": directory.exists(), "modes": sorted({oct(m) for m in modes.values()}),
                  "paths": sorted(modes), "leaks": sorted(leaks)}))
"""


def test_a_session_the_engine_starts_writes_only_private_files_in_the_load_directory(tmp_path: Path) -> None:
    """In a process of its own (this one has the module's session): Spark's local dir, spill and temporary
    files are 0600/0700 files inside the load's directory, hold no raw IP or prompt, and go with it."""
    import subprocess
    import sys

    repository = Path(__file__).resolve().parents[2]
    frame = _exchanges(300, seed=1)
    raw = sorted({*frame["ip"], *(text for text in frame["prompt"].dropna() if len(text) > 20)})
    private = tmp_path / "reports"
    private.mkdir(mode=0o700)
    done = subprocess.run([sys.executable, "-c", OWN_SESSION_LOAD, str(private / "spill-own"), *raw],
                          cwd=repository, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["rows"] > 0 and seen["exists"] is False
    assert seen["modes"] == ["0o600", "0o700"], seen["modes"]
    assert seen["leaks"] == []
    assert any(path.startswith("tmp/blockmgr-") for path in seen["paths"])  # Spark's local dir is in there
    for text in raw:
        assert text not in done.stdout + done.stderr
