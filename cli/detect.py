"""CLI faces of detection: `detect`, `export verdicts`, `evaluate`, `explain`, `allowlist add|list|remove`.

Registered, lazily, in `cli/app.py`'s COMMANDS (each command's module loads only when it runs).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.support import read_input_csv
from detect.allowlist import ALLOW_LIST_KINDS, add_entry, list_entries, remove_entry
from detect.config import get_detection_settings
from detect.evaluation import evaluate_verdicts
from detect.explain import UnknownAccountError, account_explanation, pair_explanation
from detect.export import verdicts_frame, write_verdicts
from detect.pipeline import run_detection
from loaders.contract import TRUTH_COLUMNS
from sockhound.errors import BadInputError
from sockhound.graph import connected_graph
from sockhound.settings import get_settings

export_app = typer.Typer(help="Export detection results in the contract's formats.", no_args_is_help=True)
allowlist_app = typer.Typer(help="Known shared infrastructure that must not link accounts.", no_args_is_help=True)



def detect_command(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each stage's timing.")] = False,
) -> None:
    """Find sock-puppet networks: linkage graph in GDS, communities, risk, verdicts and explanations."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    with connected_graph(settings) as graph:
        result = run_detection(graph, get_detection_settings())
    counts = result.counts
    typer.echo(
        f"{result.run_id}: {counts.get('accounts', 0):,} accounts, {counts.get('networks', 0):,} networks; "
        f"sockpuppet {counts.get('sockpuppet', 0):,}, suspect {counts.get('suspect', 0):,}, "
        f"clear {counts.get('clear', 0):,} in {sum(result.timings.values()):.1f}s"
    )


@export_app.command("verdicts")
def export_verdicts_command(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (account_id, verdict, risk, network_id).")],
) -> None:
    """Write one row per account known to the graph: verdict, risk and network id."""
    settings = get_settings()
    with connected_graph(settings) as graph:
        frame = verdicts_frame(graph)
    write_verdicts(frame, out)
    typer.echo(f"wrote {len(frame):,} verdicts to {out}")


def evaluate_command(
    truth: Annotated[Path, typer.Option("--truth", help="A simulator's truth.csv (account_id, actor).")],
    verdicts: Annotated[
        Path | None, typer.Option("--verdicts", help="Score this verdict CSV instead of the graph's verdicts.")
    ] = None,
) -> None:
    """Compare the current verdicts with a truth file; print the JSON report."""
    truth_frame = read_input_csv(truth, "--truth", TRUTH_COLUMNS)
    if verdicts is not None:
        frame = read_input_csv(verdicts, "--verdicts", ("account_id", "verdict"))
    else:
        settings = get_settings()
        with connected_graph(settings) as graph:
            frame = verdicts_frame(graph)
    typer.echo(json.dumps(evaluate_verdicts(frame, truth_frame), indent=2))


def explain_command(
    account_id: Annotated[str, typer.Argument(help="The account to explain.")],
    other: Annotated[str | None, typer.Option("--with", help="Explain what this account shares with another.")]
    = None,
) -> None:
    """Print (JSON) why an account got its risk, or what two accounts share."""
    settings = get_settings()
    try:
        with connected_graph(settings) as graph:
            if other is None:
                payload = account_explanation(graph, account_id)
            else:
                payload = pair_explanation(graph, account_id, other, get_detection_settings())
    except UnknownAccountError as error:  # bad input (exit 2), said as the CLI says it
        raise BadInputError(f"no account {error.args[0]!r} in the graph") from None
    typer.echo(json.dumps(payload, indent=2, default=str))


def _parse_expiry(value: str | None) -> datetime | None:
    if value is None or value.lower() in ("never", ""):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInputError(f"--expires {value!r}: not an ISO date or date-time (e.g. 2027-01-31)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _check_kind(kind: str) -> None:
    if kind not in ALLOW_LIST_KINDS:
        raise BadInputError(f"--kind must be one of {', '.join(ALLOW_LIST_KINDS)}")


KindOption = Annotated[str, typer.Option("--kind", help=f"One of: {', '.join(ALLOW_LIST_KINDS)}.")]
ValueOption = Annotated[
    str, typer.Option("--value", help="Raw value (subnet CIDR or address, payment fingerprint, prompt text) or key.")
]


@allowlist_app.command("add")
def allowlist_add_command(
    kind: KindOption,
    value: ValueOption,
    reason: Annotated[str, typer.Option("--reason", help="Why this is known shared infrastructure.")],
    expires: Annotated[
        str | None, typer.Option("--expires", help="ISO date/time the entry stops applying (default: never).")
    ] = None,
    added_by: Annotated[str | None, typer.Option("--by", help="Who adds it.")] = None,
) -> None:
    """Allow-list a subnet, payment fingerprint or prompt: it stops linking accounts (hashed, never raw)."""
    _check_kind(kind)
    expires_at = _parse_expiry(expires)
    settings = get_settings()
    try:
        with connected_graph(settings) as graph:
            keys = add_entry(graph, kind, value, reason, expires_at, added_by)
    except ValueError as error:  # a value the allow-list refuses (the message never repeats it)
        raise BadInputError(str(error)) from None
    for key in keys:
        typer.echo(f"allow-listed {kind} {key}" + (f" until {expires_at.isoformat()}" if expires_at else ""))


@allowlist_app.command("list")
def allowlist_list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List allow-list entries (expired ones are shown as such and no longer apply)."""
    settings = get_settings()
    with connected_graph(settings) as graph:
        entries = list_entries(graph)
    if as_json:
        typer.echo(json.dumps([entry.__dict__ for entry in entries], indent=2, default=str))
        return
    for entry in entries:
        expiry = entry.expires_at.isoformat() if entry.expires_at else "never"
        state = "active" if entry.active else "expired"
        typer.echo(f"{entry.kind:8} {entry.key} {state:7} expires {expiry}  {entry.reason or ''}")


@allowlist_app.command("remove")
def allowlist_remove_command(kind: KindOption, value: ValueOption) -> None:
    """Remove the allow-list entries of a value (or key)."""
    _check_kind(kind)
    settings = get_settings()
    try:
        with connected_graph(settings) as graph:
            removed = remove_entry(graph, kind, value)
    except ValueError as error:
        raise BadInputError(str(error)) from None
    typer.echo(f"removed {removed} entr{'y' if removed == 1 else 'ies'}")
