"""Card numbers, e-mails and IPs hidden in values; what the quarantine file may show; its format and mode."""

from __future__ import annotations

import csv
import gzip
import stat
from pathlib import Path

import pandas as pd
import pytest

from loaders.batch_files import read_table_chunks
from loaders.contract import TableValidator
from loaders.errors import BatchFileError
from loaders.quarantine import QUARANTINE_FILE_COLUMNS, QuarantineWriter, validated_table
from sockhound.sensitive import (
    card_number_like,
    contains_card_number,
    free_text_problem,
    neutralise_formula,
    shown_value,
    value_shape,
)

CARD = "4111111111111111"
# Every disguise the review found, and a few more of the same family; each must be refused.
DISGUISES = [
    " 4111111111111111",  # what a CSV line like `a2, 4111...` produces
    "4111111111111111 ",
    "4111.1111.1111.1111",
    "4111\u00a01111\u00a01111\u00a01111",  # NBSP
    "4111\u20131111\u20131111\u20131111",  # en dash
    "4111111111111111|12/27",
    "4111 1111 1111 1111 12/27",  # the expiry glued on once spaces are gone
    "4111_1111/1111-1111",
    "4111\u200b1111\u200b1111\u200b1111",  # zero-width spaces
    "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11",  # full width
    "card: 4111 1111 1111 1111",
    "pmfp_4111111111111111",  # a known token prefix does not launder a bare card number
]


@pytest.mark.parametrize("value", DISGUISES)
def test_every_disguised_card_number_is_found(value: str) -> None:
    assert contains_card_number(value)
    assert card_number_like(pd.Series([value, "pmfp_0a1b2c3d4e5f"])).tolist() == [True, False]


@pytest.mark.parametrize("value", [
    "4111111111111112",  # fails Luhn
    "411111111111",  # 12 digits
    "pmfp_0a1b2c3d4e5f",
    "pmfp_ab41111111111111111z",  # a digit run inside an allow-listed token body is chance
    "2026-03-09T12:00:00Z",
])
def test_what_is_not_a_card_number(value: str) -> None:
    assert not contains_card_number(value)


@pytest.mark.parametrize(("value", "problem"), [
    ("visa", None),
    ("analyst-7", None),
    ("claude-3-5-sonnet-20241022", None),
    ("std::vector", None),
    ("model-1.2.3", None),
    ("org 4111 1111 1111 1111", "card number"),
    ("bob@corp.example", "e-mail"),
    ("Bob.Smith+x@Gmail.com", "e-mail"),
    ("via 203.0.113.77 proxy", "IP address"),
    ("2001:db8::1", "IP address"),
    ("fe80::1%eth0", "IP address"),
])
def test_free_text_refuses_cards_emails_and_ips(value: str, problem: str | None) -> None:
    found = free_text_problem(value)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize(("table", "column"), [
    ("accounts", "pathway"), ("accounts", "org_id"), ("payment_methods", "brand"), ("exchanges", "model"),
    ("labels", "source"),
])
def test_free_text_columns_quarantine_personal_values_with_a_reason(table: str, column: str) -> None:
    good = {
        "accounts": {"account_id": "a", "created_at": "2026-03-01"},
        "payment_methods": {"account_id": "a", "payment_fingerprint": "pmfp_1"},
        "exchanges": {"request_id": "r", "account_id": "a", "ts": "2026-03-01", "ip": "1.1.1.1", "prompt": "p"},
        "labels": {"account_id": "a", "label": "abusive"},
    }[table]
    rows = [{**good, column: "fine"}, {**good, column: "jane@corp.example"}, {**good, column: "10.1.2.3"},
            {**good, column: "4111 1111 1111 1111"}]
    for number, row in enumerate(rows):
        for key in ("account_id", "request_id"):
            if key in row:
                row[key] = f"{row[key]}{number}"
    chunk = TableValidator(table, f"{table}.csv").validate(pd.DataFrame(rows).astype(object), 1)
    assert chunk.good[column].tolist() == ["fine"]
    reasons = [(record.column, record.reason.split(";")[0]) for record in chunk.quarantined]
    assert reasons == [(column, "contains an e-mail address"), (column, "contains an IP address"),
                       (column, "contains a card number (Luhn-valid digits)")]
    shown = " ".join(record.value for record in chunk.quarantined)
    assert "jane" not in shown and "10.1.2.3" not in shown and "4111" not in shown


