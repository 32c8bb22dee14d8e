"""A local Neo4j Community server with the open-source GDS library, built from Maven Central jars.

No Docker and no tarball download on the project machines: Maven resolves `org.neo4j.app:neo4j-server`
and the `org.neo4j.gds` artifacts in one resolution (one version of each shared library), into a cache
outside the repository (`jars.py`). The server runs as `java -cp 'lib/*' org.neo4j.server.CommunityEntryPoint`;
GDS jars sit both on the classpath (its extension is found through ServiceLoader) and in the plugins
directory (procedure scanning).

Hardening (the server is reachable by anything on loopback, web pages included): a generated password
(`credentials.py`), HTTP off unless asked for and then limited to the Browser with CORS pinned to its own
origin, no `file:` URLs and no private addresses for LOAD CSV, the home 0700 and its secrets 0600.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout
from neo4j import GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from queries import load_query
from sockhound.runtime import credentials
from sockhound.runtime.jars import RESOLUTION_LOCK_TIMEOUT_S, resolve_jars
from sockhound.runtime.layout import LocalRuntimeError, RuntimeLayout, pom_digest
from sockhound.runtime.pids import process_alive, read_guarded_pid, terminate
from sockhound.settings import Settings

__all__ = ["LocalRuntimeError", "RuntimeLayout", "RuntimeStatus", "pom_digest", "resolve_jars", "running_server",
           "start", "status", "stop"]

GDS_GROUP_PREFIX = "org.neo4j.gds."
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
# A second start waits for the first: its resolution (minutes on a fresh machine) and its start timeout.
START_LOCK_WAIT_S = RESOLUTION_LOCK_TIMEOUT_S
# What neo4j's own launcher passes to the JVM; without the add-opens the page cache runs in a slow mode.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)


@dataclass(frozen=True)
class RuntimeStatus:
    running: bool
    uri: str
    pid: int | None = None
    neo4j_version: str | None = None
    gds_version: str | None = None
    detail: str = ""
    browser_url: str | None = None


# ----------------------------------------------------------------------------------------------------------
# Start / stop / status
# ----------------------------------------------------------------------------------------------------------


# Where LOAD CSV may not go: loopback, private, link-local (cloud metadata), carrier-grade NAT, multicast and
# reserved ranges, IPv4 and IPv6 (and IPv4-mapped IPv6, which would otherwise bypass the IPv4 entries).
LOAD_CSV_IP_BLOCKLIST = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "fc00::/7", "fe80::/10", "ff00::/8",
)


def _neo4j_conf(settings: Settings, layout: RuntimeLayout) -> str:
    heap = settings.sockhound_heap_size
    return "\n".join(
        [
            "# written by `sockhound db start`; edit the settings (environment), not this file",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{settings.sockhound_bolt_port}",
            f"server.bolt.advertised_address=127.0.0.1:{settings.sockhound_bolt_port}",
            "server.bolt.enabled=true",
            *_http_conf(settings),
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            "dbms.security.procedures.unrestricted=gds.*",
            # LOAD CSV reads neither local files nor addresses inside this machine or its network.
            "dbms.security.allow_csv_import_from_file_urls=false",
            f"internal.dbms.cypher_ip_blocklist={','.join(LOAD_CSV_IP_BLOCKLIST)}",
            "dbms.usage_report.enabled=false",
            # Neo4j Browser, when served, sends no product analytics and fetches no remote guides. 5.26 names
            # (ServerSettings): `clients.allow_telemetry` is the deprecated spelling; `browser.allow_outgoing_
            # connections` is Enterprise-only (Community's strict config validation refuses it), so remote
            # content is limited to loopback instead.
            "client.allow_telemetry=false",
            "browser.remote_content_hostname_whitelist=127.0.0.1",
            f"server.memory.heap.initial_size={heap}",
            f"server.memory.heap.max_size={heap}",
            f"server.memory.pagecache.size={settings.sockhound_pagecache_size}",
            "db.tx_log.rotation.retention_policy=2 files",
            f"server.directories.plugins={layout.plugins}",
            f"server.directories.data={layout.data}",
            f"server.directories.logs={layout.logs}",
            f"server.directories.run={layout.run}",
            f"server.directories.import={layout.home / 'import'}",
            "",
        ]
    )


def _http_conf(settings: Settings) -> list[str]:
    """HTTP for Neo4j Browser only, on loopback, when a port is set (0, the default, turns it off).

    Only the Browser module: no transactional or query API over HTTP, so a page cannot POST Cypher there.
    CORS answers only the Browser's own origin (Neo4j's default is `*`).
    """
    port = settings.sockhound_http_port
    if port == 0:
        return ["server.http.enabled=false"]
    return [
        "server.http.enabled=true",
        f"server.http.listen_address=127.0.0.1:{port}",
        f"server.http.advertised_address=127.0.0.1:{port}",
        "server.http_enabled_modules=BROWSER",
        f"dbms.security.http_access_control_allow_origin=http://127.0.0.1:{port}",
    ]


def _prepare_home(settings: Settings, layout: RuntimeLayout) -> None:
    credentials.secure_home(layout.home)
    for directory in (layout.conf, layout.data, layout.logs, layout.plugins, layout.run, layout.home / "import"):
        directory.mkdir(parents=True, exist_ok=True)
    credentials.write_private(layout.conf / "neo4j.conf", _neo4j_conf(settings, layout))
    for stale in layout.plugins.glob("*.jar"):
        stale.unlink()
    for jar in sorted(layout.lib.glob(f"{GDS_GROUP_PREFIX}*.jar")):
        (layout.plugins / jar.name).symlink_to(jar)
    if not layout.auth_file.exists():
        _set_initial_password(layout, _initial_password(settings, layout))
    layout.auth_file.chmod(0o600)


def _initial_password(settings: Settings, layout: RuntimeLayout) -> str:
    """NEO4J_PASSWORD when set (the public default refused), else one generated for this home."""
    if settings.neo4j_password is not None:
        return settings.neo4j_auth()[1]
    return credentials.generated_password(layout.home)


def check_home_password(settings: Settings, layout: RuntimeLayout) -> None:
    """Refuse a home whose user predates generated passwords (it has the old public one, or another)."""
    if (settings.neo4j_password is None and layout.auth_file.exists()
            and not credentials.password_file(layout.home).exists()):
        raise LocalRuntimeError(
            f"the Neo4j home {layout.home} was created before sockhound generated passwords (with the old "
            f"public default, or NEO4J_PASSWORD): stop it, delete {layout.data} and start again to get a "
            "generated password (then reload), or set NEO4J_PASSWORD to its password"
        )


def _java_environment(layout: RuntimeLayout) -> dict[str, str]:
    environment = dict(os.environ)
    environment["NEO4J_HOME"] = str(layout.home)
    environment["NEO4J_CONF"] = str(layout.conf)
    return environment


def admin_password_command(java: str, layout: RuntimeLayout, argument_file: Path) -> list[str]:
    """The admin tool's `dbms set-initial-password`, with the password in an argument file, not in argv."""
    return [java, "-cp", f"{layout.lib}/*", ADMIN_TOOL, "dbms", "set-initial-password", f"@{argument_file}"]


