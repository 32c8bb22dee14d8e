"""Account shards: the pieces a large batch is split into give exactly what the whole batch gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders import account_shards
from loaders.account_shards import (
    FingerprintEdgeSpill,
    ShardSpill,
    SharedKeyCounter,
    shard_count,
    shard_of,
    split_by_shard,
)
from loaders.aggregate import (
    ExchangeAggregate,
    ExchangeAggregator,
    fingerprint_rows_of,
    keep_shared_edges,
    keep_shared_upstream,
    merge_many,
    sent_rows_of,
    shared_capped_edges,
    sorting_order,
)
from sockhound.privacy import KeyedHasher

TASK_WRAPPERS = (
    "Think step by step and show your reasoning before the answer. Task {n}: add {a} and {b}, then explain.",
    "You are a grading assistant. Score the following answer from 1 to 10 with a rubric: answer {n} is {a}.",
    "Write a python function named solve_{n} that returns {a} times {b}, with tests and docstrings included.",
)


def _exchanges(rows: int, accounts: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-02-01", tz="UTC")
    numbers = rng.integers(0, 12, rows)
    prompts = [
        TASK_WRAPPERS[int(n) % 3].format(n=int(n), a=int(n) * 7, b=int(n) + 3) if i % 7 else f"hello there {i}"
        for i, n in enumerate(numbers)
    ]
    upstream = [f"upfp-{rng.integers(0, 5)}" if i % 11 == 0 else None for i in range(rows)]
    return pd.DataFrame({
        "request_id": [f"r-{seed}-{i}" for i in range(rows)],
        "account_id": [f"acct-{i:03d}" for i in rng.integers(0, accounts, rows)],
        "ts": start + pd.to_timedelta(rng.integers(0, 5 * 86400, rows), unit="s"),
        "ip": [f"198.51.100.{i}" for i in rng.integers(1, 40, rows)],
        "prompt": pd.array([None if u else p for p, u in zip(prompts, upstream, strict=True)], dtype="string"),
        "prompt_fingerprint": pd.array(upstream, dtype="string"),
        "model": "model-a",
        "input_tokens": pd.array(rng.integers(1, 900, rows), dtype="Int64"),
        "output_tokens": pd.array(rng.integers(1, 900, rows), dtype="Int64"),
    })


@pytest.fixture(scope="module")
def aggregator() -> ExchangeAggregator:
    return ExchangeAggregator(KeyedHasher(b"test-key-for-account-shards-0123456789"))


@pytest.fixture(scope="module")
def chunks(aggregator: ExchangeAggregator) -> list[ExchangeAggregate]:
    return [aggregator.aggregate(_exchanges(700, accounts=40, seed=seed)) for seed in range(4)]


def _assert_same(left: ExchangeAggregate, right: ExchangeAggregate) -> None:
    for name in left.frames:
        if name != "sent":
            pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name), check_index_type=False,
                                          obj=name)


def test_sorting_order_is_lexsort_whether_packed_or_not() -> None:
    rng = np.random.default_rng(3)
    small = (rng.integers(0, 50, 5_000), -rng.integers(0, 9, 5_000), rng.integers(0, 2**63, 5_000).astype(np.uint64))
    packed = sorting_order(*small)
    rows = list(zip(*(column[packed].tolist() for column in small), strict=True))
    assert rows == sorted(rows)
    wide = tuple(rng.integers(0, 2**63, 5_000).astype(np.uint64) for _ in range(6))  # 5,000**6 codes > 2**63
    order = sorting_order(*wide)
    rows = list(zip(*(column[order].tolist() for column in wide), strict=True))
    assert rows == sorted(rows)


def test_shared_key_counter_finds_keys_of_two_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account_shards, "COMPACT_EVERY_ENTRIES", 500)  # fold many times on the way
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 3_000, 20_000).astype(np.uint64)
    owners = rng.integers(0, 40, 20_000).astype(np.uint64) * np.uint64(2**40)
    counter = SharedKeyCounter()
    for start in range(0, len(keys), 1_700):
        counter.add("template", keys[start:start + 1_700], owners[start:start + 1_700])
    owners_per_key = pd.DataFrame({"key": keys, "owner": owners}).groupby("key")["owner"].nunique()
    expected = np.sort(owners_per_key.index[owners_per_key.to_numpy() >= 2].to_numpy(dtype=np.uint64))
    shared = counter.shared()
    np.testing.assert_array_equal(shared["template"], expected)
    assert len(shared["exact"]) == 0
    assert counter.distinct_keys == len(owners_per_key)


def test_shards_of_chunks_merge_to_the_whole_restricted_to_their_accounts(
    chunks: list[ExchangeAggregate], tmp_path: Path
) -> None:
    whole = merge_many(chunks)
    spill = ShardSpill(tmp_path / "spill", shards=4)
    for chunk in chunks:
        spill.add(chunk)
    spill.finish_writing()
    shard_by_account = dict(zip(whole.activity.index, shard_of(whole.activity.index, 4), strict=True))
    seen_accounts: set[str] = set()
    for shard in range(4):
        merged = spill.merged(shard)
        assert merged is not None
        accounts = set(merged.activity.index)
        assert {shard_by_account[a] for a in accounts} == {shard}
        seen_accounts |= accounts
        expected = split_by_shard(whole, 4)[shard]
        _assert_same(merged, expected)
    assert seen_accounts == set(whole.activity.index)
    spill.remove()
    assert not (tmp_path / "spill").exists()


@pytest.mark.parametrize("key_shards", [1, 4])
def test_sharded_fingerprint_edges_follow_the_batch_wide_rule(
    aggregator: ExchangeAggregator, chunks: list[ExchangeAggregate], tmp_path: Path, key_shards: int
) -> None:
    """Keys two accounts sent; each account's `cap` most used per kind (ties: smaller key); keys still shared.
    Account shards' capped edges regrouped by key shard and decided per key shard give exactly that."""
    cap = 3
    counter = SharedKeyCounter()
    for chunk in chunks:
        counter.add_aggregate(chunk)
    shared = counter.shared()
    whole = merge_many(chunks)
    edge_spill = FingerprintEdgeSpill(tmp_path / "edges", key_shards, whole.upstream_sent.reset_index().iloc[:0])
    for piece in split_by_shard(whole, 3).values():
        edge_spill.add(*shared_capped_edges(piece, shared, cap))
    edge_spill.finish_writing()
    sent: list[tuple[str, str, int]] = []
    nodes: list[tuple[str, int, int]] = []
    for key_shard in range(key_shards):
        parts, upstream = edge_spill.edges(key_shard)
        edges = keep_shared_edges(parts, 2)
        upstream_edges = keep_shared_upstream(upstream, 2)
        sent.extend((r["accountId"], r["fingerprintKey"], r["count"]) for r in sent_rows_of(edges, upstream_edges))
        nodes.extend((r["key"], r["accounts"], r["count"]) for r in fingerprint_rows_of(edges, upstream_edges))
    edge_spill.remove()
    got = set(sent)
    assert len(sent) == len(got), "each (account, key) edge is written once"
    per_key = pd.DataFrame(sent, columns=["account", "key", "count"]).groupby("key")
    assert sorted(nodes) == sorted(zip(per_key.size().index, per_key.size().tolist(),
                                       per_key["count"].sum().tolist(), strict=True))

    full = whole.sent.reset_index()
    expected: set[tuple[str, str, int]] = set()
    for kind, of_kind in full.groupby("kind"):
        accounts_per_key = of_kind.groupby("fingerprintKey")["accountId"].transform("nunique")
        candidates = of_kind[accounts_per_key >= 2]
        if kind != "upstream":  # the upstream kind is not capped
            candidates = (candidates.assign(negative=-candidates["count"])
                          .sort_values(["accountId", "negative", "fingerprintKey"])
                          .groupby("accountId").head(cap))
        still = candidates.groupby("fingerprintKey")["accountId"].transform("nunique") >= 2
        kept = candidates[still]
        expected |= set(zip(kept["accountId"], kept["fingerprintKey"], kept["count"].astype(int).tolist(), strict=True))
    assert got == expected
    assert {key for _, key, _ in got if len(key) == 16}, "near-duplicate bands are among the shared keys"
    assert any(count > 1 for _, _, count in got)


def test_shard_count_grows_with_the_input_and_is_capped() -> None:
    assert shard_count(0, 100) == 1
    assert shard_count(100, 100) == 1
    assert shard_count(101, 100) == 2
    assert shard_count(10**12, 1) == account_shards.MAX_SHARDS
