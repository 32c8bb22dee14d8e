"""Where the local runtime keeps things: the shared jar cache, and one server instance's home."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sockhound.errors import SockhoundError
from sockhound.settings import Settings


class LocalRuntimeError(SockhoundError, RuntimeError):
    """A local-runtime failure, with a one-line message that names the cause and where to look."""


@functools.cache
def pom_digest() -> str:
    """A short hash of the packaged pom.xml: it names the jar set in the cache."""
    pom = resources.files("sockhound.runtime").joinpath("pom.xml").read_bytes()
    return hashlib.sha256(pom).hexdigest()[:10]


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
    def resolution_lock(self) -> Path:
        """Beside the jar set, not in it: the lock exists before the directory does."""
        return self.jar_dir.with_name(self.jar_dir.name + ".lock")

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
    def auth_file(self) -> Path:
        """Written by the admin tool before the first start; Neo4j creates the user from it."""
        return self.data / "dbms" / "auth.ini"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.run / "sockhound-neo4j.pid"

    @property
    def start_lock(self) -> Path:
        return self.run / "start.lock"