def _set_initial_password(layout: RuntimeLayout, password: str) -> None:
    argument_file = layout.run / "initial-password.args"
    credentials.write_private(argument_file, credentials.argument_file_text(password))
    try:
        completed = subprocess.run(
            admin_password_command(_java(), layout, argument_file),
            env=_java_environment(layout), capture_output=True, text=True, check=False, timeout=120,
        )
    finally:
        argument_file.unlink(missing_ok=True)
    if completed.returncode != 0:
        output = (completed.stderr + completed.stdout).strip().splitlines()
        causes = [line.strip() for line in output if "Exception" in line or "rror" in line] or output[-1:]
        raise LocalRuntimeError(f"could not set the initial Neo4j password: {(causes or ['no output'])[0]}")


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalRuntimeError("Java is not installed: Neo4j 5.26 needs a Java 17 or 21 runtime on PATH")
    return java


def _java_major_version(java: str) -> int:
    completed = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    words = completed.stderr.split('"')
    if len(words) < 2:
        raise LocalRuntimeError(f"could not read the Java version from `{java} -version`")
    version = words[1]
    major = version.split(".")[0] if not version.startswith("1.") else version.split(".")[1]
    return int(major)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _check_ports(settings: Settings) -> None:
    """Refuse to start when a port the server would bind is taken, naming the port and its setting."""
    wanted = [("Bolt", "SOCKHOUND_BOLT_PORT", settings.sockhound_bolt_port)]
    if settings.sockhound_http_port:
        wanted.append(("HTTP", "SOCKHOUND_HTTP_PORT", settings.sockhound_http_port))
    if len({port for _, _, port in wanted}) < len(wanted):
        raise LocalRuntimeError(f"SOCKHOUND_BOLT_PORT and SOCKHOUND_HTTP_PORT are both {settings.sockhound_bolt_port}: "
                                "give them different ports (SOCKHOUND_HTTP_PORT=0 turns HTTP off)")
    for connector, setting, port in wanted:
        if _port_in_use(port):
            raise LocalRuntimeError(f"{connector} port 127.0.0.1:{port} is already in use by another process "
                                    f"(set {setting} or stop that process)")


