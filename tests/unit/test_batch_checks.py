"""A batch must be a batch: `validate` and `load` refuse, with one line naming what they found, a directory with
no contract table, a file that looks like a table under another name, an empty part directory and a batch
whose tables hold no row (issue 18, item 3). `load` refuses before it connects to anything."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.app import app
from loaders.batch_files import discover_tables, lookalike_table
from loaders.errors import BatchFileError

ACCOUNTS = "account_id,created_at\na1,2026-03-01T00:00:00Z\n"


def run(command: str, batch: Path, tmp_path: Path) -> tuple[int, list[str]]:
    """The command through the real CLI, with a database address nothing listens on (load must not need it)."""
    arguments = [command, str(batch)]
    arguments += ["--quarantine", str(tmp_path / "q.csv")] if command == "validate" else [
        "--report-dir", str(tmp_path / "reports")]
    result = CliRunner().invoke(app, arguments, env={"NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "x",
                                                     "COLUMNS": "400"})
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["validate", "load"])
def test_an_empty_directory_is_refused(tmp_path: Path, command: str) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    code, lines = run(command, batch, tmp_path)
    assert code != 0 and len(lines) == 1, lines
    assert "no contract table" in lines[0] and "found nothing" in lines[0]
    assert not (tmp_path / "reports").exists() and not (tmp_path / "q.csv").exists()


@pytest.mark.parametrize("command", ["validate", "load"])
def test_a_misnamed_table_is_named(tmp_path: Path, command: str) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "accounts_2026-03.csv").write_text(ACCOUNTS)
    (batch / "truth.csv").write_text("account_id,actor\na1,benign\n")
    code, lines = run(command, batch, tmp_path)
    assert code != 0 and len(lines) == 1, lines
    assert "accounts_2026-03.csv" in lines[0] and "looks like table accounts" in lines[0]


@pytest.mark.parametrize("command", ["validate", "load"])
def test_a_misnamed_table_beside_real_ones_is_not_left_out_silently(tmp_path: Path, command: str) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "accounts.csv").write_text(ACCOUNTS)
    (batch / "Labels.csv").write_text("account_id,label\na1,abusive\n")
    code, lines = run(command, batch, tmp_path)
    assert code != 0 and len(lines) == 1, lines
    assert "Labels.csv" in lines[0] and "looks like table labels" in lines[0]


@pytest.mark.parametrize("command", ["validate", "load"])
def test_a_batch_without_rows_is_refused(tmp_path: Path, command: str) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "accounts.csv").write_text("account_id,created_at\n")
    pd.DataFrame({"account_id": pd.Series([], dtype=str), "label": pd.Series([], dtype=str)}).to_parquet(
        batch / "labels.parquet")
    with gzip.open(batch / "exchanges.jsonl.gz", "wt") as stream:
        stream.write("\n")
    code, lines = run(command, batch, tmp_path)
    assert code != 0 and len(lines) == 1, lines
    assert "holds no rows" in lines[0] and "accounts.csv" in lines[0] and "labels.parquet" in lines[0]


def test_an_empty_part_directory_is_refused(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    (batch / "exchanges").mkdir(parents=True)
    (batch / "exchanges" / "notes.txt").write_text("no parts here")
    (batch / "accounts.csv").write_text(ACCOUNTS)
    with pytest.raises(BatchFileError, match=r"exchanges/: holds no part file"):
        discover_tables(batch)


def test_validate_still_passes_a_real_batch_with_extra_files(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "accounts.csv").write_text(ACCOUNTS)
    (batch / "labels.csv").write_text("account_id,label\n")  # one empty table beside a full one is fine
    for other in ("truth.csv", "world.json", "quarantine.csv", "notes.txt", "accounting.md"):
        (batch / other).write_text("x\n")
    code, lines = run("validate", batch, tmp_path)
    assert code == 0, lines
    assert lines[-1] == "batch is clean"
    assert list(discover_tables(batch)) == ["accounts", "labels"]


@pytest.mark.parametrize(("name", "table"), [
    ("accounts_2026-03.csv", "accounts"), ("Accounts.csv", "accounts"), ("account.parquet", "accounts"),
    ("payment_method.csv", "payment_methods"), ("payment_methods-part1.csv.gz", "payment_methods"),
    ("exchanges.json", "exchanges"), ("exchanges2026", "exchanges"), ("2026-03-labels.csv", "labels"),
    ("accounting.md", None), ("labelled.txt", None), ("truth.csv", None), ("quarantine.csv", None),
    ("report", None), ("notes.txt", None),
])
def test_lookalike_names(name: str, table: str | None) -> None:
    assert lookalike_table(name) == table
