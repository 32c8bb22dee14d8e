"""`sockhound load DIR`: the CLI face of loaders.load_batch (progress bar, report files, exit codes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from loaders.batch_files import DEFAULT_CHUNK_ROWS, discover_tables
from loaders.load_batch import SHARD_INPUT_BYTES, BatchLoader, write_report
from sockhound.errors import BadInputError
from sockhound.graph import connected_graph
from sockhound.settings import get_settings


def default_report_dir(batch_dir: Path) -> Path:
    return Path("var") / "loads" / batch_dir.resolve().name


def load_command(
    batch_dir: Annotated[Path, typer.Argument(help="A batch directory in the contract format.")],
    report_dir: Annotated[
        Path | None, typer.Option(help="Where report.json, report.txt and quarantine.csv go.")
    ] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows read per chunk.", min=1_000)] = DEFAULT_CHUNK_ROWS,
    shard_mb: Annotated[float, typer.Option(
        help="MiB of exchange files (as stored) per account partition read back from the aggregation engine "
             "and written: smaller partitions, less Python memory per write step, more engine reads.",
        min=0.01,
    )] = SHARD_INPUT_BYTES / 2**20,
    engine: Annotated[Literal["duckdb", "spark"] | None, typer.Option(
        help="Aggregation engine: duckdb (embedded, the default) or spark (pyspark: local[2] here, or "
             "SOCKHOUND_SPARK_MASTER / SPARK_REMOTE). Default: SOCKHOUND_LOAD_ENGINE, else duckdb.",
    )] = None,
) -> None:
    """Load a batch into Neo4j: validate (bad rows quarantined), hash, fingerprint, aggregate, write."""
    if not batch_dir.is_dir():
        raise BadInputError(f"{batch_dir} is not a directory")
    # a directory that is no batch is refused (BatchFileError: bad input, exit 2) before anything is connected
    discover_tables(batch_dir)
    settings = get_settings()
    reports = report_dir or default_report_dir(batch_dir)
    console = Console(stderr=True)
    with connected_graph(settings) as graph, Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, rows: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=None)
            progress.advance(tasks[stage], rows)

        loader = BatchLoader(graph, chunk_rows=chunk_rows, progress=advance,
                             shard_input_bytes=round(shard_mb * 2**20), engine=engine)
        report = loader.load(batch_dir, reports)
    write_report(report, reports)
    typer.echo(report.summary())
    typer.echo(f"report: {reports / 'report.json'}")
