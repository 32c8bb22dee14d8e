"""Aggregation of exchanges: counts/first/last, exact merge, synchrony buckets, privacy of every row."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loaders.aggregate import CAPABILITY_COLUMNS, ExchangeAggregate, ExchangeAggregator
from loaders.engine import AggregationEngine
from loaders.rows import account_rows, activity_rows, ip_rows, model_rows, payment_rows, seen_from_rows
from sockhound.privacy import KeyedHasher

KEY = b"test-key-for-aggregation-0123456789"
TEMPLATE = (
    "Solve the following math problem step by step. Show your reasoning clearly before giving the final "
    "answer.\n\nProblem: {task}\n\nAt the end, write the final answer on its own line as 'Answer: <number>'."
)
TASKS = [
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
    "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting.",
    "Betty is saving money for a new wallet which costs $100.",
]


def _exchanges(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-03-01", tz="UTC")
    prompts = [TEMPLATE.format(task=t) for t in TASKS] + ["Write a haiku about the sea", None]
    prompt_choice = rng.integers(0, len(prompts), rows)
    prompt = pd.array([prompts[i] for i in prompt_choice], dtype="string")
    upstream = pd.array([f"upfp-{rng.integers(0, 3)}" if p is pd.NA else None for p in prompt], dtype="string")
    return pd.DataFrame(
        {
            "request_id": [f"req-{seed}-{i}" for i in range(rows)],
            "account_id": [f"acct-{i}" for i in rng.integers(0, 6, rows)],
            "ts": start + pd.to_timedelta(rng.integers(0, 3 * 86400, rows), unit="s"),
            "ip": [f"203.0.113.{i}" for i in rng.integers(1, 9, rows)],
            "prompt": prompt,
            "prompt_fingerprint": upstream,
            "api_key_id": "k",
            "model": pd.array([["model-a", "model-b", None][i] for i in rng.integers(0, 3, rows)], dtype="string"),
            "user_agent": "ua",
            "input_tokens": pd.array(rng.integers(1, 500, rows), dtype="Int64"),
            "output_tokens": pd.array([None if i % 5 == 0 else i for i in range(rows)], dtype="Int64"),
        }
    )


@pytest.fixture(scope="module")
def aggregator() -> ExchangeAggregator:
    return ExchangeAggregator(KeyedHasher(KEY))


@dataclass
class Merged:
    """What the production path makes of some chunk aggregates: the DuckDB engine's merged per-account
    frames (one partition), its IPs, SENT rows and PromptFingerprint rows."""

    aggregate: ExchangeAggregate
    sent: list[dict[str, Any]]
    nodes: list[dict[str, Any]]


_runs = itertools.count()


def merged_by_engine(aggregator: ExchangeAggregator, chunks: list[ExchangeAggregate], directory: Path, *,
                     min_accounts: int = 1, per_account: int = 10**6) -> Merged:
    """Chunks through ``AggregationEngine`` (add, finish, read back), as a load does; by default every
    fingerprint edge is kept (no sharing rule, no cap)."""
    with AggregationEngine(directory / f"spill-{next(_runs)}", memory_limit="256MB") as engine:
        for chunk in chunks:
            engine.add(chunk)
        engine.finish(min_accounts=min_accounts, per_account=per_account)
        parts = list(engine.partitions(1, aggregator.empty()))
        merged = parts[0] if parts else aggregator.empty()
        merged.ips = engine.ips()
        return Merged(merged, [row for rows in engine.sent_rows(1) for row in rows], engine.fingerprint_node_rows())


MERGED_FRAMES = ("seen_from", "ips", "activity", "hours", "models", "sync")


def _assert_same(left: ExchangeAggregate, right: ExchangeAggregate) -> None:
    for name in MERGED_FRAMES:
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name).sort_index(),
                                      check_index_type=False, check_dtype=False, check_names=False, obj=name)


def _assert_same_merged(left: Merged, right: Merged) -> None:
    _assert_same(left.aggregate, right.aggregate)
    assert left.sent == right.sent
    assert left.nodes == right.nodes


def test_counts_first_and_last_are_exact(aggregator: ExchangeAggregator, tmp_path: Path) -> None:
    chunk = _exchanges(400)
    agg = aggregator.aggregate(chunk)
    seen = {(r["accountId"], r["ipKey"]): r for r in seen_from_rows(agg)}
    ip_key = aggregator.hasher.hash_one("ip", "203.0.113.3")
    expected = chunk[(chunk["account_id"] == "acct-2") & (chunk["ip"] == "203.0.113.3")]
    row = seen[("acct-2", ip_key)]
    assert row["count"] == len(expected)
    assert row["firstSeen"] == expected["ts"].min().to_pydatetime()
    assert row["lastSeen"] == expected["ts"].max().to_pydatetime()
    assert sum(r["count"] for r in seen.values()) == len(chunk)

    activity = {r["accountId"]: r for r in activity_rows(agg)}
    mine = chunk[chunk["account_id"] == "acct-2"]
    assert activity["acct-2"]["exchanges"] == len(mine)
    assert activity["acct-2"]["inputTokens"] == int(mine["input_tokens"].sum())
    assert activity["acct-2"]["outputTokens"] == int(mine["output_tokens"].sum())
    assert sum(activity["acct-2"]["hourOfDay"]) == len(mine)
    assert activity["acct-2"]["activeHours"] == mine["ts"].dt.floor("h").nunique()
    assert activity["acct-2"]["maxPerHour"] == mine.groupby(mine["ts"].dt.floor("h")).size().max()
    assert activity["acct-2"]["capCot"] == int(mine["prompt"].str.contains("step by step").fillna(False).sum())
    models = {(r["accountId"], r["model"]): r["count"] for r in model_rows(agg)}
    assert models[("acct-2", "unknown")] == int(mine["model"].isna().sum())

    through = merged_by_engine(aggregator, [agg], tmp_path)
    sent = through.sent
    exact = [r for r in sent if r["kind"] == "exact" and r["accountId"] == "acct-2"]
    assert sum(r["count"] for r in exact) == int(mine["prompt"].notna().sum())
    upstream = [r for r in sent if r["kind"] == "upstream"]
    assert sum(r["count"] for r in upstream) == int(chunk["prompt_fingerprint"].notna().sum())
    assert {r["kind"] for r in sent} == {"exact", "template", "nearband", "upstream"}
    # the three wrapped tasks share one template frame: their band keys coincide
    fingerprints = through.nodes
    assert any(r["kind"] == "nearband" and r["accounts"] == 6 for r in fingerprints)
    assert {r["version"] for r in ip_rows(agg)} == {4}


def test_merge_of_chunks_equals_aggregate_of_union(aggregator: ExchangeAggregator, tmp_path: Path) -> None:
    """The engine's merge (SQL) of chunk aggregates equals the aggregate of their union."""
    chunk = _exchanges(600, seed=1)
    shuffled = chunk.sample(frac=1.0, random_state=2)
    first, second = shuffled.iloc[:250], shuffled.iloc[250:]
    merged = merged_by_engine(aggregator, [aggregator.aggregate(first), aggregator.aggregate(second)], tmp_path)
    whole = aggregator.aggregate(chunk)
    _assert_same(merged.aggregate, whole)
    assert activity_rows(merged.aggregate) == activity_rows(whole)
    through_whole = merged_by_engine(aggregator, [whole], tmp_path)
    _assert_same_merged(merged, through_whole)
    _assert_same_merged(merged_by_engine(aggregator, [aggregator.empty(), whole], tmp_path), through_whole)
    # any grouping and order of three chunks, including one with no text at all
    third = chunk.iloc[:50].assign(
        prompt=pd.array([None] * 50, dtype="string"), prompt_fingerprint=pd.array(["upfp-x"] * 50, dtype="string")
    )
    chunks = [aggregator.aggregate(first), aggregator.aggregate(second), aggregator.aggregate(third)]
    left = merged_by_engine(aggregator, chunks, tmp_path)
    right = merged_by_engine(aggregator, chunks[::-1], tmp_path)
    _assert_same_merged(left, right)
    assert any(row["kind"] == "upstream" and row["fingerprintKey"] for row in left.sent)


