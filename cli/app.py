"""The `sockhound` command line: one sub-command (or group) per part of the flow.

Two things happen here and nowhere else:

- **Exit codes.** Every error a command lets through is mapped once, in `SockhoundGroup.main`, to one red line
  `error: ...` on stderr and the exit code its type means (`sockhound.errors`: 1 failure, 2 bad input,
  3 database unavailable). Usage mistakes (an unknown option, a missing file) are bad input too. No traceback
  for a person's mistake; an unexpected exception is a bug and keeps its traceback.
- **Lazy commands.** A command's module (and with it pandas, neo4j, GDS, FastAPI, matplotlib) is imported only
  when that command runs. `sockhound --help` lists the commands from their docstrings read as text (`ast`), so
  it starts in a fraction of a second. `tests/unit/test_cli.py` checks that the listing matches the commands.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from typer import _click as click  # typer >= 0.22 runs on its own copy of click: its classes, not click's
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperCommand, TyperGroup

from sockhound.errors import ExitCode, SockhoundError

# name -> (module in cli/, attribute): a command function or a typer.Typer group. In the order `--help` lists.
COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "simulate": ("simulate", "simulate_command"),
    "validate": ("validate", "validate_command"),
    "load": ("load", "load_command"),
    "detect": ("detect", "detect_command"),
    "evaluate": ("detect", "evaluate_command"),
    "explain": ("detect", "explain_command"),
    "serve": ("serve", "serve_command"),
    "api-key": ("serve", "api_key_command"),
    "query": ("query", "query_command"),
    "hash": ("hash", "hash_command"),
    "report": ("report", "report_command"),
    "db": ("db", "db_app"),
    "export": ("detect", "export_app"),
    "allowlist": ("detect", "allowlist_app"),
}
HELP_OPTIONS: Final = ["-h", "--help"]


def module_help(module: str, attribute: str) -> str:
    """The help text of a command without importing its module: the function's docstring, or the group's
    `typer.Typer(help=...)`, read from the source."""
    source = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return ast.get_docstring(node) or ""
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and any(
            isinstance(target, ast.Name) and target.id == attribute for target in node.targets
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    raise LookupError(f"cli/{module}.py has no command or group {attribute}")


def load_command(name: str) -> click.Command:
    """Import a command's module and build its click command (what runs, and its full help)."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(f"cli.{module}"), attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class _Listed(TyperCommand):
    """What `--help` lists for a command not imported yet: its name and help, nothing that runs."""


class SockhoundGroup(TyperGroup):
    """The root group: commands load on first use, and errors end in one line with their exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (module, attribute) in COMMANDS.items():
            self.commands.setdefault(name, _listed(name, module, attribute))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Listed):
            command = self.commands[name] = load_command(name)
        return name, command, rest

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        code = run_mapped(lambda: super(SockhoundGroup, self).main(
            args, prog_name, complete_var, standalone_mode=False, **extra
        ))
        if standalone_mode:
            sys.exit(code)
        return code


@cache
def _listed(name: str, module: str, attribute: str) -> _Listed:
    return _Listed(name, help=module_help(module, attribute))


def run_mapped(run: Any) -> int:
    """Run a click main in non-standalone mode; map its outcome or error to one exit code (see the table in
    `sockhound.errors`)."""
    try:
        outcome = run()
    except NoArgsIsHelpError as shown:
        shown.show()  # the help of the group that was called without a command
        return ExitCode.OK
    except UsageError as mistake:
        hint = f" (see `{mistake.ctx.command_path} -h`)" if mistake.ctx is not None else ""
        return _error(f"{mistake.format_message()}{hint}", ExitCode.BAD_INPUT)
    except ClickException as error:
        return _error(error.format_message(), error.exit_code)
    except typer.Abort:
        return _error("aborted", ExitCode.FAILURE)
    except SockhoundError as error:
        return _error(str(error), error.exit_code)
    except OSError as error:  # a file or directory the command could not read or write: permissions, space, ...
        where = f": {error.filename}" if error.filename else ""
        return _error(f"{error.strerror or error}{where}", ExitCode.FAILURE)
    return outcome if isinstance(outcome, int) else ExitCode.OK


def _error(message: str, code: int) -> int:
    typer.secho(f"error: {' '.join(message.split())}", fg=typer.colors.RED, err=True)
    return code


def package_version() -> str:
    try:
        return version("sockhound")
    except PackageNotFoundError:  # run from a tree that was not installed
        return "unknown"


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f"sockhound {package_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="sockhound",
    cls=SockhoundGroup,
    help="Expose sock-puppet networks: load platform exports into Neo4j, detect networks, serve verdicts.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": HELP_OPTIONS},
)


@app.callback()
def root(
    _version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", is_eager=True, callback=_show_version
    )] = False,
) -> None:
    """Expose sock-puppet networks: load platform exports into Neo4j, detect networks, serve verdicts."""


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: returns the exit code (the script passes it to sys.exit)."""
    code: int = typer.main.get_command(app).main(args=argv, prog_name="sockhound", standalone_mode=False)
    return code
