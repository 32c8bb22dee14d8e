"""The identity of a label decision, shared by the batch loader and the API so one decision is stored once."""

from __future__ import annotations

import hashlib
from datetime import datetime


def label_decision_key(account_id: str, label: str, source: str | None, at: datetime | None) -> str:
    """32 hex characters naming (account, label, source, time): a repeated decision merges, not repeats."""
    decision = f"{account_id}\x00{label}\x00{source or ''}\x00{at.isoformat() if at else ''}"
    return hashlib.sha256(decision.encode()).hexdigest()[:32]
