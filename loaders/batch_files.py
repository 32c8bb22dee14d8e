"""Discovery and chunked streaming of a batch directory's tables, in every form docs/contract.md allows.

Every value comes out as text (str, or None where the source had null/absent), so validation is the
same whatever the file format; `loaders.contract.TableValidator` does the typing. Only contract columns
are read (others are ignored by the contract), which also keeps memory down.
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from loaders.contract import TABLE_NAMES, TABLES
from loaders.errors import BatchFileError

FILE_SUFFIXES: Final = (".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz")
DEFAULT_CHUNK_ROWS: Final = 200_000
CSV_FIELD_LIMIT: Final = 2**31 - 1
"""The csv module's per-field limit when it looks for a bad row again (prompts can be long)."""


@dataclass(frozen=True)
class RawChunk:
    """Rows as text. `first_row_number` is the 1-based data-row number (header excluded) in `file`."""

    frame: pd.DataFrame
    first_row_number: int
    file: str


def file_format(path: Path) -> str:
    """The contract form of a file name: one of FILE_SUFFIXES, or '' if it is none of them."""
    name = path.name.lower()
    for suffix in sorted(FILE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return ""


def _table_name(path: Path) -> str:
    suffix = file_format(path)
    return path.name[: len(path.name) - len(suffix)] if suffix else ""


def discover_tables(batch_dir: Path | str) -> dict[str, list[Path]]:
    """Map each table present in the batch to its file(s), in contract table order.

    A table is `NAME.<form>` or a directory `NAME/` of part files (sorted by name). Files that are not tables
    (truth.csv, reports, ...) are ignored, but a batch must be one: a BatchFileError (one line) when there is
    no contract table, when a file looks like a table under another name (`accounts_2026-03.csv`: it would be
    silently left out), when a part directory holds no part, or when no table holds a single row. Two forms
    of one table is an error too.
    """
    root = Path(batch_dir)
    if not root.is_dir():
        raise BatchFileError(str(root), "batch directory does not exist")
    found: dict[str, list[Path]] = {}
    for table in TABLE_NAMES:
        single = sorted(entry for entry in root.iterdir() if entry.is_file() and _table_name(entry) == table)
        part_dir = root / table
        if part_dir.is_dir():
            if single:
                raise BatchFileError(
                    str(single[0]), f"table {table} given both as a file and as the directory {table}/"
                )
            parts = sorted(
                (entry for entry in part_dir.iterdir() if entry.is_file() and file_format(entry)),
                key=lambda entry: entry.name,
            )
            if not parts:
                raise BatchFileError(display_name(part_dir, root) + "/",
                                     f"holds no part file ({_FORMS}); a table directory must hold its parts")
            found[table] = parts
        elif len(single) > 1:
            raise BatchFileError(str(single[1]), f"table {table} given in more than one file ({single[0].name})")
        elif single:
            found[table] = single
    _refuse_lookalikes(root, found)
    if not found:
        seen = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in root.iterdir())
        listed = ", ".join(seen[:_LISTED]) + (f" and {len(seen) - _LISTED} more" if len(seen) > _LISTED else "")
        raise BatchFileError(str(root), f"no contract table in the batch (found {listed or 'nothing'}); "
                                        f"expected {', '.join(TABLE_NAMES)} as NAME{{{_FORMS}}} or NAME/ parts")
    if not any(_has_rows(path) for paths in found.values() for path in paths):
        names = [display_name(path, root) for paths in found.values() for path in paths]
        listed = ", ".join(names[:_LISTED]) + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")
        raise BatchFileError(str(root), f"the batch holds no rows ({listed}: empty or header only)")
    return found


_FORMS: Final = "|".join(FILE_SUFFIXES)
_LISTED: Final = 8
"""How many names an error lists before it says how many more."""
_NOT_TABLES: Final = frozenset({"truth", "world", "quarantine", "report"})
"""What `simulate`, `validate` and `load` write beside the tables, never mistaken for a table."""


def lookalike_table(name: str) -> str | None:
    """The contract table a file or directory name looks like when it is not that table's name: `Accounts.csv`,
    `accounts_2026-03.csv`, `payment_method.parquet`, `exchanges.json`, `2026-03-labels.csv`; else None."""
    stem = name.lower().split(".", 1)[0].replace("-", "_").replace(" ", "_")
    if not stem or stem in _NOT_TABLES:
        return None
    for table in TABLE_NAMES:
        for form in (table, table.removesuffix("s")):
            rest = stem.removeprefix(form)
            if (rest != stem and not rest[:1].isalpha()) or stem.endswith(f"_{form}"):
                return table
    return None