def _server_markers(layout: RuntimeLayout) -> tuple[str, str]:
    """What the server's command line carries: a pid file naming any other process is not ours."""
    return ENTRY_POINT, f"--home-dir={layout.home}"


def _read_pid(layout: RuntimeLayout) -> int | None:
    return read_guarded_pid(layout.pid_file, _server_markers(layout))


def _process_alive(pid: int) -> bool:
    return process_alive(pid)


def _query_versions(settings: Settings, timeout_s: float = 5.0) -> tuple[str, str]:
    """Neo4j and GDS versions of the server the settings point at (raises when it does not answer)."""
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.neo4j_auth(), connection_timeout=timeout_s,
                              max_transaction_retry_time=0, notifications_min_severity="OFF") as driver:
        server_versions = load_query("runtime/server_versions")
        records, _, _ = driver.execute_query(
            Query(server_versions.text, metadata=server_versions.metadata),
            database_=settings.neo4j_database,
            routing_=RoutingControl.READ,
        )
    return str(records[0]["neo4j"]), str(records[0]["gds"])


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    interesting = [line for line in text if "ERROR" in line or "Exception" in line] or text
    return " | ".join(line.strip() for line in interesting[-lines:])


def start(settings: Settings, *, echo: bool = True) -> RuntimeStatus:
    """Start the local server and wait until Bolt answers and GDS is loaded. Idempotent, and one at a time
    per home: a second start waits on the home's lock, then finds the first one's server running."""
    if not settings.uses_local_runtime:
        raise LocalRuntimeError(f"NEO4J_URI is set ({settings.neo4j_uri}): sockhound uses that server; "
                            "unset it to run the local one")
    layout = RuntimeLayout.from_settings(settings)
    credentials.secure_home(layout.home)
    layout.run.mkdir(exist_ok=True)
    wait_s = START_LOCK_WAIT_S + settings.sockhound_start_timeout_s
    try:
        with FileLock(layout.start_lock, timeout=wait_s):
            return _start_locked(settings, layout, echo=echo)
    except Timeout:
        raise LocalRuntimeError(f"another process has held {layout.start_lock} for over {wait_s:.0f}s while "
                                "starting this server") from None