def test_shapes_and_formulas() -> None:
    assert value_shape("4111 1111 1111 1111") == "shape #{4} #{4} #{4} #{4}"
    assert value_shape("Ab-12") == "shape Aa-##"
    assert len(value_shape("x" * 5_000)) < 100
    for cell in ("=HYPERLINK(\"http://evil\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_formula(cell) == "'" + cell
    assert neutralise_formula("later") == "later"
    assert shown_value("=cmd|' /C calc'!A0", identifying=False).startswith("'=")
    assert shown_value("acct-42", identifying=True) == "shape a{4}-##"
    assert shown_value("ts 10.0.0.1", identifying=False) == "shape aa ##.#.#.#"


def test_every_shown_column_of_a_refused_row_is_masked() -> None:
    """A duplicated row shows its key columns; a bin holding a card number shows a shape; an over-long id too."""
    frame = pd.DataFrame([
        {"account_id": "acct-1", "payment_fingerprint": "pmfp_abc", "bin": "411111"},
        {"account_id": "acct-1", "payment_fingerprint": "pmfp_abc", "bin": "411111"},
        {"account_id": "acct-2", "payment_fingerprint": "pmfp_def", "bin": " 4111111111111111"},
        {"account_id": "x" * 200, "payment_fingerprint": "pmfp_ghi"},
    ]).astype(object)
    chunk = TableValidator("payment_methods", "pm.csv").validate(frame, 1)
    by_row = {record.row_number: record for record in chunk.quarantined}
    assert by_row[2].value == "shape a{4}-# | shape a{4}_aaa"
    assert by_row[3].column == "bin" and by_row[3].value == "shape  #{16}"  # the leading space shows
    assert by_row[4].column == "account_id" and "x" not in by_row[4].value.removeprefix("shape ")


def test_quarantine_file_is_private_neutralised_and_one_format(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "labels.csv").write_text(
        "account_id,label,source\n"
        "a1,abusive,analyst\n"
        "a2,spam,=HYPERLINK(\"http://evil.example\")\n"
        "a3,benign,\"+cmd, 4111 1111 1111 1111\"\n"
    )
    writer = QuarantineWriter(tmp_path / "report" / "quarantine.csv")
    good = list(validated_table(batch, "labels", [batch / "labels.csv"], writer))
    assert [frame["account_id"].tolist() for frame in good] == [["a1"]]
    path = tmp_path / "report" / "quarantine.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open(newline="") as stream:
        rows = list(csv.reader(stream))
    assert tuple(rows[0]) == QUARANTINE_FILE_COLUMNS
    assert [row[:4] for row in rows[1:]] == [["labels", "labels.csv", "2", "label"],
                                             ["labels", "labels.csv", "3", "source"]]
    assert rows[1][5] == "spam"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "4111" not in path.read_text()


def test_a_csv_parse_error_names_file_and_row_but_not_its_text(tmp_path: Path) -> None:
    prompt = "my secret prompt about 4111 1111 1111 1111"
    for name, opener in (("exchanges.csv", open), ("exchanges.csv.gz", gzip.open)):
        path = tmp_path / name
        with opener(path, "wt", newline="") as stream:
            stream.write("request_id,account_id,ts,ip,prompt\n")
            stream.write("r1,a1,2026-03-01T00:00:00Z,198.51.100.1,hello\n")
            stream.write("r2,a2,2026-03-01T00:00:00Z,\"multi\nline\",ok\n")
            stream.write(f"r3,a3,2026-03-01T00:00:00Z,203.0.113.77,{prompt},extra\n")
        with pytest.raises(BatchFileError) as raised:
            list(read_table_chunks(path, "exchanges", file=name))
        message = str(raised.value)
        assert message.startswith(f"{name}: ") and "row 3" in message and "expected 5 columns, got 6" in message
        assert "203.0.113.77" not in message and "secret" not in message and "4111" not in message
        assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_validate_writes_the_load_quarantine_format(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.app import app

    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "payment_methods.csv").write_text("account_id,payment_fingerprint\na1,pmfp_1\na2, 4111111111111111\n")
    target = tmp_path / "out" / "quarantine.csv"
    target.parent.mkdir()
    result = CliRunner().invoke(app, ["validate", str(batch), "--quarantine", str(target)])
    assert result.exit_code == 1, result.output
    assert "4111" not in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with target.open(newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [list(QUARANTINE_FILE_COLUMNS), ["payment_methods", "payment_methods.csv", "2",
                                                    "payment_fingerprint", rows[1][4], "shape  #{16}"]]


def test_the_simulator_writes_its_bad_card_numbers_in_every_disguise() -> None:
    import numpy as np

    from simulator.bad_rows import CARD_DISGUISES, luhn_card_number

    rng = np.random.default_rng(3)
    written = {luhn_card_number(rng) for _ in range(200)}
    assert all(contains_card_number(value) for value in written)
    assert all(contains_card_number(disguise(CARD)) for disguise in CARD_DISGUISES)
    assert any(value.startswith(" ") for value in written) and any("|" in value for value in written)
    assert any("\u2013" in value for value in written) and any("." in value for value in written)
