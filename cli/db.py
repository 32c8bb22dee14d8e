"""`sockhound db start | stop | status | migrate`."""

from __future__ import annotations

import typer

from sockhound.errors import ExitCode, SockhoundError
from sockhound.graph import connected_graph
from sockhound.migrations import apply_migrations
from sockhound.runtime import local_neo4j
from sockhound.runtime.credentials import password_file
from sockhound.settings import Settings, get_settings

db_app = typer.Typer(help="Run the local Neo4j + GDS server, or check the one NEO4J_URI names.",
                     no_args_is_help=True)




@db_app.command("start")
def start_command() -> None:
    """Resolve (once) and start Neo4j 5.26 Community + GDS on 127.0.0.1, then wait until it answers."""
    settings = get_settings()
    if not settings.uses_local_runtime:
        typer.echo(f"NEO4J_URI is set: using {settings.neo4j_uri}; no local server needed")
        return
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    already = local_neo4j.status(settings)
    if already.running:
        typer.echo(f"already running at {already.uri} (pid {already.pid}; Neo4j {already.neo4j_version}, "
                   f"GDS {already.gds_version})")
        _echo_browser(already, settings)
        return
    started = local_neo4j.start(settings)
    typer.echo(f"Neo4j {started.neo4j_version} + GDS {started.gds_version} {started.detail} "
               f"(pid {started.pid}, home {layout.home})")
    typer.echo(started.uri)
    _echo_browser(started, settings)


def _echo_browser(current: local_neo4j.RuntimeStatus, settings: Settings) -> None:
    if current.browser_url:
        password = ("NEO4J_PASSWORD" if settings.neo4j_password is not None
                    else f"the password in {password_file(settings.sockhound_neo4j_home)}")
        typer.echo(f"Neo4j Browser: {current.browser_url}  (connect to {current.uri} as {settings.neo4j_user} "
                   f"with {password})")


@db_app.command("stop")
def stop_command() -> None:
    """Shut the local server down cleanly."""
    settings = get_settings()
    if not settings.uses_local_runtime:
        raise SockhoundError(f"NEO4J_URI is set ({settings.neo4j_uri}): sockhound does not manage that server")
    typer.echo(local_neo4j.stop(settings))


@db_app.command("status")
def status_command() -> None:
    """Say whether the database answers, with the Neo4j and GDS versions. Exit 3 when it does not."""
    settings = get_settings()
    current = local_neo4j.status(settings)
    if current.running:
        pid = f", pid {current.pid}" if current.pid else ""
        typer.echo(f"running at {current.uri}{pid}: Neo4j {current.neo4j_version}, GDS {current.gds_version}")
        _echo_browser(current, settings)
        return
    typer.echo(f"not running ({current.uri}: {current.detail})")
    raise typer.Exit(ExitCode.DATABASE_UNAVAILABLE)


@db_app.command("migrate")
def migrate_command() -> None:
    """Apply the schema migrations in queries/schema that this database has not seen yet."""
    settings = get_settings()
    with connected_graph(settings) as graph:
        outcome = apply_migrations(graph)
    for name in outcome.applied:
        typer.echo(f"applied {name}")
    typer.echo(f"{len(outcome.applied)} applied, {len(outcome.already_applied)} already applied")