def _start_locked(settings: Settings, layout: RuntimeLayout, *, echo: bool) -> RuntimeStatus:
    check_home_password(settings, layout)
    if _read_pid(layout) is not None:
        return status(settings)
    java = _java()
    major = _java_major_version(java)
    if major not in (17, 21):
        raise LocalRuntimeError(f"Java {major} found; Neo4j 5.26 runs on Java 17 or 21")
    _check_ports(settings)
    layout = resolve_jars(settings, echo=echo)
    _prepare_home(settings, layout)
    heap = settings.sockhound_heap_size
    command = [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, "-cp", f"{layout.lib}/*", ENTRY_POINT,
               f"--home-dir={layout.home}", f"--config-dir={layout.conf}"]
    began = time.monotonic()
    with open(layout.console_log, "ab") as console:
        server = subprocess.Popen(command, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=layout.home, env=_java_environment(layout), start_new_session=True)
    layout.pid_file.write_text(str(server.pid))
    try:
        neo4j_version, gds_version = _wait_until_ready(settings, layout, server)
    except BaseException:
        terminate(server.pid, grace_s=20)
        server.wait(timeout=5)
        layout.pid_file.unlink(missing_ok=True)
        raise
    elapsed = time.monotonic() - began
    return RuntimeStatus(True, settings.bolt_uri, server.pid, neo4j_version, gds_version,
                         detail=f"started in {elapsed:.1f}s", browser_url=settings.browser_url)


def _wait_until_ready(settings: Settings, layout: RuntimeLayout, server: subprocess.Popen[bytes]) -> tuple[str, str]:
    deadline = time.monotonic() + settings.sockhound_start_timeout_s
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        exit_code = server.poll()
        if exit_code is not None:
            cause = _log_tail(layout.logs / "neo4j.log") or _log_tail(layout.console_log)
            raise LocalRuntimeError(f"Neo4j exited during start (code {exit_code}): {cause}; "
                                f"see {layout.logs / 'neo4j.log'} and {layout.console_log}")
        try:
            return _query_versions(settings, timeout_s=2.0)
        except AuthError as error:
            raise LocalRuntimeError(f"Neo4j refused the configured password ({error.message}); the data directory "
                                f"{layout.data} was created with another one") from error
        except (ServiceUnavailable, Neo4jError, OSError) as error:
            last_problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        time.sleep(0.5)
    raise LocalRuntimeError(f"Neo4j did not answer on {settings.bolt_uri} within "
                        f"{settings.sockhound_start_timeout_s:.0f}s ({last_problem}); see {layout.logs / 'neo4j.log'}")


def stop(settings: Settings, grace_s: float = 60.0) -> str:
    """Shut the local server down cleanly; say what happened. A pid file naming anything but this home's
    server is removed, and nothing is signalled."""
    layout = RuntimeLayout.from_settings(settings)
    pid = _read_pid(layout)
    if pid is None:
        layout.pid_file.unlink(missing_ok=True)
        return "not running"
    killed = terminate(pid, grace_s)
    layout.pid_file.unlink(missing_ok=True)
    return f"stopped (pid {pid}{', killed after timeout' if killed else ''})"


def status(settings: Settings) -> RuntimeStatus:
    """Whether the server the settings point at answers, with its versions."""
    layout = RuntimeLayout.from_settings(settings)
    pid = _read_pid(layout) if settings.uses_local_runtime else None
    if settings.uses_local_runtime and pid is None:
        return RuntimeStatus(False, settings.bolt_uri, detail="no local server process")
    try:
        neo4j_version, gds_version = _query_versions(settings)
    except (ServiceUnavailable, Neo4jError, OSError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        return RuntimeStatus(False, settings.bolt_uri, pid, detail=f"does not answer: {detail}")
    except credentials.Neo4jPasswordError as error:
        return RuntimeStatus(False, settings.bolt_uri, pid, detail=str(error))
    return RuntimeStatus(True, settings.bolt_uri, pid, neo4j_version, gds_version, browser_url=settings.browser_url)


@contextlib.contextmanager
def running_server(settings: Settings) -> Iterator[RuntimeStatus]:
    """Start a server for the duration of a block and always stop it (tests, benchmarks)."""
    started = start(settings, echo=False)
    try:
        yield started
    finally:
        stop(settings)
