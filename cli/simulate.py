"""`sockhound simulate`: write a simulated batch with hidden sock-puppet networks (and its truth)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from simulator.config import PRESETS, preset_config
from simulator.prompts import PromptPoolsMissing
from simulator.tactics import TACTICS
from simulator.varied import SCOPES
from simulator.world import simulate

_TACTIC_HELP = "; ".join(f"{dimension}: {'|'.join(values)}" for dimension, values in TACTICS.items())


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        dimension, equals, tactic = value.partition("=")
        if not equals or not dimension or not tactic:
            raise typer.BadParameter(f"{option} expects dimension=value, got {value!r}")
        pairs.append((dimension.strip(), tactic.strip()))
    return pairs


def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Batch directory to write (created if missing).")],
    preset: Annotated[str, typer.Option(help=f"World size: {' | '.join(PRESETS)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 0,
    accounts: Annotated[
        int | None,
        typer.Option(help="Rescale the preset to about this many accounts (varied: the genuine accounts)."),
    ] = None,
    tactic: Annotated[
        list[str] | None,
        typer.Option(
            "--tactic", help=f"varied: operations use dimension=value (repeatable). {_TACTIC_HELP}", show_default=False
        ),
    ] = None,
    exclude_tactic: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude-tactic", help="varied: no operation uses dimension=value (repeatable).", show_default=False
        ),
    ] = None,
    tactic_scope: Annotated[
        str, typer.Option(help=f"varied: --tactic applies to {' | '.join(SCOPES)} operation(s).")
    ] = "every",
    inject_bad_rows: Annotated[
        int, typer.Option(help="Add N contract-breaking rows (listed in bad_rows.csv) for loader tests.")
    ] = 0,
    part_rows: Annotated[int | None, typer.Option(help="Rows per exchanges part file (default: preset's).")] = None,
) -> None:
    """Write a simulated batch with hidden sock-puppet networks, plus truth.csv beside it."""
    if preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    include: dict[str, str] = {}
    for dimension, value in _pairs(tactic or [], "--tactic"):
        if include.get(dimension, value) != value:
            raise typer.BadParameter(f"--tactic gives two values for {dimension}")
        include[dimension] = value
    exclude: dict[str, set[str]] = {}
    for dimension, value in _pairs(exclude_tactic or [], "--exclude-tactic"):
        exclude.setdefault(dimension, set()).add(value)
    try:
        config = preset_config(preset, seed, accounts, include=include, exclude=exclude, scope=tactic_scope)
    except ValueError as problem:
        raise typer.BadParameter(str(problem)) from problem
    config = replace(config, inject_bad_rows=inject_bad_rows)
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
    for operation in config.operations:
        if operation.tactics:
            tactics = " ".join(f"{dimension}={value}" for dimension, value in operation.tactics)
            typer.echo(f"  {operation.name}: {operation.accounts:,} accounts, {tactics}")
