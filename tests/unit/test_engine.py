"""The DuckDB aggregation engine: where it writes, and that merging chunks in SQL equals aggregating their union."""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd

from loaders.aggregate import ExchangeAggregator
from loaders.engine import AggregationEngine
from sockhound.privacy import KeyedHasher
from tests.unit.test_aggregate import KEY, _exchanges


def test_everything_duckdb_writes_is_in_the_private_directory_and_goes_with_it(tmp_path: Path) -> None:
    directory = tmp_path / "spill-x"
    with AggregationEngine(directory, memory_limit="64MB") as engine:
        row = engine.connection.execute(
            "SELECT current_setting('temp_directory'), current_setting('memory_limit')").fetchone()
        assert row is not None
        assert Path(str(row[0])).resolve() == (directory / "tmp").resolve()
        assert str(row[1]).replace(" ", "").upper().startswith(("61", "64"))  # DuckDB shows MiB
        for path in (directory, directory / "tmp"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path.name
        files = [path for path in directory.rglob("*") if path.is_file()]
        assert files and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    assert not directory.exists()


def test_engine_merge_of_chunks_equals_the_aggregate_of_their_union(tmp_path: Path) -> None:
    aggregator = ExchangeAggregator(KeyedHasher(KEY))
    first_rows, second_rows = _exchanges(300, seed=5), _exchanges(200, seed=6)
    first, second = aggregator.aggregate(first_rows), aggregator.aggregate(second_rows)
    expected = aggregator.aggregate(pd.concat([first_rows, second_rows], ignore_index=True))
    with AggregationEngine(tmp_path / "spill-y", memory_limit="256MB") as engine:
        engine.add(first)
        engine.add(second)
        engine.finish(min_accounts=2, per_account=10)
        parts = list(engine.partitions(1, aggregator.empty()))
        ips = engine.ips()
    assert len(parts) == 1
    merged = parts[0]
    pd.testing.assert_frame_equal(merged.activity, expected.activity.sort_index(), check_index_type=False,
                                  check_dtype=False)
    for name in ("seen_from", "hours", "models"):
        pd.testing.assert_frame_equal(getattr(merged, name), getattr(expected, name).sort_index(),
                                      check_index_type=False, check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(merged.sync, expected.sync.sort_index(), check_index_type=False,
                                  check_dtype=False, check_names=False)
    assert ips.index.tolist() == sorted(expected.ips.index.tolist())
