"""`sockhound validate DIR`: check a batch against the contract without loading it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loaders.batch_files import discover_tables
from loaders.errors import BatchFileError
from loaders.quarantine import QuarantineWriter, validated_table


def validate_command(
    batch_dir: Annotated[Path, typer.Argument(help="Batch directory in the format of docs/contract.md.")],
    quarantine: Annotated[
        Path | None, typer.Option(help="Where to write quarantine.csv (default: DIR/quarantine.csv).")
    ] = None,
) -> None:
    """Validate every table of a batch; write refused rows to quarantine.csv; exit 1 if any."""
    target = quarantine or batch_dir / "quarantine.csv"
    rows_by_table: dict[str, list[int]] = {}
    try:
        tables = discover_tables(batch_dir)
        writer = QuarantineWriter(target)
        for table, paths in tables.items():
            counts = rows_by_table.setdefault(table, [0, 0])

            def counted(rows: int, refused: int, counts: list[int] = counts) -> None:
                counts[0] += rows
                counts[1] += refused

            for _good in validated_table(batch_dir, table, paths, writer, on_chunk=counted):
                pass
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
