"""`sockhound simulate`: write a simulated batch with hidden sock-puppet networks (and its truth)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from simulator.config import PRESETS, preset_config
from simulator.prompts import PromptPoolsMissing
from simulator.world import simulate


def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Batch directory to write (created if missing).")],
    preset: Annotated[str, typer.Option(help=f"World size: {' | '.join(PRESETS)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 0,
    accounts: Annotated[int | None, typer.Option(help="Rescale the preset to about this many accounts.")] = None,
    inject_bad_rows: Annotated[
        int, typer.Option(help="Add N contract-breaking rows (listed in bad_rows.csv) for loader tests.")
    ] = 0,
    part_rows: Annotated[int | None, typer.Option(help="Rows per exchanges part file (default: preset's).")] = None,
) -> None:
    """Write a simulated batch with hidden sock-puppet networks, plus truth.csv beside it."""
    if preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    config = replace(preset_config(preset, seed, accounts), inject_bad_rows=inject_bad_rows)
    if part_rows is not None:
        config = replace(config, part_rows=part_rows)
    try:
        summary = simulate(out, config)
    except PromptPoolsMissing as problem:
        typer.echo(f"sockhound simulate: {problem}", err=True)
        raise typer.Exit(2) from problem
    typer.echo(
        f"wrote {summary.out_dir}: {summary.accounts:,} accounts ({summary.adversary_accounts:,} adversarial), "
        f"{summary.exchanges:,} exchanges ({summary.adversary_exchanges:,} adversarial) in "
        f"{summary.exchange_parts} part(s), {summary.bad_rows} bad rows, {summary.seconds:.1f}s"
    )
