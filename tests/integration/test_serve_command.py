"""`sockhound api-key` makes a key its own entry accepts; `sockhound serve --detach` starts the API in the
background against a real Neo4j and `--stop` ends it; a bad key setting is one clear line, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from api.auth import ApiKeyRing
from cli.app import app
from sockhound.settings import Settings
from tests.conftest import REPO_ROOT, free_port


def test_api_key_command_prints_a_key_its_entry_accepts() -> None:
    result = CliRunner().invoke(app, ["api-key", "ban-tool", "--scopes", "read+write"])
    assert result.exit_code == 0, result.output
    key = result.output.split("it is not stored anywhere): ", 1)[1].split()[0]
    entry = result.output.split("SOCKHOUND_API_KEYS entry: ", 1)[1].strip()
    assert key not in entry and entry.startswith("ban-tool:read+write:sha256:")
    principal = ApiKeyRing.parse(entry).principal_for(key)
    assert principal is not None and principal.scopes == frozenset({"read", "write"})
    refused = CliRunner().invoke(app, ["api-key", "x", "--scopes", "admin"])
    assert refused.exit_code == 2 and "--scopes must be" in refused.output


def run_sockhound(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *arguments], cwd=REPO_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_serve_detach_and_stop(neo4j_settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    key = "detached-test-key-000000000000"
    environment = {**os.environ, "NEO4J_URI": neo4j_settings.bolt_uri, "NEO4J_PASSWORD": neo4j_settings.neo4j_auth()[1],
                   "SOCKHOUND_ALLOW_DEV_HASH_KEY": "true",
                   "SOCKHOUND_API_KEYS": f"t:read:{key}", "SOCKHOUND_API_PORT": str(port)}
    started = run_sockhound(["serve", "--detach", "--run-dir", str(tmp_path)], environment)
    assert started.returncode == 0, started.stderr
    assert f"127.0.0.1:{port}" in started.stdout and (tmp_path / "api.pid").is_file()
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        answer = httpx.get(f"http://127.0.0.1:{port}/v1/networks", headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200
    finally:
        stopped = run_sockhound(["serve", "--stop", "--run-dir", str(tmp_path)], environment)
    assert stopped.returncode == 0 and stopped.stdout.startswith("stopped the API")
    assert not (tmp_path / "api.pid").exists()
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        raise AssertionError("the API still answers after --stop")
    except httpx.TransportError:
        pass
    assert "no detached API" in run_sockhound(["serve", "--stop", "--run-dir", str(tmp_path)], environment).stdout


def test_bad_key_setting_is_one_clear_line(tmp_path: Path) -> None:
    environment = {**os.environ, "SOCKHOUND_ALLOW_DEV_HASH_KEY": "true", "SOCKHOUND_API_KEYS": "broken-entry",
                   "SOCKHOUND_API_PORT": str(free_port())}
    result = run_sockhound(["serve", "--detach", "--run-dir", str(tmp_path)], environment)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: SOCKHOUND_API_KEYS entry 1: expected NAME:SCOPES:SECRET"
    assert not (tmp_path / "api.pid").exists()


def test_a_missing_database_password_is_one_clear_line(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "NEO4J_PASSWORD"}
    environment.update({"NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", "SOCKHOUND_ALLOW_DEV_HASH_KEY": "true",
                        "SOCKHOUND_API_KEYS": "t:read:detached-test-key-000000000000",
                        "SOCKHOUND_API_PORT": str(free_port())})
    result = run_sockhound(["serve", "--detach", "--run-dir", str(tmp_path)], environment)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: NEO4J_URI is set") and "NEO4J_PASSWORD is not" in result.stderr
    assert not (tmp_path / "api.pid").exists()
