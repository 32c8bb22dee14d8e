"""CLI faces of the API: `sockhound serve` and `sockhound api-key` (a new key and its settings entry)."""

from __future__ import annotations

import hashlib
from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.auth import SCOPES, ApiKeyConfigError, new_api_key
from api.settings import get_api_settings
from sockhound.settings import HashKeyError


def serve_command(
    host: Annotated[str | None, typer.Option(help="Listen address (default SOCKHOUND_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SOCKHOUND_API_PORT, 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=8, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the REST API for ban tooling (FastAPI on uvicorn)."""
    settings = get_api_settings()
    if host is not None:
        settings.sockhound_api_host = host
    if port is not None:
        settings.sockhound_api_port = port
    try:
        create_app(settings)  # check keys and hash key now, with a one-line error, before uvicorn starts
    except (ApiKeyConfigError, HashKeyError) as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    base = settings.api_base_url
    typer.echo(f"sockhound API on {base}  (OpenAPI docs {base}/docs; Neo4j {settings.bolt_uri})")
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.sockhound_api_host, port=settings.sockhound_api_port,
                    log_level="info", access_log=False, server_header=False)
    else:  # each worker builds its own app (and driver) from the environment
        uvicorn.run("api.app:create_app", factory=True, host=settings.sockhound_api_host,
                    port=settings.sockhound_api_port, workers=workers, log_level="info", access_log=False,
                    server_header=False)


def api_key_command(
    name: Annotated[str, typer.Argument(help="Who holds the key (recorded as the source of their labels).")],
    scopes: Annotated[str, typer.Option(help="read, write or read+write.")] = "read",
) -> None:
    """Make a new random API key; prints the key once and the SOCKHOUND_API_KEYS entry holding only its hash."""
    wanted = {scope.strip() for scope in scopes.split("+")}
    if not wanted or not wanted <= SCOPES:
        typer.secho("error: --scopes must be read, write or read+write", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    key = new_api_key()
    digest = hashlib.sha256(key.encode()).hexdigest()
    typer.echo(f"key (give it to {name}; it is not stored anywhere): {key}")
    typer.echo(f"SOCKHOUND_API_KEYS entry: {name}:{'+'.join(sorted(wanted))}:sha256:{digest}")
