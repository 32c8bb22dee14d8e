"""A local Neo4j Community server with the open-source GDS library, built from Maven Central jars.

No Docker and no tarball download on the project machines: Maven resolves `org.neo4j.app:neo4j-server`
and the `org.neo4j.gds` artifacts in one resolution (one version of each shared library), into a cache
outside the repository. The server runs as `java -cp 'lib/*' org.neo4j.server.CommunityEntryPoint`; GDS
jars sit both on the classpath (its extension is found through ServiceLoader) and in the plugins
directory (procedure scanning).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from neo4j import GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from queries import load_query
from sockhound.settings import Settings

GDS_GROUP_PREFIX = "org.neo4j.gds."
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
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


class LocalRuntimeError(RuntimeError):
    """A local-runtime failure, with a one-line message that names the cause and where to look."""


@dataclass(frozen=True)
class RuntimeLayout:
    """Where the jars (shared cache) and one server instance (home: conf, data, logs, pid) live."""

    jar_dir: Path
    home: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> RuntimeLayout:
        # The pom's hash is part of the name: a changed jar set (a new artifact, an exclusion) resolves into a
        # new directory instead of being skipped by an old RESOLVED marker, and never swaps the jars under a
        # server that still runs from the old directory.
        jar_set = (f"neo4j-{settings.sockhound_neo4j_version}-gds-{settings.sockhound_gds_version}"
                   f"-{pom_digest()}")
        return cls(jar_dir=settings.sockhound_cache_dir / jar_set, home=settings.sockhound_neo4j_home)

    @property
    def lib(self) -> Path:
        return self.jar_dir / "lib"

    @property
    def resolved_marker(self) -> Path:
        return self.jar_dir / "RESOLVED"

    @property
    def maven_log(self) -> Path:
        return self.jar_dir / "maven.log"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def conf(self) -> Path:
        return self.home / "conf"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "sockhound-neo4j.pid"


@dataclass(frozen=True)
class RuntimeStatus:
    running: bool
    uri: str
    pid: int | None = None
    neo4j_version: str | None = None
    gds_version: str | None = None
    detail: str = ""
    browser_url: str | None = None


@functools.cache
def pom_digest() -> str:
    """A short hash of the packaged pom.xml: it names the jar set in the cache."""
    pom = resources.files("sockhound.runtime").joinpath("pom.xml").read_bytes()
    return hashlib.sha256(pom).hexdigest()[:10]


# ----------------------------------------------------------------------------------------------------------
# Resolution
# ----------------------------------------------------------------------------------------------------------


def resolve_jars(settings: Settings, *, echo: bool = True) -> RuntimeLayout:
    """Resolve Neo4j + GDS into the cache once; later calls return at once."""
    layout = RuntimeLayout.from_settings(settings)
    if layout.resolved_marker.exists():
        return layout
    maven = shutil.which("mvn")
    if maven is None:
        raise LocalRuntimeError("Maven (mvn) is not installed: it is needed once to fetch the Neo4j jars")
    layout.jar_dir.mkdir(parents=True, exist_ok=True)
    staging = layout.jar_dir / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    pom = resources.files("sockhound.runtime").joinpath("pom.xml")
    with resources.as_file(pom) as pom_path, open(layout.maven_log, "w") as maven_log:
        if echo:
            print(
                f"resolving Neo4j {settings.sockhound_neo4j_version} + GDS {settings.sockhound_gds_version} "
                f"from Maven Central into {layout.jar_dir} (once)",
                flush=True,
            )
        completed = subprocess.run(
            [
                maven,
                "-B",
                "-q",
                "-f",
                str(pom_path),
                "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
                f"-DoutputDirectory={staging}",
                "-DincludeScope=runtime",
                "-Dmdep.prependGroupId=true",
                f"-Dneo4j.version={settings.sockhound_neo4j_version}",
                f"-Dgds.version={settings.sockhound_gds_version}",
            ],
            stdout=maven_log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0 or not any(staging.glob("org.neo4j.app.neo4j-server-*.jar")):
        raise LocalRuntimeError(
            f"could not resolve Neo4j/GDS jars with Maven (exit {completed.returncode}); see {layout.maven_log}"
        )
    shutil.rmtree(layout.lib, ignore_errors=True)
    staging.rename(layout.lib)
    layout.resolved_marker.write_text(
        f"neo4j={settings.sockhound_neo4j_version}\ngds={settings.sockhound_gds_version}\n"
    )
    return layout


# ----------------------------------------------------------------------------------------------------------
# Start / stop / status
# ----------------------------------------------------------------------------------------------------------


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
            "dbms.usage_report.enabled=false",
            f"server.memory.heap.initial_size={heap}",
            f"server.memory.heap.max_size={heap}",
            f"server.memory.pagecache.size={settings.sockhound_pagecache_size}",
            "db.tx_log.rotation.retention_policy=2 files",
            f"server.directories.plugins={layout.plugins}",
            f"server.directories.data={layout.data}",
            f"server.directories.logs={layout.logs}",
            f"server.directories.run={layout.home / 'run'}",
            f"server.directories.import={layout.home / 'import'}",
            "",
        ]
    )


def _http_conf(settings: Settings) -> list[str]:
    """HTTP on loopback for Neo4j Browser (at /browser/) and the discovery document; off when the port is 0."""
    port = settings.sockhound_http_port
    if port == 0:
        return ["server.http.enabled=false"]
    return [
        "server.http.enabled=true",
        f"server.http.listen_address=127.0.0.1:{port}",
        f"server.http.advertised_address=127.0.0.1:{port}",
    ]


def _prepare_home(settings: Settings, layout: RuntimeLayout) -> None:
    for directory in (layout.conf, layout.data, layout.logs, layout.plugins, layout.home / "run",
                      layout.home / "import"):
        directory.mkdir(parents=True, exist_ok=True)
    (layout.conf / "neo4j.conf").write_text(_neo4j_conf(settings, layout))
    for stale in layout.plugins.glob("*.jar"):
        stale.unlink()
    for jar in sorted(layout.lib.glob(f"{GDS_GROUP_PREFIX}*.jar")):
        (layout.plugins / jar.name).symlink_to(jar)
    if not (layout.data / "dbms" / "auth.ini").exists():
        _set_initial_password(settings, layout)


def _java_environment(layout: RuntimeLayout) -> dict[str, str]:
    environment = dict(os.environ)
    environment["NEO4J_HOME"] = str(layout.home)
    environment["NEO4J_CONF"] = str(layout.conf)
    return environment


def _set_initial_password(settings: Settings, layout: RuntimeLayout) -> None:
    completed = subprocess.run(
        [
            _java(),
            "-cp",
            f"{layout.lib}/*",
            ADMIN_TOOL,
            "dbms",
            "set-initial-password",
            settings.neo4j_password.get_secret_value(),
        ],
        env=_java_environment(layout),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
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


def _read_pid(layout: RuntimeLayout) -> int | None:
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _process_alive(pid) else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by us) counts as dead.
    with contextlib.suppress(OSError):
        if " Z " in Path(f"/proc/{pid}/stat").read_text():
            return False
    return True


def _query_versions(settings: Settings, timeout_s: float = 5.0) -> tuple[str, str]:
    """Neo4j and GDS versions of the server the settings point at (raises when it does not answer)."""
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(settings.bolt_uri, auth=auth, connection_timeout=timeout_s,
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
    """Start the local server and wait until Bolt answers and GDS is loaded. Idempotent."""
    if not settings.uses_local_runtime:
        raise LocalRuntimeError(f"NEO4J_URI is set ({settings.neo4j_uri}): sockhound uses that server; "
                            "unset it to run the local one")
    layout = RuntimeLayout.from_settings(settings)
    running_pid = _read_pid(layout)
    if running_pid is not None:
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
        _terminate(server.pid, grace_s=20)
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


def _terminate(pid: int, grace_s: float) -> bool:
    """SIGTERM, then SIGKILL after the grace period. Returns True when it had to kill."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not _process_alive(pid):
            return False
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return True


def stop(settings: Settings, grace_s: float = 60.0) -> str:
    """Shut the local server down cleanly; say what happened."""
    layout = RuntimeLayout.from_settings(settings)
    pid = _read_pid(layout)
    if pid is None:
        layout.pid_file.unlink(missing_ok=True)
        return "not running"
    killed = _terminate(pid, grace_s)
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
    return RuntimeStatus(True, settings.bolt_uri, pid, neo4j_version, gds_version, browser_url=settings.browser_url)


@contextlib.contextmanager
def running_server(settings: Settings) -> Iterator[RuntimeStatus]:
    """Start a server for the duration of a block and always stop it (tests, benchmarks)."""
    started = start(settings, echo=False)
    try:
        yield started
    finally:
        stop(settings)
