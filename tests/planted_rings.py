"""A world of many small planted rings inside a crowd that chains them together: every ring rides the same
few commercial VPN exits as hundreds of genuine users, so connected components (and modularity at a coarse
resolution) see one blob. Written as a contract batch with its truth.csv."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

START = datetime(2026, 3, 2, tzinfo=UTC)
VPN_EXITS = [f"198.51.100.{i}" for i in range(1, 9)]


def _words(rng: np.random.Generator, count: int) -> str:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return " ".join("".join(rng.choice(letters, size=6)) for _ in range(count))


def write_planted_rings(directory: Path, ring_sizes: list[int], genuine: int, seed: int = 5) -> Path:
    """Rings of the given sizes (each: two shared prepaid cards, its own datacenter /24, its own scheduler and
    prompt template, created in one burst; one VPN exit shared with the crowd) and `genuine` people
    (own cards and homes; a third of them on the shared VPN exits; families of three on one card)."""
    rng = np.random.default_rng(seed)
    accounts: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    exchanges: list[dict[str, Any]] = []
    truth: list[dict[str, str]] = []
    for ring, size in enumerate(ring_sizes):
        burst = START + timedelta(days=int(rng.integers(-20, 5)), minutes=int(rng.integers(0, 1_000)))
        clock = 400 * ring  # each ring its own scheduler phase, in its own 5-minute sync windows
        topic = _words(rng, 3)  # and its own prompt template
        for member in range(size):
            account = f"ring{ring:03d}-{member:02d}"
            accounts.append({"account_id": account, "created_at": (burst + timedelta(minutes=3 * member)).isoformat(),
                             "email": f"{account}@mailbox.example", "pathway": "direct"})
            payments.append({"account_id": account, "payment_fingerprint": f"pm_ring{ring}_{member % 2}",
                             "funding": "prepaid"})
            for wave in range(30):
                ts = START + timedelta(seconds=clock % 14_400 + wave * 14_400 + int(rng.integers(0, 15)))
                own = f"203.{ring // 200}.{ring % 200}.{member % 4}"
                ip = VPN_EXITS[ring % len(VPN_EXITS)] if wave % 10 == 0 else own
                exchanges.append({"account_id": account, "ts": ts.isoformat(), "ip": ip,
                                  "prompt": f"Reason step by step about {topic} case {wave * 13 + member}, "
                                            "then give the final answer only.",
                                  "model": "atlas-3"})
            truth.append({"account_id": account, "actor": f"ring-{ring:03d}"})
    for person in range(genuine):
        account = f"person-{person:05d}"
        family = person // 3 if person % 10 < 3 else None
        accounts.append({"account_id": account,
                         "created_at": (START - timedelta(days=int(rng.integers(30, 900)))).isoformat(),
                         "email": f"{account}@mail.example", "pathway": "direct"})
        card = f"pm_family_{family}" if family is not None else f"pm_person_{person}"
        payments.append({"account_id": account, "payment_fingerprint": card, "funding": "credit"})
        home = f"100.{64 + (family if family is not None else person) // 250}.{(family or person) % 250}.9"
        for _ in range(int(np.clip(rng.lognormal(2.0, 1.0), 2, 80))):
            on_vpn = person % 3 == 0 and rng.random() < 0.7
            exchanges.append({
                "account_id": account,
                "ts": (START + timedelta(seconds=int(rng.integers(0, 25 * 86_400)))).isoformat(),
                "ip": VPN_EXITS[int(rng.integers(0, len(VPN_EXITS)))] if on_vpn else home,
                "prompt": _words(rng, 12), "model": "atlas-2",
            })
        truth.append({"account_id": account, "actor": "benign"})
    directory.mkdir(parents=True)
    frame = pd.DataFrame(exchanges)
    frame.insert(0, "request_id", [f"req-{i}" for i in range(len(frame))])
    pd.DataFrame(accounts).to_csv(directory / "accounts.csv", index=False)
    pd.DataFrame(payments).to_csv(directory / "payment_methods.csv", index=False)
    frame.to_csv(directory / "exchanges.csv", index=False)
    pd.DataFrame(truth).to_csv(directory / "truth.csv", index=False)
    return directory
