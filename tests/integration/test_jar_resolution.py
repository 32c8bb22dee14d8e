"""Resolving the Neo4j + GDS jars with the real Maven into a fresh cache: first runs at once, and a jar
that does not match the committed SHA-256 list. (Maven reads the artifacts from ~/.m2, which the session's
own server start has filled.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sockhound.runtime import jars, local_neo4j
from sockhound.settings import Settings
from tests.conftest import REPO_ROOT

RESOLVE = "from sockhound.runtime.jars import resolve_jars; from sockhound.settings import Settings; " \
          "print(resolve_jars(Settings(), echo=False).lib)"


def test_first_resolutions_at_once_all_succeed(tmp_path: Path) -> None:
    # Three, not two: without the lock two runs sometimes miss each other; three collide every time tried.
    environment = {**os.environ, "SOCKHOUND_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.Popen([sys.executable, "-c", RESOLVE], cwd=REPO_ROOT, env=environment,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [run.communicate(timeout=600) for run in runs]
    for run, (_, stderr) in zip(runs, outcomes, strict=True):
        assert run.returncode == 0, stderr.strip().splitlines()[-1:]
    layout = local_neo4j.RuntimeLayout.from_settings(Settings(sockhound_cache_dir=tmp_path / "cache"))
    assert {stdout.strip() for stdout, _ in outcomes} == {str(layout.lib)}
    assert layout.resolved_marker.exists() and not (layout.jar_dir / "lib.partial").exists()
    assert jars.verify_jars(layout.lib, jars.pinned_checksums(Settings())) == []


def test_a_jar_that_differs_from_the_committed_list_is_not_used(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(sockhound_cache_dir=tmp_path / "cache")
    pinned = jars.pinned_checksums(settings)
    server_jar = next(name for name in pinned if name.startswith("org.neo4j.app.neo4j-server-"))
    monkeypatch.setattr(jars, "pinned_checksums", lambda _: {**pinned, server_jar: "0" * 64})
    with pytest.raises(local_neo4j.LocalRuntimeError, match=rf"do not match .*checksum of {server_jar}"):
        jars.resolve_jars(settings, echo=False)
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    assert not layout.resolved_marker.exists() and not layout.lib.exists()
