"""CLI face of the report (registered, lazily, in `cli/app.py`'s COMMANDS)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.support import read_input_csv
from detect.config import get_detection_settings
from loaders.contract import TRUTH_COLUMNS
from reporting.build import build_report
from reporting.data import DEFAULT_TOP_NETWORKS, ReportData, top_network_records
from sockhound.errors import BadInputError
from sockhound.graph import connected_graph
from sockhound.settings import get_settings


def _headline(name: str, figures: dict[str, Any]) -> str:
    return (f"{name:9} precision {figures['precision']:.4f}  recall {figures['recall']:.4f}  "
            f"benign FPR {figures['benign_false_positive_rate']:.6f}  "
            f"(sockpuppet verdicts {figures['sockpuppet_verdicts']:,})")


def top_network_lines(data: ReportData, limit: int) -> list[str]:
    """The riskiest networks, one line each: id, size, risk, verdict and what links their members."""
    records = top_network_records(data)[:limit]
    lines = [f"top {len(records)} of {len(data.networks)} networks (what grouped them: share of member-link "
             "weight, shared items; not the risk's weights, see `sockhound explain`):"]
    for record in records:
        mix = sorted(record["evidenceMix"].items(), key=lambda item: -item[1])
        evidence = ", ".join(f"{kind} {share:.0%} ({record['sharedItems'].get(kind, 0):,})" for kind, share in mix[:4])
        lines.append(f"  {record['networkId']}  {record['size']:>6,} accounts  risk {record['risk']:.3f}  "
                     f"{record['verdict']:<10}  {evidence or 'no shared evidence'}")
    return lines


def report_command(
    truth: Annotated[Path, typer.Option("--truth", help="A simulator's truth.csv (account_id, actor).")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write index.html, the PNGs and summary.json.")]
    = Path("report"),
    batch: Annotated[
        Path | None, typer.Option("--batch", help="The batch directory, to run the connected-components baseline.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many networks (by risk) get an evidence mix.")]
    = DEFAULT_TOP_NETWORKS,
) -> None:
    """Write the report: network sizes, risk histogram, per-operation recall, evidence mix, baseline beside."""
    truth_frame = read_input_csv(truth, "--truth", TRUTH_COLUMNS)
    if batch is not None and not batch.is_dir():
        raise BadInputError(f"--batch {batch}: not a batch directory")
    settings = get_settings()
    with connected_graph(settings) as graph:
        data, files, timings = build_report(graph, get_detection_settings(), truth_frame, out,
                                            batch, top)
    typer.echo(_headline("sockhound", data.sockhound))
    typer.echo(_headline("baseline", data.baseline) if data.baseline is not None else f"baseline  {data.baseline_note}")
    for line in top_network_lines(data, limit=5):
        typer.echo(line)
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items())
    typer.echo(f"wrote {files.index} ({len(files.images)} figures, {files.summary.name}) in {stages}")
