"""Small contract batches built in tests, with known content (the simulator makes the big ones)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RAW_CARD_NUMBER = "4111 1111 1111 1111"  # Luhn-valid: must be refused and appear nowhere
RAW_EMAIL = "Alice.Example+promo@Gmail.com"
RAW_IP = "203.0.113.77"
RAW_PROMPT = "Please reason step by step: what is 17 * 23? Show all of your working."


@dataclass(frozen=True)
class SmallBatch:
    directory: Path
    accounts: pd.DataFrame
    payment_methods: pd.DataFrame
    exchanges: pd.DataFrame
    labels: pd.DataFrame


def write_small_batch(directory: Path, *, exchange_ids: range = range(0, 400), bad_rows: bool = False,
                      ts_offset_hours: int = 0, account_count: int = 12) -> SmallBatch:
    """Two payment rings and some loners; exchanges spread over accounts, IPs and two prompt templates."""
    directory.mkdir(parents=True, exist_ok=True)
    account_ids = [f"acct-{i:03d}" for i in range(account_count)]
    accounts = pd.DataFrame({
        "account_id": account_ids,
        "created_at": [f"2026-03-0{1 + i % 9}T10:00:00Z" for i in range(account_count)],
        "email": [RAW_EMAIL if i == 0 else f"user{i}@example.org" for i in range(account_count)],
        "country": ["US"] * account_count,
        "pathway": ["direct" if i % 12 < 6 else "education" for i in range(account_count)],
        "org_id": [""] * account_count,
        "status": ["banned" if i == 11 else "active" for i in range(account_count)],
    })
    payment_methods = pd.DataFrame({
        "account_id": account_ids[:8],
        "payment_fingerprint": ["pm_ring_a"] * 3 + ["pm_ring_b"] * 2 + ["pm_solo_1", "pm_solo_2", "pm_solo_3"],
        "brand": ["visa"] * 8,
        "funding": ["prepaid"] * 3 + ["credit"] * 5,
        "bin": ["411111"] * 8,
        "country": ["US"] * 8,
        "added_at": ["2026-03-02T00:00:00Z"] * 8,
    })
    rows = []
    for n in exchange_ids:
        account = account_ids[n % account_count]
        ip = RAW_IP if n % 12 < 3 else f"198.51.{n % 97}.{n % 12}"
        prompt = (RAW_PROMPT if n % 2 == 0 else
                  f"Think carefully and explain each step. Problem {n}: a train travels {n} km in 2 hours.")
        rows.append({
            "request_id": f"req-{n:06d}", "account_id": account,
            "ts": pd.Timestamp("2026-03-10T00:00:00Z") + pd.Timedelta(hours=ts_offset_hours, minutes=n),
            "ip": ip, "prompt": prompt, "model": "model-a" if n % 3 else "model-b",
            "input_tokens": 100 + n % 7, "output_tokens": 400,
        })
    exchanges = pd.DataFrame(rows)
    exchanges["ts"] = exchanges["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = pd.DataFrame({"account_id": [account_ids[11]], "label": ["abusive"], "source": ["analyst-7"],
                           "at": ["2026-03-09T12:00:00Z"]})
    exchanges = exchanges.astype({"input_tokens": "Int64", "output_tokens": "Int64"})
    if bad_rows:
        payment_methods = pd.concat([payment_methods, pd.DataFrame([
            {"account_id": "acct-009", "payment_fingerprint": RAW_CARD_NUMBER, "brand": "visa"},
            {"account_id": "acct-010", "payment_fingerprint": "pm_ok", "funding": "barter"},
        ])], ignore_index=True)
        exchanges = pd.concat([exchanges, pd.DataFrame([
            {"request_id": "bad-ts", "account_id": "acct-001", "ts": "yesterday-ish", "ip": "10.0.0.1",
             "prompt": "hello"},
            {"request_id": "bad-ip", "account_id": "acct-001", "ts": "2026-03-10T00:00:00Z", "ip": "999.1.1.1",
             "prompt": "hello"},
            {"request_id": "req-000000", "account_id": "acct-002", "ts": "2026-03-10T00:00:00Z",
             "ip": "10.0.0.2", "prompt": "duplicate request id"},
        ])], ignore_index=True)
    accounts.to_csv(directory / "accounts.csv", index=False)
    payment_methods.to_csv(directory / "payment_methods.csv", index=False)
    with gzip.open(directory / "exchanges.csv.gz", "wt", newline="") as handle:
        exchanges.to_csv(handle, index=False)
    labels.to_csv(directory / "labels.csv", index=False)
    return SmallBatch(directory, accounts, payment_methods, exchanges, labels)