def test_no_raw_value_in_any_row(aggregator: ExchangeAggregator, tmp_path: Path) -> None:
    chunk = _exchanges(300, seed=3)
    chunk["ip"] = [f"2001:db8:77::{i % 7}" if i % 2 else "198.51.100.23" for i in range(len(chunk))]
    agg = aggregator.aggregate(chunk)
    through = merged_by_engine(aggregator, [agg], tmp_path)
    assert through.sent and through.nodes
    rows = [
        *seen_from_rows(agg),
        *ip_rows(agg),
        *through.sent,
        *through.nodes,
        *activity_rows(agg),
        *aggregator.sync_bucket_rows(agg.sync).to_dict("records"),
    ]
    serialised = repr(rows)
    for raw in ["198.51.100", "2001:db8", "haiku", "Natalia", "babysitting", "upfp-", "step by step"]:
        assert raw not in serialised
    assert {len(r["ipKey"]) for r in ip_rows(agg)} == {32}


def _timed(account: str, times: pd.DatetimeIndex) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame(
        {
            "request_id": [f"{account}-{i}" for i in range(n)],
            "account_id": account,
            "ts": times,
            "ip": "192.0.2.1",
            "prompt": pd.array(["hello there friend"] * n, dtype="string"),
            "prompt_fingerprint": pd.array([None] * n, dtype="string"),
            "model": "m",
            "input_tokens": pd.array([None] * n, dtype="Int64"),
            "output_tokens": pd.array([None] * n, dtype="Int64"),
        }
    )


