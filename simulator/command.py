"""`sockhound simulate` (being written; see issue 3)."""

import typer


def simulate_command() -> None:
    """Write a simulated batch with hidden sock-puppet networks."""
    typer.echo("sockhound simulate: not built yet", err=True)
    raise typer.Exit(2)
