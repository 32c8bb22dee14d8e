"""Which sync buckets a load writes: those two accounts of the batch share, or the graph already has."""

from __future__ import annotations

import pandas as pd

from loaders.aggregate import ExchangeAggregator
from loaders.load_batch import SyncBucketCollector
from sockhound.privacy import KeyedHasher
from tests.unit.test_aggregate import _timed


def _signatures(aggregator: ExchangeAggregator, moments: dict[str, pd.DatetimeIndex]) -> pd.DataFrame:
    exchanges = pd.concat([_timed(account, times) for account, times in moments.items()], ignore_index=True)
    return aggregator.aggregate(exchanges).sync


def test_only_shared_or_known_buckets_are_written_and_old_ones_replaced() -> None:
    aggregator = ExchangeAggregator(KeyedHasher(b"test-key-for-sync-buckets-0123456789"))
    start = pd.Timestamp("2026-03-01", tz="UTC")
    together = pd.DatetimeIndex([start + pd.Timedelta(minutes=17 * i) for i in range(12)])
    alone = pd.DatetimeIndex([start + pd.Timedelta(days=2, minutes=23 * i) for i in range(12)])
    newcomer = pd.DatetimeIndex([start + pd.Timedelta(days=4, minutes=31 * i) for i in range(12)])
    first_shard = _signatures(aggregator, {"bot-a": together, "loner": alone})
    second_shard = _signatures(aggregator, {"bot-b": together, "newcomer": newcomer})
    collector = SyncBucketCollector()
    collector.add(aggregator, first_shard, ["veteran"])  # had buckets from an earlier batch, no exchanges now
    collector.add(aggregator, second_shard, [])

    _, newcomer_keys = aggregator.sync_bucket_numbers(second_shard.loc[["newcomer"]])
    known = {int(newcomer_keys[0])}  # an earlier batch's account left this bucket in the graph
    rows = {row["accountId"]: row["bucketKeys"] for row in collector.replacement_rows(known)}

    assert set(rows) == {"bot-a", "bot-b", "newcomer", "veteran"}  # the loner shares nothing: untouched
    assert rows["bot-a"] == rows["bot-b"] and len(rows["bot-a"]) == aggregator.sync_config.bands
    assert rows["newcomer"] == [f"{int(newcomer_keys[0]):016x}"]
    assert rows["veteran"] == []  # its old buckets are removed
