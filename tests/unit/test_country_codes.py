"""The contract's country codes come from pycountry (issue 17, item 9), and mean what the hand-written list meant:
the 249 officially assigned ISO 3166-1 alpha-2 codes, no user-assigned or reserved ones."""

from __future__ import annotations

import hashlib

import pandas as pd

from loaders.contract import ISO_COUNTRIES, TableValidator

# SHA-256 of the sorted codes joined by commas, as the hand-written list in loaders/contract.py had them before
# pycountry replaced it. A pycountry release that adds or withdraws a code fails here: review it, then update.
CODES_DIGEST = "1e05631f6e613a0c8a7174d385daf8e92426f673fcb49fb791ef06e61c83e16f"


def test_the_codes_are_the_officially_assigned_ones() -> None:
    assert len(ISO_COUNTRIES) == 249 and all(len(code) == 2 and code.isupper() for code in ISO_COUNTRIES)
    assert {"GB", "US", "SS", "CW", "AX"} <= ISO_COUNTRIES
    assert not {"UK", "XK", "EU", "AN", "ZZ"} & ISO_COUNTRIES  # reserved, user-assigned or withdrawn
    assert hashlib.sha256(",".join(sorted(ISO_COUNTRIES)).encode()).hexdigest() == CODES_DIGEST


def test_accounts_with_an_unassigned_code_are_quarantined() -> None:
    frame = pd.DataFrame([
        {"account_id": "a1", "created_at": "2026-03-01T12:00:00Z", "country": "gb"},
        {"account_id": "a2", "created_at": "2026-03-01T12:00:00Z", "country": "UK"},
    ]).astype(object)
    chunk = TableValidator("accounts", "accounts.csv").validate(frame, 1)
    assert chunk.good["country"].tolist() == ["GB"]
    assert [(record.column, record.reason) for record in chunk.quarantined] == [
        ("country", "not an ISO 3166-1 alpha-2 country code")]
