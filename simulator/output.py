"""Deterministic writers: RFC 4180 CSV (pyarrow), gzip parts with mtime 0 and fixed row counts."""

from __future__ import annotations

import gzip
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.csv as pa_csv

GZIP_LEVEL: Final = 1
MAX_PENDING_WRITES: Final = 2


def csv_bytes(table: pa.Table, header: bool) -> bytes:
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=header, quoting_style="needed"))
    result: bytes = sink.getvalue().to_pybytes()
    return result


def write_csv(table: pa.Table, path: Path) -> None:
    path.write_bytes(csv_bytes(table, header=True))


class PartWriter:
    """Streams tables into `directory/part-NNNNN.csv.gz`, exactly `part_rows` rows per part but the last.

    Compression runs on one background thread (zlib releases the GIL), in submission order, so it
    overlaps with generation on a second core without changing a byte of output.
    """

    def __init__(self, directory: Path, part_rows: int) -> None:
        self.directory = directory
        self.part_rows = part_rows
        self.parts: list[tuple[str, int]] = []
        self._stream: gzip.GzipFile | None = None
        self._raw: object | None = None
        self._rows_in_part = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gzip-writer")
        self._pending: list[Future[None]] = []
        directory.mkdir(parents=True, exist_ok=True)

    def _submit(self, action: object, *arguments: object) -> None:
        self._pending.append(self._worker.submit(action, *arguments))  # type: ignore[arg-type]
        while len(self._pending) > MAX_PENDING_WRITES:
            self._pending.pop(0).result()

    def _open(self) -> gzip.GzipFile:
        name = f"part-{len(self.parts):05d}.csv.gz"
        raw = open(self.directory / name, "wb")  # noqa: SIM115 - closed in _close
        self._raw = raw
        self._stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0)
        self.parts.append((name, 0))
        self._rows_in_part = 0
        return self._stream

    def _close(self) -> None:
        if self._stream is not None:
            self._submit(_close_streams, self._stream, self._raw)
            name, _ = self.parts[-1]
            self.parts[-1] = (name, self._rows_in_part)
            self._stream = None

    def write(self, table: pa.Table) -> None:
        offset = 0
        while offset < table.num_rows:
            stream = self._stream if self._stream is not None else self._open()
            room = self.part_rows - self._rows_in_part
            piece = table.slice(offset, min(room, table.num_rows - offset))
            self._submit(stream.write, csv_bytes(piece, header=self._rows_in_part == 0))
            self._rows_in_part += piece.num_rows
            offset += piece.num_rows
            if self._rows_in_part >= self.part_rows:
                self._close()

    def position_of(self, row_index: int) -> tuple[str, int]:
        """(part file name, 1-based row number) of the `row_index`-th row written overall (0-based)."""
        return f"part-{row_index // self.part_rows:05d}.csv.gz", row_index % self.part_rows + 1

    def close(self) -> list[tuple[str, int]]:
        self._close()
        for pending in self._pending:
            pending.result()
        self._worker.shutdown()
        return self.parts


def _close_streams(stream: gzip.GzipFile, raw: object) -> None:
    stream.close()
    raw.close()  # type: ignore[attr-defined]