def _refuse_lookalikes(root: Path, found: dict[str, list[Path]]) -> None:
    taken = {path for paths in found.values() for path in paths} | {root / table for table in found}
    for entry in sorted(root.iterdir()):
        if entry in taken:
            continue
        table = lookalike_table(entry.name)
        if table is not None:
            raise BatchFileError(
                display_name(entry, root),
                f"looks like table {table} but is not named {table}{{{_FORMS}}} and would not be loaded; "
                f"rename it (or move it into {table}/ as a part) or move it out of the batch")


def _has_rows(path: Path) -> bool:
    """Whether a table file holds at least one data row (cheap: stops at the first). An unreadable file counts
    as holding rows: reading it later names the problem."""
    form = file_format(path)
    try:
        if form == ".parquet":
            return bool(pq.ParquetFile(path).metadata.num_rows > 0)
        opener = gzip.open if form.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as stream:
            if form.startswith(".csv"):
                csv.field_size_limit(CSV_FIELD_LIMIT)
                reader = csv.reader(stream)
                next(reader, None)
                return any(any(field for field in row) for row in reader)
            return any(line.strip() for line in stream)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error, pa.ArrowException):
        return True


def display_name(path: Path, batch_dir: Path | str | None = None) -> str:
    """How a file is named in quarantine records: relative to the batch directory when known."""
    if batch_dir is not None:
        try:
            return path.relative_to(Path(batch_dir)).as_posix()
        except ValueError:
            pass
    return str(path)


def read_table_chunks(
    path: Path | str,
    table: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    columns: Sequence[str] | None = None,
    file: str | None = None,
) -> Iterator[RawChunk]:
    """Stream one table file in chunks of text columns (contract columns only, or `columns`).

    Raises BatchFileError (one line, naming the file) for an unreadable file or a missing required
    column. A failure discovered mid-file (e.g. a truncated gzip) is raised when reached.
    """
    source = Path(path)
    shown = file or str(source)
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    wanted = tuple(columns) if columns is not None else TABLES[table].column_names
    form = file_format(source)
    if not source.is_file():
        raise BatchFileError(shown, "file does not exist")
    try:
        if form in (".csv", ".csv.gz"):
            yield from _csv_chunks(source, table, wanted, chunk_rows, shown)
        elif form == ".parquet":
            yield from _parquet_chunks(source, table, wanted, chunk_rows, shown)
        elif form in (".jsonl", ".jsonl.gz"):
            yield from _jsonl_chunks(source, table, wanted, chunk_rows, shown)
        else:
            raise BatchFileError(shown, f"unsupported file form; expected one of {', '.join(FILE_SUFFIXES)}")
    except BatchFileError:
        raise
    except pa.ArrowInvalid as problem:
        if form in (".csv", ".csv.gz"):
            raise BatchFileError(shown, _csv_parse_problem(source, problem)) from None
        raise BatchFileError(shown, f"unreadable {form}: {type(problem).__name__}: {problem}") from problem
    except (
        OSError,
        EOFError,
        zlib.error,
        UnicodeDecodeError,
        ValueError,
        pa.ArrowException,
        pd.errors.ParserError,
    ) as problem:
        raise BatchFileError(shown, f"unreadable {form or 'file'}: {type(problem).__name__}: {problem}") from problem


