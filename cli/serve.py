"""CLI faces of the API: `sockhound serve` and `sockhound api-key` (a new key and its settings entry)."""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.auth import SCOPES, ApiKeyConfigError, new_api_key
from api.settings import ApiSettings, get_api_settings
from cli.support import cli_failure
from sockhound.key_check import verify_graph_key_if_reachable
from sockhound.runtime.credentials import Neo4jPasswordError
from sockhound.runtime.pids import read_guarded_pid, terminate
from sockhound.settings import HashKeyError


def serve_command(
    host: Annotated[str | None, typer.Option(help="Listen address (default SOCKHOUND_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SOCKHOUND_API_PORT, 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=8, help="uvicorn worker processes.")] = 1,
    detach: Annotated[bool, typer.Option(
        "--detach", help="Run in the background (log and pid file under --run-dir); return once it is ready.")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop a server started with --detach.")] = False,
    run_dir: Annotated[Path, typer.Option(help="Where --detach keeps api.pid and api.log.")] = Path("var"),
) -> None:
    """Serve the REST API for ban tooling (FastAPI on uvicorn)."""
    if stop:
        typer.echo(stop_detached(run_dir))
        return
    settings = get_api_settings()
    if host is not None:
        settings.sockhound_api_host = host
    if port is not None:
        settings.sockhound_api_port = port
    try:
        create_app(settings)  # check keys and hash key now, with a one-line error, before uvicorn starts
        settings.neo4j_auth()  # and that there is a database password (the local runtime's generated one)
        if not verify_graph_key_if_reachable(settings, settings.hash_key()):
            typer.echo("the database does not answer yet: the hash key will be checked against the graph later")
    except (ApiKeyConfigError, HashKeyError, Neo4jPasswordError) as error:
        raise cli_failure(str(error)) from None
    base = settings.api_base_url
    warning = plaintext_exposure(settings)
    if warning:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    if detach:
        try:
            pid = start_detached(settings, workers, run_dir)
        except RuntimeError as error:
            raise cli_failure(str(error)) from None
        typer.echo(f"sockhound API on {base} (pid {pid}, log {run_dir / LOG_NAME}); stop it with "
                   f"`sockhound serve --stop`")
        return
    docs = f"OpenAPI docs {base}/docs" if settings.sockhound_api_docs else "docs off (SOCKHOUND_API_DOCS)"
    typer.echo(f"sockhound API on {base}  ({docs}; Neo4j {settings.bolt_uri})")
    certfile, keyfile = settings.sockhound_api_tls_certfile, settings.sockhound_api_tls_keyfile
    # uvicorn's access log is off: it would write request paths (raw IPs, account ids); the audit log writes
    # route templates instead.
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.sockhound_api_host, port=settings.sockhound_api_port,
                    log_level="info", access_log=False, server_header=False, ssl_certfile=certfile, ssl_keyfile=keyfile)
    else:  # each worker builds its own app (and driver) from the environment
        uvicorn.run("api.app:create_app", factory=True, host=settings.sockhound_api_host,
                    port=settings.sockhound_api_port, workers=workers, log_level="info", access_log=False,
                    server_header=False, ssl_certfile=certfile, ssl_keyfile=keyfile)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plaintext_exposure(settings: ApiSettings) -> str | None:
    """A warning when the API listens beyond loopback without TLS (keys would cross the network in clear)."""
    if is_loopback(settings.sockhound_api_host) or settings.sockhound_api_tls_certfile is not None:
        return None
    return (f"the API listens on {settings.sockhound_api_host} without TLS: API keys and answers cross the "
            "network in clear. Set SOCKHOUND_API_TLS_CERTFILE and SOCKHOUND_API_TLS_KEYFILE, or put a TLS proxy "
            "in front and bind to 127.0.0.1")



PID_NAME = "api.pid"
SERVE_MARKERS = ("cli", "serve")  # a pid file is trusted only for a process started with these
LOG_NAME = "api.log"


def start_detached(settings: ApiSettings, workers: int, run_dir: Path, timeout_s: float = 60.0) -> int:
    """Start `sockhound serve` as a background process and wait for /healthz; returns its pid."""
    run_dir.mkdir(parents=True, exist_ok=True)
    stop_detached(run_dir)
    command = [sys.executable, "-m", *SERVE_MARKERS, "--host", settings.sockhound_api_host,
               "--port", str(settings.sockhound_api_port), "--workers", str(workers)]
    with (run_dir / LOG_NAME).open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    (run_dir / PID_NAME).write_text(str(process.pid))
    tls = settings.sockhound_api_tls_certfile is not None
    health = f"{'https' if tls else 'http'}://{settings.sockhound_api_host}:{settings.sockhound_api_port}/healthz"
    # Our own server on its listen address: its certificate names the public host, not this one.
    context = ssl._create_unverified_context() if tls else None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            (run_dir / PID_NAME).unlink(missing_ok=True)
            raise RuntimeError(f"the API exited during start (code {process.returncode}); see {run_dir / LOG_NAME}")
        try:
            with urllib.request.urlopen(health, timeout=1, context=context) as response:
                if response.status == 200:
                    return process.pid
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    (run_dir / PID_NAME).unlink(missing_ok=True)
    raise RuntimeError(f"the API did not answer {health} within {timeout_s:.0f}s; see {run_dir / LOG_NAME}")


def stop_detached(run_dir: Path) -> str:
    pid_file = run_dir / PID_NAME
    if not pid_file.is_file():
        return "no detached API to stop"
    pid = read_guarded_pid(pid_file, SERVE_MARKERS)
    pid_file.unlink()
    if pid is None:  # stale, garbled, or naming another program: signal nothing
        return "the detached API was not running"
    killed = terminate(pid, grace_s=10, group=True)
    return f"{'killed' if killed else 'stopped'} the API (pid {pid})"


def api_key_command(
    name: Annotated[str, typer.Argument(help="Who holds the key (recorded as the source of their labels).")],
    scopes: Annotated[str, typer.Option(help="read, write, ips (lookups by raw IP), joined by +.")] = "read",
) -> None:
    """Make a new random API key; prints the key once and the SOCKHOUND_API_KEYS entry holding only its hash."""
    wanted = {scope.strip() for scope in scopes.split("+")}
    if not wanted or not wanted <= SCOPES:
        raise cli_failure("--scopes must be read, write or ips, joined by + (e.g. read+write)", 2)
    key = new_api_key()
    digest = hashlib.sha256(key.encode()).hexdigest()
    typer.echo(f"key (give it to {name}; it is not stored anywhere): {key}")
    typer.echo(f"SOCKHOUND_API_KEYS entry: {name}:{'+'.join(sorted(wanted))}:sha256:{digest}")
