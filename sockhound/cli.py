"""The `sockhound` command line: one sub-command group per part of the flow."""

from __future__ import annotations

import typer

from api.commands import api_key_command, serve_command
from detect.commands import (
    allowlist_app,
    detect_command,
    evaluate_command,
    explain_command,
    export_app,
)
from loaders.hash_command import hash_command
from loaders.load_command import load_command
from loaders.validate_command import validate_command
from reporting.commands import report_command
from simulator.command import simulate_command
from sockhound.db_commands import db_app
from sockhound.query_command import query_command

app = typer.Typer(
    name="sockhound",
    help="Expose sock-puppet networks: load platform exports into Neo4j, detect networks, serve verdicts.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.command("simulate")(simulate_command)
app.command("validate")(validate_command)
app.command("load")(load_command)
app.command("detect")(detect_command)
app.add_typer(export_app, name="export")
app.command("evaluate")(evaluate_command)
app.command("explain")(explain_command)
app.add_typer(allowlist_app, name="allowlist")
app.command("serve")(serve_command)
app.command("api-key")(api_key_command)
app.command("query")(query_command)
app.command("hash")(hash_command)
app.command("report")(report_command)


def main() -> None:
    app()
