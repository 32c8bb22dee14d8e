"""The one validate-a-table loop and the one quarantine file format, shared by `load` and `validate`.

``quarantine.csv`` columns: ``table, file, row_number, column, reason, value``. ``value`` is what
``TableValidator`` renders of the refused cell(s) (identifiers only as a shape, see ``sockhound.sensitive``), and
every cell is neutralised against spreadsheet formulas. The file is created 0600: it describes personal rows.
"""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

import pandas as pd

from loaders.batch_files import DEFAULT_CHUNK_ROWS, display_name, read_table_chunks
from loaders.contract import QuarantineRecord, TableValidator
from sockhound.sensitive import neutralise_formula

QUARANTINE_FILE_COLUMNS: Final = ("table", "file", "row_number", "column", "reason", "value")
PRIVATE_FILE_MODE: Final = 0o600

ChunkCallback = Callable[[int, int], None]
"""Called after each chunk with (rows read, rows quarantined)."""


def open_private(path: Path, mode: str = "w") -> int:
    """A file descriptor on ``path`` readable by its owner only (also when the file already existed)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    return descriptor


def write_private_text(path: Path, text: str) -> None:
    """Write a small text file 0600 (load reports)."""
    with os.fdopen(open_private(path), "w", encoding="utf-8") as stream:
        stream.write(text)


class QuarantineWriter:
    """Streams refused rows to a quarantine file as they are found (nothing held back in memory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(open_private(path), "w", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerow(QUARANTINE_FILE_COLUMNS)
        self.count = 0

    def add(self, table: str, records: Sequence[QuarantineRecord]) -> None:
        if not records:
            return
        rows = [
            [neutralise_formula(str(cell)) for cell in
             (table, record.file, record.row_number, record.column, record.reason, record.value)]
            for record in records
        ]
        with self._lock, os.fdopen(open_private(self.path, "a"), "a", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerows(rows)
            self.count += len(records)


def validated_table(
    batch_dir: Path, table: str, paths: Sequence[Path], quarantine: QuarantineWriter | None = None, *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS, on_chunk: ChunkCallback | None = None,
) -> Iterator[pd.DataFrame]:
    """The good rows of one table (all its part files, keys checked across them), chunk by chunk; the refused
    rows go to ``quarantine`` as they are found."""
    if not paths:
        return
    validator = TableValidator(table, display_name(paths[0], batch_dir))
    for path in paths:
        shown = display_name(path, batch_dir)
        for chunk in read_table_chunks(path, table, chunk_rows, file=shown):
            checked = validator.validate(chunk.frame, chunk.first_row_number, shown)
            if quarantine is not None:
                quarantine.add(table, checked.quarantined)
            if on_chunk is not None:
                on_chunk(len(chunk.frame), len(checked.quarantined))
            yield checked.good
