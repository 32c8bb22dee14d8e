"""`sockhound validate DIR`: check a batch against the contract without loading it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from loaders.batch_files import discover_tables, read_batch_table
from loaders.contract import QUARANTINE_COLUMNS, TableValidator
from loaders.errors import BatchFileError


def validate_command(
    batch_dir: Annotated[Path, typer.Argument(help="Batch directory in the format of docs/contract.md.")],
    quarantine: Annotated[
        Path | None, typer.Option(help="Where to write quarantine.csv (default: DIR/quarantine.csv).")
    ] = None,
) -> None:
    """Validate every table of a batch; write refused rows to quarantine.csv; exit 1 if any."""
    target = quarantine or batch_dir / "quarantine.csv"
    rows_by_table: dict[str, tuple[int, int]] = {}
    try:
        tables = discover_tables(batch_dir)
        with target.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(QUARANTINE_COLUMNS)
            for table in tables:
                validator = TableValidator(table, table)
                for raw in read_batch_table(batch_dir, table):
                    chunk = validator.validate(raw.frame, raw.first_row_number, raw.file)
                    writer.writerows((r.file, r.row_number, r.column, r.reason, r.value) for r in chunk.quarantined)
                rows_by_table[table] = (validator.rows_seen, validator.rows_quarantined)
    except BatchFileError as problem:
        typer.echo(f"sockhound validate: {problem}", err=True)
        raise typer.Exit(2) from problem
    refused = 0
    for table, (seen, quarantined) in rows_by_table.items():
        typer.echo(f"{table:16} {seen:>12,} rows  {quarantined:>8,} quarantined")
        refused += quarantined
    typer.echo(f"quarantine: {target}" if refused else "batch is clean")
    if refused:
        raise typer.Exit(1)
