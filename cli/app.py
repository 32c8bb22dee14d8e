"""The `sockhound` command line: one sub-command group per part of the flow."""

from __future__ import annotations

import typer

from cli.db import db_app
from cli.detect import (
    allowlist_app,
    detect_command,
    evaluate_command,
    explain_command,
    export_app,
)
from cli.hash import hash_command
from cli.load import load_command
from cli.query import query_command
from cli.report import report_command
from cli.serve import api_key_command, serve_command
from cli.simulate import simulate_command
from cli.validate import validate_command

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