def test_synchronised_accounts_share_sync_buckets(aggregator: ExchangeAggregator, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    start = pd.Timestamp("2025-03-01", tz="UTC")
    bursts = start + pd.to_timedelta(np.sort(rng.choice(7 * 288, 80, replace=False)) * 300, unit="s")
    frames = []
    for bot in range(30):  # each bot fires in ~85% of the operation's bursts, seconds apart
        active = bursts[rng.random(len(bursts)) < 0.85]
        jitter = pd.to_timedelta(rng.integers(0, 60, len(active)), unit="s")
        frames.append(_timed(f"bot-{bot}", active + jitter))
    for user in range(60):  # ordinary users: their own ~70 moments over the week
        moments = start + pd.to_timedelta(np.sort(rng.integers(0, 7 * 86400, 70)), unit="s")
        frames.append(_timed(f"user-{user}", pd.DatetimeIndex(moments)))
    exchanges = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=3)
    # aggregate in three chunks and merge in the engine: signatures combine by element-wise min
    parts = np.array_split(np.arange(len(exchanges)), 3)
    chunks = [aggregator.aggregate(exchanges.iloc[part]) for part in parts]
    agg = merged_by_engine(aggregator, chunks, tmp_path).aggregate
    buckets = aggregator.sync_bucket_rows(agg.sync)
    per_account = buckets.groupby("accountId")["bucketKey"].agg(set).to_dict()

    def share_rate(names_a: list[str], names_b: list[str]) -> float:
        pairs = [(a, b) for a in names_a for b in names_b if a != b]
        return float(np.mean([bool(per_account.get(a, set()) & per_account.get(b, set())) for a, b in pairs]))

    bots = [f"bot-{i}" for i in range(30)]
    users = [f"user-{i}" for i in range(60)]
    bot_rate, user_rate, mixed_rate = share_rate(bots, bots), share_rate(users, users), share_rate(bots, users)
    assert bot_rate >= 0.9, bot_rate
    assert user_rate <= 0.05, user_rate
    assert mixed_rate <= 0.05, mixed_rate