def _csv_parse_problem(source: Path, problem: pa.ArrowInvalid) -> str:
    """Where a CSV stops parsing, without the reader's own message: pyarrow quotes the offending row's text
    (prompts, IPs). The row is found again with the csv module (RFC 4180, as pyarrow reads it)."""
    if "UTF8" in str(problem) or "UTF-8" in str(problem):
        return "unreadable .csv: invalid UTF-8"
    opener = gzip.open if source.name.lower().endswith(".gz") else open
    csv.field_size_limit(CSV_FIELD_LIMIT)
    row_number = 0
    try:
        with opener(source, "rt", encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            expected = len(next(reader, []))
            for row_number, row in enumerate(reader, start=1):
                if len(row) != expected:
                    return (f"CSV parse error at row {row_number} (header excluded): expected {expected} columns, "
                            f"got {len(row)}")
    except (csv.Error, UnicodeDecodeError, OSError, EOFError, zlib.error) as located:
        return f"CSV parse error after row {row_number} (header excluded): {type(located).__name__}"
    return "CSV parse error (the reader's message is withheld: it quotes the row)"


def _check_header(header: Sequence[str], table: str, wanted: Sequence[str], shown: str) -> None:
    spec = TABLES[table]
    present = set(header)
    missing = [name for name in spec.required_columns if name in wanted and name not in present]
    if missing:
        raise BatchFileError(shown, f"missing required column(s) {', '.join(missing)}")
    one_of = [name for name in spec.one_of if name in wanted]
    if one_of and not present.intersection(one_of):
        raise BatchFileError(shown, f"needs one of the columns {' or '.join(one_of)}")


def _complete(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    """Keep the wanted columns in order; absent optional ones become all-None text columns."""
    for name in wanted:
        if name not in frame.columns:
            frame[name] = None
    return frame.loc[:, list(wanted)]


def _csv_header(source: Path, shown: str) -> list[str]:
    opener = gzip.open if source.name.lower().endswith(".gz") else open
    with opener(source, "rt", encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream), None)
    if not header:
        raise BatchFileError(shown, "empty file: no header row")
    return header


def _arrow_frame(table: pa.Table, wanted: Sequence[str]) -> pd.DataFrame:
    """Arrow-backed string columns (zero-copy; the validator reads them without conversion)."""
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return _complete(frame, wanted)


def _csv_chunks(source: Path, table: str, wanted: Sequence[str], chunk_rows: int, shown: str) -> Iterator[RawChunk]:
    header = _csv_header(source, shown)
    if len(set(header)) != len(header):
        raise BatchFileError(shown, "duplicate column names in the header")
    _check_header(header, table, wanted, shown)
    present = [name for name in wanted if name in header]
    compression = "gzip" if source.name.lower().endswith(".gz") else None
    reader = pa_csv.open_csv(
        pa.input_stream(str(source), compression=compression),
        read_options=pa_csv.ReadOptions(block_size=8 << 20, use_threads=True),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            include_columns=present,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    next_row = 1
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in reader:
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= chunk_rows:
            combined = pa.Table.from_batches(pending, schema=reader.schema)
            yield RawChunk(_arrow_frame(combined.slice(0, chunk_rows), wanted), next_row, shown)
            next_row += chunk_rows
            rest = combined.slice(chunk_rows)
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if pending_rows:
        combined = pa.Table.from_batches(pending, schema=reader.schema)
        yield RawChunk(_arrow_frame(combined, wanted), next_row, shown)


def _parquet_chunks(source: Path, table: str, wanted: Sequence[str], chunk_rows: int, shown: str) -> Iterator[RawChunk]:
    parquet = pq.ParquetFile(source)
    header = list(parquet.schema_arrow.names)
    _check_header(header, table, wanted, shown)
    present = [name for name in wanted if name in header]
    next_row = 1
    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=present):
        as_text = pa.table({name: pc.cast(batch.column(name), pa.string()) for name in present})
        yield RawChunk(_arrow_frame(as_text, wanted), next_row, shown)
        next_row += batch.num_rows


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _jsonl_chunks(source: Path, table: str, wanted: Sequence[str], chunk_rows: int, shown: str) -> Iterator[RawChunk]:
    opener = gzip.open if source.name.lower().endswith(".gz") else open
    next_row = 1
    rows: list[list[str | None]] = []
    keys_seen: set[str] = set()
    header_checked = False
    with opener(source, "rt", encoding="utf-8") as stream:
        for line_number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as problem:
                raise BatchFileError(shown, f"line {line_number} is not valid JSON: {problem.msg}") from problem
            if not isinstance(record, dict):
                raise BatchFileError(shown, f"line {line_number} is not a JSON object")
            if not header_checked:
                keys_seen.update(record)
            rows.append([_json_text(record.get(name)) for name in wanted])
            if len(rows) >= chunk_rows:
                if not header_checked:
                    _check_header(sorted(keys_seen), table, wanted, shown)
                    header_checked = True
                yield RawChunk(pd.DataFrame(rows, columns=list(wanted), dtype=object), next_row, shown)
                next_row += len(rows)
                rows = []
    if not header_checked:
        if next_row == 1 and not rows:
            return
        _check_header(sorted(keys_seen), table, wanted, shown)
    if rows:
        yield RawChunk(pd.DataFrame(rows, columns=list(wanted), dtype=object), next_row, shown)


def read_batch_table(
    batch_dir: Path | str,
    table: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    columns: Sequence[str] | None = None,
) -> Iterator[RawChunk]:
    """Stream every file of one table in a batch (parts in order); files named relative to the batch."""
    for path in discover_tables(batch_dir).get(table, []):
        yield from read_table_chunks(path, table, chunk_rows, columns, display_name(path, batch_dir))
