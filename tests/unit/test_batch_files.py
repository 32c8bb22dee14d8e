"""Batch discovery and streaming in every contract form; unreadable files fail with one line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.batch_files import discover_tables, read_batch_table, read_table_chunks
from loaders.contract import TableValidator
from loaders.errors import BatchFileError

ROWS = [
    {
        "request_id": "r1",
        "account_id": "a1",
        "ts": "2026-03-01T00:00:00Z",
        "ip": "1.2.3.4",
        "prompt": 'say "hi", then\na newline',
        "input_tokens": 5,
        "extra": "ignored",
    },
    {
        "request_id": "r2",
        "account_id": "a2",
        "ts": "2026-03-01T00:01:00",
        "ip": "2001:db8::1",
        "prompt": "plain",
        "input_tokens": None,
        "extra": "x",
    },
    {
        "request_id": "r3",
        "account_id": "a1",
        "ts": "2026-03-01T00:02:00+01:00",
        "ip": "5.6.7.8",
        "prompt": "third, with comma",
        "input_tokens": 7,
        "extra": "y",
    },
]


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(rows)
    name = path.name
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif name.endswith(".csv.gz"):
        frame.to_csv(path, index=False, compression="gzip")
    elif name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    elif name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    elif name.endswith(".jsonl.gz"):
        with gzip.open(path, "wt") as stream:
            stream.writelines(json.dumps(row) + "\n" for row in rows)


def _validated(batch: Path, table: str, chunk_rows: int = 2) -> pd.DataFrame:
    validator = TableValidator(table, table)
    frames = []
    for raw in read_batch_table(batch, table, chunk_rows=chunk_rows):
        chunk = validator.validate(raw.frame, raw.first_row_number, raw.file)
        assert chunk.quarantined == []
        frames.append(chunk.good)
    return pd.concat(frames)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz"])
def test_every_form_reads_the_same(tmp_path: Path, suffix: str) -> None:
    _write(tmp_path / f"exchanges{suffix}", ROWS)
    (tmp_path / "truth.csv").write_text("account_id,actor\na1,benign\n")
    assert list(discover_tables(tmp_path)) == ["exchanges"]
    good = _validated(tmp_path, "exchanges")
    assert good["request_id"].tolist() == ["r1", "r2", "r3"]
    assert good["prompt"].iloc[0] == 'say "hi", then\na newline'
    assert good["input_tokens"].tolist()[0] == 5 and pd.isna(good["input_tokens"].iloc[1])
    assert good["ts"].iloc[2] == pd.Timestamp("2026-02-28T23:02:00Z")
    assert good.index.tolist() == [1, 2, 3]
    assert "extra" not in good.columns


def test_directory_of_parts_in_sorted_order_with_per_file_row_numbers(tmp_path: Path) -> None:
    parts = tmp_path / "exchanges"
    parts.mkdir()
    _write(parts / "part-00001.csv.gz", ROWS[2:])
    _write(parts / "part-00000.jsonl", ROWS[:2])
    (parts / "README.txt").write_text("not a part")
    assert [p.name for p in discover_tables(tmp_path)["exchanges"]] == ["part-00000.jsonl", "part-00001.csv.gz"]
    chunks = list(read_batch_table(tmp_path, "exchanges", chunk_rows=1))
    assert [(c.file, c.first_row_number) for c in chunks] == [
        ("exchanges/part-00000.jsonl", 1),
        ("exchanges/part-00000.jsonl", 2),
        ("exchanges/part-00001.csv.gz", 1),
    ]


def test_row_numbers_count_records_not_lines(tmp_path: Path) -> None:
    _write(tmp_path / "exchanges.csv", ROWS * 3)
    numbers = [c.first_row_number for c in read_table_chunks(tmp_path / "exchanges.csv", "exchanges", chunk_rows=4)]
    assert numbers == [1, 5, 9]


def test_missing_required_column_names_the_file(tmp_path: Path) -> None:
    _write(tmp_path / "exchanges.csv", [{k: v for k, v in row.items() if k != "ip"} for row in ROWS])
    with pytest.raises(BatchFileError) as failure:
        list(read_batch_table(tmp_path, "exchanges"))
    message = str(failure.value)
    assert "\n" not in message and "exchanges.csv" in message and "ip" in message


@pytest.mark.parametrize("name", ["exchanges.csv.gz", "exchanges.parquet", "exchanges.jsonl"])
def test_corrupt_files_fail_with_one_line(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x1f\x8b\x08garbage-not-what-it-claims{{{")
    with pytest.raises(BatchFileError) as failure:
        list(read_batch_table(tmp_path, "exchanges"))
    assert name in str(failure.value) and "\n" not in str(failure.value)


def test_truncated_gzip_fails(tmp_path: Path) -> None:
    _write(tmp_path / "exchanges.csv.gz", ROWS * 2000)
    blob = (tmp_path / "exchanges.csv.gz").read_bytes()
    (tmp_path / "exchanges.csv.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(BatchFileError, match=r"exchanges\.csv\.gz"):
        list(read_batch_table(tmp_path, "exchanges"))


def test_ambiguous_table_forms_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "accounts.csv", [{"account_id": "a", "created_at": "2026-03-01"}])
    (tmp_path / "accounts").mkdir()
    with pytest.raises(BatchFileError, match="both as a file and as the directory"):
        discover_tables(tmp_path)


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    # A batch with no row at all is refused (tests/unit/test_batch_checks.py); here another table has one.
    (tmp_path / "accounts.csv").write_text("account_id,created_at\na1,2026-03-01T00:00:00Z\n")
    (tmp_path / "labels.csv").write_text("")
    with pytest.raises(BatchFileError, match="empty file"):
        list(read_batch_table(tmp_path, "labels"))
    (tmp_path / "labels.csv").write_text("account_id,label\n")
    assert [len(c.frame) for c in read_batch_table(tmp_path, "labels")] in ([], [0])
