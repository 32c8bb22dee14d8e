"""Throughput of the loader's pure core on real prompt text: fingerprinting and chunk aggregation.

Usage: .venv/bin/python bench/fingerprints.py [--rows 200000] [--distinct-share 0.3]

Builds exchanges whose prompts mix ordinary prompts (benign pool) and a campaign's CoT-wrapped GSM8K
tasks, with ``--distinct-share`` distinct texts per exchange, and times (1) fingerprinting the distinct
texts, (2) ``ExchangeAggregator.aggregate`` over 100k-row chunks, each added to the load's DuckDB engine
(the figure the loader's throughput target is about) and (3) the engine's merge and fingerprint rules
(``finish``) and reading back the SENT and fingerprint rows a load writes (the load's own path).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.aggregate import ExchangeAggregator
from loaders.engine import AggregationEngine
from simulator.prompts import pool_path
from sockhound.fingerprints import PromptFingerprinter
from sockhound.privacy import KeyedHasher

TEMPLATE = (
    "Solve the following math problem step by step. Show your reasoning clearly before giving the final "
    "answer.\n\nProblem: {task}\n\nAt the end, write the final answer on its own line as 'Answer: <number>'."
)


def build_exchanges(rows: int, distinct_share: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    benign = pd.read_json(pool_path("benign.jsonl.gz"), lines=True)["text"].tolist()
    tasks = pd.read_json(pool_path("tasks.jsonl.gz"), lines=True)["text"].tolist()
    distinct = max(1, int(rows * distinct_share))
    # distinct texts: half campaign (task x suffix counter keeps them distinct), half ordinary (+ a user tweak)
    pool = [
        TEMPLATE.format(task=tasks[i % len(tasks)]) + (f" #{i}" if i >= len(tasks) else "")
        if i % 2
        else benign[i % len(benign)] + (f" (v{i})" if i >= len(benign) else "")
        for i in range(distinct)
    ]
    choice = np.concatenate([np.arange(distinct), rng.integers(0, distinct, rows - distinct)])
    rng.shuffle(choice)
    start = pd.Timestamp("2025-03-01", tz="UTC")
    return pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(rows)],
            "account_id": [f"acct-{i}" for i in rng.integers(0, 5000, rows)],
            "ts": start + pd.to_timedelta(rng.integers(0, 7 * 86400, rows), unit="s"),
            "ip": [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, (rows, 3))],
            "prompt": pd.array([pool[i] for i in choice], dtype="string"),
            "prompt_fingerprint": pd.array([None] * rows, dtype="string"),
            "api_key_id": "k",
            "model": pd.array(rng.choice(["model-a", "model-b", "model-c"], rows), dtype="string"),
            "user_agent": "ua",
            "input_tokens": pd.array(rng.integers(1, 2000, rows), dtype="Int64"),
            "output_tokens": pd.array(rng.integers(1, 2000, rows), dtype="Int64"),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--distinct-share", type=float, default=0.3)
    parser.add_argument("--chunk", type=int, default=100_000)
    args = parser.parse_args()
    exchanges = build_exchanges(args.rows, args.distinct_share, seed=0)
    hasher = KeyedHasher(b"benchmark-key-0123456789abcdef")

    texts = exchanges["prompt"].drop_duplicates().tolist()
    fingerprinter = PromptFingerprinter(hasher)
    fingerprinter.fingerprint(texts[:1000])  # warm the word cache a little, as a running loader would
    began = time.perf_counter()
    fingerprinter.fingerprint(texts)
    took = time.perf_counter() - began
    mean_chars = float(np.mean([len(t) for t in texts]))
    print(
        f"fingerprint: {len(texts):,} distinct texts (mean {mean_chars:.0f} chars) in {took:.2f}s "
        f"= {len(texts) / took:,.0f} texts/s"
    )

    aggregator = ExchangeAggregator(hasher)
    with tempfile.TemporaryDirectory(prefix="bench-fingerprints-") as private, \
            AggregationEngine(Path(private) / "spill", memory_limit="1GB") as engine:
        began = time.perf_counter()
        for offset in range(0, len(exchanges), args.chunk):
            engine.add(aggregator.aggregate(exchanges.iloc[offset : offset + args.chunk]))
        took = time.perf_counter() - began
        print(
            f"aggregate+engine insert: {len(exchanges):,} exchanges, distinct share {args.distinct_share}, "
            f"chunk {args.chunk:,}: {took:.2f}s = {len(exchanges) / took:,.0f} exchanges/s"
        )
        began = time.perf_counter()
        engine.finish(min_accounts=2, per_account=10)
        merged = time.perf_counter() - began
        kept = {table: engine.scalar(f"SELECT count(*) FROM {table}")
                for table in ("seen_from", "prompt_sent", "prompts", "activity", "hours")}
        print(
            f"  engine merge + fingerprint rules: {merged:.2f}s; kept: seenFrom {kept['seen_from']:,}, "
            f"(account, prompt) {kept['prompt_sent']:,}, prompts {kept['prompts']:,}, "
            f"accounts {kept['activity']:,}, account-hours {kept['hours']:,}"
        )
        began = time.perf_counter()
        sent = [row for rows in engine.sent_rows(1) for row in rows]
        nodes = engine.fingerprint_node_rows()
        took = time.perf_counter() - began
    print(
        f"read SENT + fingerprint rows (min_accounts=2, 10 per account and kind, once per load): {took:.2f}s -> "
        f"{len(sent):,} SENT rows, {len(nodes):,} fingerprint rows"
    )

if __name__ == "__main__":
    main()
