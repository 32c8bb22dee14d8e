"""Who is on the platform: genuine people and organisations (simulator/genuine.py), benign look-alike
crowds (simulator/crowds.py) and adversary operations' account slots (simulator/operations.py), with
their infrastructure, cards and labels.

Everything per account lives in one `Population.profile` frame (hidden behaviour columns next to the
public account columns, plus `actor` and `group` for truth.csv); traffic generation reads it chunk by
chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from simulator.addresses import AddressBook
from simulator.config import WorldConfig
from simulator.crowds import build_crowds, plan_crowds
from simulator.genuine import build_genuine
from simulator.identities import DAY, unique_ids
from simulator.operations import build_operation
from simulator.parts import CrowdTable, offset_account_indices
from simulator.prompts import PromptPools

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

_INTEGER_COLUMNS: Final = (
    "created_at",
    "segment",
    "exchanges",
    "lease0",
    "lease1",
    "lease2",
    "lease_count",
    "carrier_pool",
    "vpn_pool",
    "office_pool",
    "campus_pool",
    "proxy_pool",
    "app_pool",
    "app_template",
    "model_preference",
    "active_start",
    "active_end",
    "daily_rate",
    "phase_seed",
    "ip_mode",
    "ip_pool",
    "primary_family",
    "secondary_family",
    "user_agent_choice",
    "crowd",
    "crowd_exchanges",
    "cron_period",
    "cron_offset",
    "cron_batch",
)
_FLOAT_COLUMNS: Final = ("tz_offset", "attendance", "session_rate")


@dataclass
class Population:
    """All accounts (public columns + behaviour), payment rows, labels, crowds and the address book."""

    profile: pd.DataFrame
    payment_methods: pd.DataFrame
    labels: pd.DataFrame
    addresses: AddressBook
    crowds: CrowdTable
    start: int  # window start, unix seconds
    end: int
    release: int


def _account_ids(rng: np.random.Generator, crowd_rng: np.random.Generator, base: int, crowd: int) -> ObjectArray:
    """Ids of the genuine and operation accounts as without crowds, then fresh ones for the crowds."""
    ids = unique_ids(rng, base, "acct_")
    crowd_ids = unique_ids(crowd_rng, crowd, "acct_")
    while crowd and (clash := np.isin(crowd_ids, ids) | pd.Series(crowd_ids).duplicated().to_numpy()).any():
        crowd_ids[clash] = unique_ids(crowd_rng, int(clash.sum()), "acct_")
    return np.concatenate([ids, crowd_ids])


def build_population(config: WorldConfig, pools: PromptPools, rng: np.random.Generator) -> Population:
    start = int(np.datetime64(config.start, "s").astype(np.int64))
    end = start + config.days * DAY
    release = start + round(config.release_day * DAY / 60) * 60
    book = AddressBook(rng)
    genuine, infrastructure = build_genuine(config, pools, rng, book, (start, end))
    adversaries = [
        build_operation(index, op, config, rng, book, infrastructure, (start, end))
        for index, op in enumerate(config.operations)
    ]
    # Crowds come on top of the genuine accounts, from their own random stream, so adding them leaves
    # the rest of the population as it was.
    crowd_rng = np.random.default_rng([config.seed, 8])
    with book.drawing_from(crowd_rng):
        crowd_plan = plan_crowds(config.crowds, config.genuine_accounts, crowd_rng)
        crowds, crowd_table = build_crowds(crowd_plan, config, pools, crowd_rng, book, infrastructure, (start, end))
    book.freeze()
    parts = [genuine, *adversaries, crowds]
    offset_account_indices(parts)
    profile = pd.concat([part.profile for part in parts], ignore_index=True)
    for column in _INTEGER_COLUMNS:
        profile[column] = profile[column].fillna(-1).astype(np.int64) if column in profile else -1
    for column in ("zero_retention", "early_adopter", "is_replacement"):
        profile[column] = profile[column].eq(True).to_numpy(dtype=bool)
    for column in _FLOAT_COLUMNS:
        profile[column] = profile[column].fillna(0.0).astype(float) if column in profile else 0.0
    profile["group"] = profile["group"].astype(object).where(profile["group"].notna(), None)
    payments = pd.concat([part.payments for part in parts], ignore_index=True)
    labels = pd.concat([part.labels for part in parts], ignore_index=True)
    # Public account ids are assigned last, over everyone at once, so ids carry no segment order.
    ids = _account_ids(rng, crowd_rng, len(profile) - len(crowds.profile), len(crowds.profile))
    profile.insert(0, "account_id", ids)
    payments["account_id"] = ids[payments.pop("account_index").to_numpy(dtype=np.int64)]
    labels["account_id"] = ids[labels.pop("account_index").to_numpy(dtype=np.int64)]
    payments = payments.sort_values(["added_at", "account_id"], kind="stable").reset_index(drop=True)
    labels = labels.sort_values(["at", "account_id"], kind="stable").reset_index(drop=True)
    return Population(
        profile=profile,
        payment_methods=payments,
        labels=labels,
        addresses=book,
        crowds=crowd_table,
        start=start,
        end=end,
        release=release,
    )
