"""Label decision times (sockhound/label_decisions.py): the plausible range, at the loader's validator and at the
API's request model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError

from api.models import LabelIn
from loaders.contract import TableValidator
from sockhound.label_decisions import decision_time_refused


def test_times_before_2000_or_more_than_five_minutes_ahead_are_refused() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert not decision_time_refused(datetime(2000, 1, 1, tzinfo=UTC), now)
    assert not decision_time_refused(now + timedelta(minutes=4), now)
    assert decision_time_refused(now + timedelta(minutes=6), now)
    assert decision_time_refused(datetime(1999, 12, 31, 23, 59, tzinfo=UTC), now)
    assert decision_time_refused(datetime(9999, 1, 1), now)  # naive: read as UTC


def test_the_validator_quarantines_labels_dated_out_of_range_with_the_reason() -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    rows = [
        {"account_id": "a", "label": "abusive", "source": "s", "at": "9999-01-01T00:00:00Z"},
        {"account_id": "b", "label": "abusive", "source": "s", "at": "1999-06-01T00:00:00Z"},
        {"account_id": "c", "label": "abusive", "source": "s", "at": later},
        {"account_id": "d", "label": "benign", "source": "s", "at": soon},
        {"account_id": "e", "label": "benign", "source": "s", "at": ""},
        {"account_id": "f", "label": "benign", "source": "s", "at": "2026-03-01T00:00:00Z"},
    ]
    chunk = TableValidator("labels", "labels.csv").validate(pd.DataFrame(rows).astype(object), 1)
    assert chunk.good["account_id"].tolist() == ["d", "e", "f"]
    assert [(record.row_number, record.column) for record in chunk.quarantined] == [(1, "at"), (2, "at"), (3, "at")]
    assert all("from 2000-01-01 up to 5 minutes from now" in record.reason for record in chunk.quarantined)


def test_the_api_model_refuses_a_ban_dated_9999_or_in_the_future() -> None:
    for at in ("9999-12-31T00:00:00Z", "1990-01-01T00:00:00Z", (datetime.now(UTC) + timedelta(hours=2)).isoformat()):
        with pytest.raises(ValidationError, match="5 minutes from now"):
            LabelIn.model_validate({"account_id": "a", "label": "abusive", "at": at})
    assert LabelIn.model_validate({"account_id": "a", "label": "abusive", "at": "2026-03-01T00:00:00Z"}).at
