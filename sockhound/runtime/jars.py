"""Resolving the Neo4j + GDS jars with Maven, once per jar set, under a file lock, checked against a
committed SHA-256 list.

Maven runs with `-C` (a download whose checksum does not match the repository's is an error, not a
warning), and every resolved jar must then match `jars-neo4j-<v>-gds-<v>.sha256` beside the pom: Maven's
own check trusts whatever the repository serves, the committed list does not. Two processes that resolve
at once (`make test` and `sockhound db start` on a fresh machine) take turns on a lock file beside the jar
set; the second finds the first's RESOLVED marker and returns.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from filelock import FileLock, Timeout

from sockhound.runtime.layout import LocalRuntimeError, RuntimeLayout
from sockhound.settings import Settings

RESOLUTION_LOCK_TIMEOUT_S = 1200.0


def checksum_list_name(settings: Settings) -> str:
    return f"jars-neo4j-{settings.sockhound_neo4j_version}-gds-{settings.sockhound_gds_version}.sha256"


def pinned_checksums(settings: Settings) -> dict[str, str]:
    """File name -> SHA-256 of every jar the pinned versions resolve to (the committed list)."""
    listing = resources.files("sockhound.runtime").joinpath(checksum_list_name(settings))
    if not listing.is_file():
        raise LocalRuntimeError(
            f"no committed checksums for Neo4j {settings.sockhound_neo4j_version} + GDS "
            f"{settings.sockhound_gds_version} (sockhound/runtime/{checksum_list_name(settings)}); "
            "see the README (local runtime) for how to pin a new jar set"
        )
    pinned: dict[str, str] = {}
    for line in listing.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            pinned[name.lstrip("*")] = digest.lower()
    return pinned


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as jar:
        for block in iter(lambda: jar.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_jars(directory: Path, pinned: dict[str, str]) -> list[str]:
    """What differs from the pinned list: jars missing, unexpected or with another hash (empty when none)."""
    found = {jar.name: _sha256(jar) for jar in directory.glob("*.jar")}
    problems = [f"missing {name}" for name in sorted(pinned.keys() - found.keys())]
    problems += [f"unexpected {name}" for name in sorted(found.keys() - pinned.keys())]
    problems += [f"checksum of {name}" for name in sorted(pinned.keys() & found.keys())
                 if pinned[name] != found[name]]
    return problems


def resolve_jars(settings: Settings, *, echo: bool = True) -> RuntimeLayout:
    """Resolve Neo4j + GDS into the cache once; later calls (and a concurrent second one) return at once."""
    layout = RuntimeLayout.from_settings(settings)
    if layout.resolved_marker.exists():
        return layout
    layout.jar_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(layout.resolution_lock, timeout=RESOLUTION_LOCK_TIMEOUT_S):
            if not layout.resolved_marker.exists():
                _resolve(settings, layout, echo=echo)
    except Timeout:
        raise LocalRuntimeError(
            f"another process has been resolving the jars into {layout.jar_dir} for over "
            f"{RESOLUTION_LOCK_TIMEOUT_S:.0f}s (lock {layout.resolution_lock})"
        ) from None
    return layout


def maven_command(maven: str, pom: Path, staging: Path, settings: Settings) -> list[str]:
    return [
        maven,
        "-B",
        "-q",
        "-C",  # strict checksums: a corrupt or tampered download fails the resolution
        "-f",
        str(pom),
        "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
        f"-DoutputDirectory={staging}",
        "-DincludeScope=runtime",
        "-Dmdep.prependGroupId=true",
        f"-Dneo4j.version={settings.sockhound_neo4j_version}",
        f"-Dgds.version={settings.sockhound_gds_version}",
    ]


def _resolve(settings: Settings, layout: RuntimeLayout, *, echo: bool) -> None:
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
            maven_command(maven, pom_path, staging, settings),
            stdout=maven_log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0 or not any(staging.glob("org.neo4j.app.neo4j-server-*.jar")):
        raise LocalRuntimeError(
            f"could not resolve Neo4j/GDS jars with Maven (exit {completed.returncode}); see {layout.maven_log}"
        )
    # After Maven, not before: versions that do not exist are named as such, and a new jar set to pin is
    # left in lib.partial to check and list.
    problems = verify_jars(staging, pinned_checksums(settings))
    if problems:
        shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise LocalRuntimeError(
            f"the resolved jars do not match sockhound/runtime/{checksum_list_name(settings)} ({shown}); "
            f"they are left in {staging} and not used"
        )
    shutil.rmtree(layout.lib, ignore_errors=True)
    staging.rename(layout.lib)
    layout.resolved_marker.write_text(
        f"neo4j={settings.sockhound_neo4j_version}\ngds={settings.sockhound_gds_version}\n"
    )
