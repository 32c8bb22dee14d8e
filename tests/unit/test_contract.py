"""The contract validator: typing, every rule, keys across chunks, masking of refused values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loaders.contract import (
    TABLES,
    TableValidator,
    normalise_ips,
    quarantine_frame,
)
from loaders.errors import BatchFileError
from sockhound.sensitive import card_number_like


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype(object)


def test_card_number_detection_is_luhn_based_and_allows_separators() -> None:
    values = pd.Series(
        [
            "4111 1111 1111 1111",  # Luhn-valid, spaces
            "4111-1111-1111-1111",  # dashes
            "4111111111111111",
            "4111111111111112",  # fails Luhn
            "411111111111",  # 12 digits
            "pmfp_0a1b2c3d4e5f",  # a processor token that merely contains digits
            None,
            "378282246310005",  # Amex, 15 digits
            "pmfp_4111111111111111",  # a known token prefix in front of a bare card number is still a card
        ],
        dtype=object,
    )
    assert card_number_like(values).tolist() == [True, True, True, False, False, False, False, True, True]


def test_ip_normalisation_and_rejection() -> None:
    normalised, invalid = normalise_ips(
        pd.Series(
            ["1.2.3.4", "2001:0db8:0000::0001", " 10.0.0.1 ", "01.2.3.4", "1.2.3", "256.1.1.1", "fe80::zz", None],
            dtype=object,
        )
    )
    assert normalised[:3].tolist() == ["1.2.3.4", "2001:db8::1", "10.0.0.1"]
    assert invalid.tolist() == [False, False, False, True, True, True, True, True]


def test_accounts_typed_with_defaults_and_unknown_columns_dropped() -> None:
    frame = _frame(
        [
            {"account_id": "a1", "created_at": "2026-03-01T12:00:00", "country": "us", "status": "", "junk": "x"},
            {
                "account_id": "a2",
                "created_at": "2026-03-01T12:00:00+02:00",
                "country": "GB",
                "status": "Banned",
                "junk": "y",
            },
        ]
    )
    chunk = TableValidator("accounts", "accounts.csv").validate(frame, 1)
    assert chunk.quarantined == []
    good = chunk.good
    assert list(good.columns) == list(TABLES["accounts"].column_names)
    assert str(good["created_at"].dtype) == "datetime64[ns, UTC]"
    assert good["created_at"].tolist() == [pd.Timestamp("2026-03-01T12:00:00Z"), pd.Timestamp("2026-03-01T10:00Z")]
    assert good["status"].tolist() == ["active", "banned"]
    assert good["country"].tolist() == ["US", "GB"]
    assert good["email"].isna().all()
    assert good.index.tolist() == [1, 2]


@pytest.mark.parametrize(
    ("table", "row", "column", "reason_fragment"),
    [
        ("accounts", {"account_id": "", "created_at": "2026-03-01"}, "account_id", "missing"),
        ("accounts", {"account_id": "x" * 129, "created_at": "2026-03-01"}, "account_id", "longer"),
        ("accounts", {"account_id": "a", "created_at": "2026-13-01"}, "created_at", "ISO-8601"),
        ("accounts", {"account_id": "a", "created_at": "2026-03-01", "status": "deleted"}, "status", "one of"),
        ("accounts", {"account_id": "a", "created_at": "2026-03-01", "country": "XX"}, "country", "3166"),
        ("payment_methods", {"account_id": "a", "payment_fingerprint": "pm", "bin": "12ab"}, "bin", "6-8"),
        ("payment_methods", {"account_id": "a", "payment_fingerprint": "pm", "funding": "gift"}, "funding", "one of"),
        (
            "exchanges",
            {"request_id": "r", "account_id": "a", "ts": "2026-03-01", "ip": "300.1.1.1", "prompt": "hi"},
            "ip",
            "IPv4",
        ),
        (
            "exchanges",
            {
                "request_id": "r",
                "account_id": "a",
                "ts": "2026-03-01",
                "ip": "1.1.1.1",
                "prompt": "",
                "prompt_fingerprint": "",
            },
            "prompt",
            "prompt or prompt_fingerprint",
        ),
        (
            "exchanges",
            {
                "request_id": "r",
                "account_id": "a",
                "ts": "2026-03-01",
                "ip": "1.1.1.1",
                "prompt": "hi",
                "input_tokens": "-3",
            },
            "input_tokens",
            "integer",
        ),
        ("labels", {"account_id": "a", "label": "spam"}, "label", "one of"),
    ],
)
def test_each_rule_quarantines_with_column_and_reason(
    table: str, row: dict[str, object], column: str, reason_fragment: str
) -> None:
    good_row = {name: row.get(name, "") for name in row}
    chunk = TableValidator(table, f"{table}.csv").validate(_frame([good_row]), 7)
    assert chunk.good.empty
    [record] = chunk.quarantined
    assert (record.file, record.row_number, record.column) == (f"{table}.csv", 7, column)
    assert reason_fragment in record.reason


def test_card_number_fingerprint_is_refused_and_never_shown() -> None:
    frame = _frame(
        [
            {"account_id": "a", "payment_fingerprint": "4111 1111 1111 1111"},
            {"account_id": "b", "payment_fingerprint": "pmfp_ok"},
        ]
    )
    chunk = TableValidator("payment_methods", "pm.csv").validate(frame, 1)
    assert chunk.good["payment_fingerprint"].tolist() == ["pmfp_ok"]
    [record] = chunk.quarantined
    assert record.column == "payment_fingerprint"
    assert record.value == "shape #{4} #{4} #{4} #{4}"


def test_duplicate_keys_across_chunks_first_occurrence_wins() -> None:
    validator = TableValidator("exchanges", "exchanges.csv")
    base = {"account_id": "a", "ts": "2026-03-01T00:00:00Z", "ip": "1.1.1.1", "prompt": "p"}
    first = validator.validate(
        _frame([{"request_id": "r1", **base}, {"request_id": "r2", **base}, {"request_id": "r1", **base}]), 1
    )
    second = validator.validate(_frame([{"request_id": "r2", **base}, {"request_id": "r3", **base}]), 4)
    assert first.good["request_id"].tolist() == ["r1", "r2"]
    assert [(r.row_number, r.column) for r in first.quarantined] == [(3, "request_id")]
    assert second.good["request_id"].tolist() == ["r3"]
    assert [r.row_number for r in second.quarantined] == [4]
    assert validator.rows_seen == 5 and validator.rows_quarantined == 2


def test_a_refused_row_does_not_claim_its_key() -> None:
    validator = TableValidator("accounts", "accounts.csv")
    chunk = validator.validate(
        _frame([{"account_id": "a", "created_at": "bad"}, {"account_id": "a", "created_at": "2026-03-01"}]), 1
    )
    assert chunk.good["account_id"].tolist() == ["a"]
    assert [r.column for r in chunk.quarantined] == ["created_at"]


def test_labels_duplicate_only_when_every_key_column_matches() -> None:
    rows = [
        {"account_id": "a", "label": "abusive", "source": "s", "at": "2026-03-01T00:00:00Z"},
        {"account_id": "a", "label": "abusive", "source": "s", "at": "2026-03-02T00:00:00Z"},
        {"account_id": "a", "label": "abusive", "source": "s", "at": "2026-03-01T00:00:00+00:00"},
    ]
    chunk = TableValidator("labels", "labels.csv").validate(_frame(rows), 1)
    assert len(chunk.good) == 2
    assert [r.row_number for r in chunk.quarantined] == [3]


def test_types_of_exchanges_and_long_prompt_truncated_in_quarantine() -> None:
    long_prompt = "word " * 200
    frame = _frame(
        [
            {
                "request_id": "r1",
                "account_id": "a",
                "ts": "2026-03-01T00:00:00.5Z",
                "ip": "::ffff:1.2.3.4",
                "prompt": "hi",
                "input_tokens": "12",
                "output_tokens": "",
            },
            {"request_id": "r2", "account_id": "a", "ts": "later", "ip": "1.1.1.1", "prompt": long_prompt},
            {"request_id": "r3", "account_id": "a", "ts": "2026-03-01", "ip": "1.1.1.1", "prompt_fingerprint": "fp"},
        ]
    )
    validator = TableValidator("exchanges", "x.csv")
    chunk = validator.validate(frame, 1)
    assert chunk.good["input_tokens"].dtype == "Int64"
    assert chunk.good["input_tokens"].tolist()[0] == 12
    assert pd.isna(chunk.good["output_tokens"].iloc[0])
    assert chunk.good["ip"].tolist() == ["::ffff:102:304", "1.1.1.1"]
    assert chunk.good["prompt_fingerprint"].tolist()[1] == "fp"
    [record] = chunk.quarantined
    assert record.column == "ts" and record.value == "later"
    wide = validator.validate(
        _frame([{"request_id": "r9", "account_id": "a", "ts": long_prompt, "ip": "1.1.1.1", "prompt": "p"}]), 4
    )
    assert len(wide.quarantined[0].value) < 200


def test_missing_required_column_is_a_file_error() -> None:
    with pytest.raises(BatchFileError, match=r"exchanges\.csv: missing required column"):
        TableValidator("exchanges", "exchanges.csv").validate(_frame([{"request_id": "r", "prompt": "p"}]), 1)
    with pytest.raises(BatchFileError, match="needs one of the columns prompt or prompt_fingerprint"):
        TableValidator("exchanges", "e.csv").validate(
            _frame([{"request_id": "r", "account_id": "a", "ts": "2026-03-01", "ip": "1.1.1.1"}]), 1
        )


def test_quarantine_frame_columns_and_large_key_sets() -> None:
    validator = TableValidator("exchanges", "e.csv")
    ids = np.arange(120_000).astype(str)
    frame = pd.DataFrame({"request_id": ids, "account_id": "a", "ts": "2026-03-01", "ip": "1.1.1.1", "prompt": "p"})
    for start in range(0, len(ids), 20_000):
        validator.validate(frame.iloc[start : start + 20_000], start + 1)
    again = validator.validate(frame.iloc[[5, 119_999]], 120_001)
    assert again.good.empty
    assert list(quarantine_frame(again.quarantined).columns) == ["file", "row_number", "column", "reason", "value"]