def test_single_window_accounts_get_no_sync_buckets(aggregator: ExchangeAggregator) -> None:
    moment = pd.DatetimeIndex([pd.Timestamp("2025-03-01 10:00:05", tz="UTC")] * 3)
    agg = aggregator.aggregate(pd.concat([_timed("a", moment), _timed("b", moment)], ignore_index=True))
    assert len(aggregator.sync_bucket_rows(agg.sync)) == 0


def test_account_and_payment_rows_hide_raw_values() -> None:
    hasher = KeyedHasher(KEY)
    accounts = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3"],
            "created_at": pd.to_datetime(["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"]),
            "email": pd.array(["Mia.Chen+x@gmail.com", "miachen@googlemail.com", None], dtype="string"),
            "country": ["US", "US", None],
            "pathway": ["direct", "reseller", "cloud"],
            "org_id": [None, "org9", None],
            "status": [None, "banned", "active"],
        }
    )
    rows = account_rows(accounts, hasher)
    assert rows[0]["emailKey"] == rows[1]["emailKey"] and rows[2]["emailKey"] is None
    assert "emailDomain" not in rows[0] and rows[0]["status"] == "active"
    assert "gmail" not in repr(rows)
    assert rows[0]["createdAt"].tzinfo is not None and rows[2]["country"] is None
    assert "mia" not in repr(rows).lower()

    payments = pd.DataFrame(
        {
            "account_id": ["a1", "a2"],
            "payment_fingerprint": ["pm_fp_Zx81", "pm_fp_Zx81"],
            "brand": ["visa", "visa"],
            "funding": ["prepaid", "prepaid"],
            "bin": ["411111", "411111"],
            "country": ["GB", "GB"],
            "added_at": pd.Series(["2025-01-01T00:00:00Z", None], dtype="string").pipe(pd.to_datetime, utc=True),
        }
    )
    payment = payment_rows(payments, hasher)
    assert payment[0]["paymentKey"] == payment[1]["paymentKey"]
    assert payment[0]["bin"] == "411111" and payment[0]["funding"] == "prepaid"
    assert payment[1]["addedAt"] is None
    assert "pm_fp" not in repr(payment)


def test_capability_columns_are_named_after_capabilities() -> None:
    assert CAPABILITY_COLUMNS == ("capCot", "capCode", "capTool", "capMath", "capRubric", "capRewrite")


def test_shared_sent_rows_match_the_full_sent_frame(aggregator: ExchangeAggregator, tmp_path: Path) -> None:
    """The engine's sharing rule (``min_accounts``, no cap) equals filtering every SENT edge by its key's
    number of accounts; PromptFingerprint rows sum their edges."""
    chunks = [aggregator.aggregate(_exchanges(300, seed=5)), aggregator.aggregate(_exchanges(200, seed=6))]
    full = pd.DataFrame(merged_by_engine(aggregator, chunks, tmp_path).sent)
    for min_accounts in (1, 2, 4):
        accounts_per_key = full.groupby("fingerprintKey")["accountId"].transform("size")
        expected = full[accounts_per_key >= min_accounts]
        through = merged_by_engine(aggregator, chunks, tmp_path, min_accounts=min_accounts)
        rows = pd.DataFrame(through.sent)
        key = ["accountId", "fingerprintKey"]
        assert len(rows) == len(expected)
        merged = rows.merge(expected, on=key, suffixes=("", "_full"))
        assert len(merged) == len(expected)
        for column in ("kind", "count", "firstSeen", "lastSeen"):
            assert (merged[column] == merged[f"{column}_full"]).all()
        nodes = {r["key"]: r for r in through.nodes}
        per_key = expected.groupby("fingerprintKey").agg(accounts=("accountId", "size"), count=("count", "sum"))
        assert set(nodes) == set(per_key.index)
        for key_value, row in per_key.iterrows():
            assert nodes[str(key_value)]["accounts"] == row["accounts"]
            assert nodes[str(key_value)]["count"] == row["count"]
    assert {len(k) for k in full.loc[full["kind"] != "nearband", "fingerprintKey"]} == {32}
    assert {len(k) for k in full.loc[full["kind"] == "nearband", "fingerprintKey"]} == {16}
