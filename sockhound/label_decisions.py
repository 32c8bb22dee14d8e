"""Label decisions, shared by the batch loader and the API: their identity (so one decision is stored once) and
the times they may claim.

A decision's `at` is when it was taken, as its sender claims. It must lie between 2000-01-01 and 5 minutes
from now: a ban dated 9999 would otherwise stay every account's latest decision forever, whatever came after.
The account's current label is its latest decision by `at`; a decision without `at` ranks below every dated
one, and sockhound's own `recordedAt` (server time) breaks ties (queries/load/labels.cypher,
queries/api/record_labels.cypher).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

EARLIEST_DECISION: Final = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE: Final = timedelta(minutes=5)
TIME_RULE: Final = "a decision time must be from 2000-01-01 up to 5 minutes from now"


def label_decision_key(account_id: str, label: str, source: str | None, at: datetime | None) -> str:
    """32 hex characters naming (account, label, source, time): a repeated decision merges, not repeats."""
    decision = f"{account_id}\x00{label}\x00{source or ''}\x00{at.isoformat() if at else ''}"
    return hashlib.sha256(decision.encode()).hexdigest()[:32]


def decision_time_refused(at: datetime, now: datetime | None = None) -> bool:
    """True when `at` (timezone-aware, or naive UTC) is before 2000 or more than 5 minutes from now."""
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment < EARLIEST_DECISION or moment > (now or datetime.now(UTC)) + FUTURE_TOLERANCE


def decision_times_refused(stamps: pd.Series, now: datetime | None = None) -> npt.NDArray[np.bool_]:
    """`decision_time_refused` per element of a UTC datetime Series; NaT is not refused (it is no time)."""
    latest = pd.Timestamp(now or datetime.now(UTC)) + FUTURE_TOLERANCE
    refused = (stamps < pd.Timestamp(EARLIEST_DECISION)) | (stamps > latest)
    return np.asarray(refused.fillna(False).to_numpy(dtype=bool), dtype=bool)
