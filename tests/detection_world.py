"""A hand-built world for detection and API tests: two or three rings (shared prepaid cards, proxies,
templated chain-of-thought prompts, one scheduler each), a company on shared infrastructure (corporate card,
office subnet) and benign singles, written as a contract batch with its truth.csv."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from neo4j import Driver

from detect.config import DetectionSettings
from loaders.load_batch import BatchLoader
from sockhound.graph import Graph
from sockhound.settings import Settings

START = datetime(2026, 3, 2, tzinfo=UTC)
COMPANY_SUBNET = "203.0.113.0/24"
COMPANY_CARD = "pm_company_shared_card_0001"
RING_A = [f"ring-a-{i:02d}" for i in range(12)]
RING_B = [f"ring-b-{i:02d}" for i in range(8)]
RING_C = [f"ring-c-{i:02d}" for i in range(6)]
COMPANY = [f"company-{i:02d}" for i in range(6)]
BENIGN = [f"benign-{i:03d}" for i in range(120)]
FAMILIES = [[f"family-{f:02d}-{m}" for m in range(3)] for f in range(16)]
FAMILY_MEMBERS = [member for family in FAMILIES for member in family]
def detection_settings() -> DetectionSettings:
    """The shipped defaults: detection has no weights to set for a test world."""
    return DetectionSettings()


def _word_salad(rng: np.random.Generator) -> str:
    """A prompt that shares no fingerprint (exact, template or near-duplicate band) with any other."""
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return " ".join("".join(rng.choice(letters, size=7)) for _ in range(14))


def _ring(ids: list[str], ring: str, card_group: int, subnet: str, rng: np.random.Generator,
          offset_s: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    accounts, payments, exchanges = [], [], []
    burst = START - timedelta(days=3)
    for i, account in enumerate(ids):
        accounts.append({"account_id": account, "created_at": (burst + timedelta(minutes=7 * i)).isoformat(),
                         "email": f"{account}@throwaway.example", "country": "US", "pathway": "direct"})
        payments.append({"account_id": account, "payment_fingerprint": f"pm_{ring}_card_{i // card_group}",
                         "brand": "visa", "funding": "prepaid"})
        for wave in range(40):  # one scheduler: every member fires in the same minute of each wave
            ts = START + timedelta(seconds=offset_s + wave * 1_800 + int(rng.integers(0, 20)))
            exchanges.append({
                "account_id": account, "ts": ts.isoformat(), "ip": f"{subnet}.{10 + i % 3}",
                "prompt": f"Think step by step and show your full chain of thought: what is {wave * 7 + i} "
                          f"times {wave + 3}? Then grade the answer against rubric {ring}.",
                "model": "atlas-3",
            })
    return accounts, payments, exchanges


def write_world(directory: Path, rings: dict[str, list[str]], families: bool = True) -> Path:
    """The batch and its truth.csv: around the rings, people busy enough for usage to be measured, and
    with `families`, families on one card and one home connection.

    A batch: rings (shared cards, proxies, templates, synchronised), a company, benign singles."""
    rng = np.random.default_rng(7)
    accounts: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    exchanges: list[dict[str, Any]] = []
    truth: list[dict[str, str]] = []
    subnets = {"a": "198.18.7", "b": "198.18.9", "c": "198.18.11"}
    offsets = {"a": 0, "b": 600, "c": 1_200}  # three schedulers, each firing in its own minutes
    for ring, ids in rings.items():
        a, p, e = _ring(ids, ring, 4, subnets[ring], rng, offset_s=offsets[ring])
        accounts += a
        payments += p
        exchanges += e
        truth += [{"account_id": account, "actor": f"ring-{ring}"} for account in ids]
    for i, account in enumerate(COMPANY):  # genuine staff: one corporate card, one office subnet, one org
        accounts.append({"account_id": account, "created_at": (START - timedelta(days=400 + 30 * i)).isoformat(),
                         "email": f"staff{i}@company.example", "country": "DE", "pathway": "direct",
                         "org_id": "org-company-example"})
        payments.append({"account_id": account, "payment_fingerprint": COMPANY_CARD, "brand": "visa",
                         "funding": "credit"})
        for n in range(4):
            exchanges.append({"account_id": account,
                              "ts": (START + timedelta(hours=9 + n * 26 + i)).isoformat(),
                              "ip": f"203.0.113.{20 + i}", "prompt": _word_salad(rng),
                              "model": "atlas-2"})
        truth.append({"account_id": account, "actor": "benign"})
    for i, account in enumerate(BENIGN):  # people on their own, some of them busy
        accounts.append({"account_id": account, "created_at": (START - timedelta(days=5 * i + 1)).isoformat(),
                         "email": f"person{i}@mail.example", "country": "GB", "pathway": "direct"})
        payments.append({"account_id": account, "payment_fingerprint": f"pm_person_{i}", "brand": "mastercard",
                         "funding": "credit"})
        for n in range(int(np.clip(rng.lognormal(2.0, 1.0), 3, 80))):
            exchanges.append({"account_id": account,
                              "ts": (START + timedelta(seconds=int(rng.integers(0, 600 * 3_600)))).isoformat(),
                              "ip": f"100.{64 + i // 200}.{i % 200}.{n % 3 + 1}",
                              "prompt": f"Person {i} asks question {n}: {rng.integers(0, 10**9)} about gardening",
                              "model": "atlas-2"})
        truth.append({"account_id": account, "actor": "benign"})
    for f, family in enumerate(FAMILIES if families else []):  # one card and one home connection each
        for m, account in enumerate(family):
            accounts.append({"account_id": account,
                             "created_at": (START - timedelta(days=300 + 40 * f + 9 * m)).isoformat(),
                             "email": f"family{f}.member{m}@mail.example", "country": "FR", "pathway": "direct"})
            payments.append({"account_id": account, "payment_fingerprint": f"pm_family_{f}", "brand": "visa",
                             "funding": "debit"})
            for _ in range(int(rng.integers(3, 30))):
                exchanges.append({"account_id": account,
                                  "ts": (START + timedelta(seconds=int(rng.integers(0, 600 * 3_600)))).isoformat(),
                                  "ip": f"100.90.{f}.7", "prompt": _word_salad(rng), "model": "atlas-2"})
            truth.append({"account_id": account, "actor": "benign"})
    frame = pd.DataFrame(exchanges)
    frame.insert(0, "request_id", [f"req-{directory.name}-{i}" for i in range(len(frame))])
    directory.mkdir(parents=True)
    pd.DataFrame(accounts).to_csv(directory / "accounts.csv", index=False)
    pd.DataFrame(payments).to_csv(directory / "payment_methods.csv", index=False)
    frame.to_csv(directory / "exchanges.csv", index=False)
    pd.DataFrame([{"account_id": BENIGN[0], "label": "benign", "source": "analyst"},
                  {"account_id": next(iter(rings.values()))[0], "label": "abusive", "source": "analyst"}]
                 ).to_csv(directory / "labels.csv", index=False)
    pd.DataFrame(truth).to_csv(directory / "truth.csv", index=False)
    return directory


def load(settings: Settings, driver: Driver, batch: Path, reports: Path) -> None:
    report = BatchLoader(Graph(settings, driver), chunk_rows=5_000).load(batch, reports)
    assert report.outcome == "loaded"


def detected_world(settings: Settings, driver: Driver, root: Path) -> pd.DataFrame:
    """An emptied graph holding rings A and B, the company and the benign singles, loaded and detected;
    returns the verdicts indexed by account."""
    from detect.export import verdicts_frame
    from detect.pipeline import run_detection
    from queries import load_query
    from sockhound.graph import Graph

    Graph(settings, driver).run_statements(load_query("maintenance/delete_all_in_batches"), {"batchSize": 10_000})
    load(settings, driver, write_world(root / "world", {"a": RING_A, "b": RING_B}), root / "report")
    run_detection(Graph(settings, driver), detection_settings())
    return verdicts_frame(Graph(settings, driver)).set_index("account_id")
