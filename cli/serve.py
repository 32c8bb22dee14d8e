"""CLI faces of the API: `sockhound serve` and `sockhound api-key` (a new key and its settings entry).

`serve` never takes a listen address from something else: a port another program (or another detached API)
holds is refused before anything starts, and a detached API is replaced only by a new one on its own address
(`make demo` run twice). Errors go through the one CLI error path (`cli/app.py`): bad keys or hash key exit 1,
no usable database password exit 3.
"""

from __future__ import annotations

import errno
import hashlib
import ipaddress
import itertools
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import psutil
import typer
import uvicorn

from api.app import create_app
from api.auth import comma_joined_scopes, new_api_key, scope_problem
from api.settings import ApiSettings, get_api_settings
from sockhound.errors import BadInputError, SockhoundError
from sockhound.key_check import verify_graph_key_if_reachable
from sockhound.runtime.pids import read_guarded_pid, terminate


class PortClashError(SockhoundError):
    """The listen address is taken (by another program or another detached API): nothing was started or
    stopped (exit 1)."""


def serve_command(
    host: Annotated[str | None, typer.Option(help="Listen address (default SOCKHOUND_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SOCKHOUND_API_PORT, 8000).", min=1, max=65535)]
    = None,
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
    replaced = check_listen_address(settings, run_dir if detach else None)  # before anything starts or stops
    create_app(settings)  # check keys and hash key now, with a one-line error, before uvicorn starts
    settings.neo4j_auth()  # and that there is a database password (the local runtime's generated one)
    if not verify_graph_key_if_reachable(settings, settings.hash_key()):
        typer.echo("the database does not answer yet: the hash key will be checked against the graph later")
    base = settings.api_base_url
    warning = plaintext_exposure(settings)
    if warning:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    if detach:
        if replaced is not None:
            typer.echo(stop_detached(run_dir))  # the same address: a restart (new keys, new code)
        pid = start_detached(settings, workers, run_dir)
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


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on host:port already (a bind with SO_REUSEADDR, as uvicorn binds, fails)."""
    try:
        with socket.create_server((host.strip("[]"), port)):
            return False
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return True
        raise BadInputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    except OverflowError:  # SOCKHOUND_API_PORT out of range (--port is checked by its option)
        raise BadInputError(f"cannot listen on {host}:{port}: a port is 1-65535") from None


def _detached_address(pid: int) -> tuple[str, str] | None:
    """The --host and --port a detached API was started with (from its command line)."""
    try:
        arguments = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    options = dict(itertools.pairwise(arguments))
    if "--host" not in options or "--port" not in options:
        return None
    return options["--host"], options["--port"]


def check_listen_address(settings: ApiSettings, run_dir: Path | None) -> int | None:
    """Refuse to start where another API or program listens (PortClashError); nothing is stopped here.

    With `run_dir` (--detach): a detached API already running from it on another address is refused too (the
    old behaviour stopped it); on this same address it is the one to replace, and its pid is returned."""
    host, port = settings.sockhound_api_host, settings.sockhound_api_port
    running = read_guarded_pid(run_dir / PID_NAME, SERVE_MARKERS) if run_dir is not None else None
    if running is not None:
        address = _detached_address(running)
        if address == (host, str(port)):
            return running
        where = f"{address[0]}:{address[1]}" if address is not None else "another address"
        raise PortClashError(
            f"a detached API (pid {running}) already runs from {run_dir} on {where}; stop it first "
            f"(`sockhound serve --stop --run-dir {run_dir}`) or give this one another --run-dir")
    if port_in_use(host, port):
        raise PortClashError(f"{host}:{port} is already in use by another program (or API): "
                             "give another --port (or SOCKHOUND_API_PORT); nothing was stopped")
    return None


def start_detached(settings: ApiSettings, workers: int, run_dir: Path, timeout_s: float = 60.0) -> int:
    """Start `sockhound serve` as a background process and wait for /healthz; returns its pid. The caller
    has checked the address (`check_listen_address`) and stopped what it replaces."""
    run_dir.mkdir(parents=True, exist_ok=True)
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
            raise SockhoundError(f"the API exited during start (code {process.returncode}); see {run_dir / LOG_NAME}")
        try:
            with urllib.request.urlopen(health, timeout=1, context=context) as response:
                if response.status == 200:
                    return process.pid
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    (run_dir / PID_NAME).unlink(missing_ok=True)
    raise SockhoundError(f"the API did not answer {health} within {timeout_s:.0f}s; see {run_dir / LOG_NAME}")


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
    fixed = comma_joined_scopes(scopes)
    if fixed is not None:
        raise BadInputError(f"--scopes must be joined by +, not by a comma: --scopes {fixed}")
    if scope_problem(scopes) is not None:
        raise BadInputError("--scopes must be read, write or ips, joined by + (e.g. read+write)")
    wanted = {scope.strip() for scope in scopes.split("+")}
    key = new_api_key()
    digest = hashlib.sha256(key.encode()).hexdigest()
    typer.echo(f"key (give it to {name}; it is not stored anywhere): {key}")
    typer.echo(f"SOCKHOUND_API_KEYS entry: {name}:{'+'.join(sorted(wanted))}:sha256:{digest}")
