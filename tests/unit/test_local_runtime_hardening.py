"""The local runtime's hardening without a server: password handling, the generated conf, pid-file guards,
the start lock and the jar checksum list."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from pydantic import SecretStr

from cli.serve import stop_detached
from sockhound.runtime import credentials, jars, local_neo4j, pids
from sockhound.settings import RETIRED_LOCAL_PASSWORD, Settings


def local_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"neo4j_uri": None, "sockhound_neo4j_home": tmp_path / "home",
                                 "sockhound_cache_dir": tmp_path / "cache"}
    values.update(overrides)
    return Settings.model_validate(values)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


# --- the password ----------------------------------------------------------------------------------------


def test_the_retired_public_password_is_refused_outside_the_test_runner(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = local_settings(tmp_path, neo4j_password=SecretStr(RETIRED_LOCAL_PASSWORD))
    assert settings.neo4j_auth() == ("neo4j", RETIRED_LOCAL_PASSWORD)  # tests may still name it
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    with pytest.raises(credentials.Neo4jPasswordError, match="old public default"):
        settings.neo4j_auth()
    with pytest.raises(credentials.Neo4jPasswordError, match="old public default"):
        local_neo4j._initial_password(settings, local_neo4j.RuntimeLayout.from_settings(settings))


def test_no_password_is_a_default_any_more(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    assert Settings(_env_file=None).neo4j_password is None  # type: ignore[call-arg]
    with pytest.raises(credentials.Neo4jPasswordError, match="run `sockhound db start` first"):
        local_settings(tmp_path).neo4j_auth()
    with pytest.raises(credentials.Neo4jPasswordError, match="NEO4J_PASSWORD is not"):
        Settings(neo4j_uri="bolt://elsewhere:7687").neo4j_auth()


def test_the_generated_password_is_random_private_and_found_by_later_settings(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    password = local_neo4j._initial_password(settings, layout)
    assert len(password) >= 32 and password.isalnum()
    assert password != RETIRED_LOCAL_PASSWORD
    assert private(credentials.password_file(layout.home))
    assert stat.S_IMODE(layout.home.stat().st_mode) == 0o700
    assert local_settings(tmp_path).neo4j_auth() == ("neo4j", password), "settings made later read the same file"
    assert local_neo4j._initial_password(settings, layout) == password, "generated once, then kept"
    other = local_settings(tmp_path / "elsewhere")
    assert local_neo4j._initial_password(other, local_neo4j.RuntimeLayout.from_settings(other)) != password


def test_the_admin_tool_gets_the_password_from_a_file_not_its_command_line(tmp_path: Path) -> None:
    layout = local_neo4j.RuntimeLayout.from_settings(local_settings(tmp_path))
    argument_file = layout.run / "initial-password.args"
    command = local_neo4j.admin_password_command("java", layout, argument_file)
    assert command[-3:] == ["dbms", "set-initial-password", f"@{argument_file}"]
    tricky = 'with space "quote" back\\slash #hash'
    text = credentials.argument_file_text(tricky)
    assert text == '"with space \\"quote\\" back\\\\slash #hash"\n'
    assert not any(tricky in part for part in command)


def test_a_home_made_with_the_old_default_is_refused_with_what_to_do(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    layout.auth_file.parent.mkdir(parents=True)
    layout.auth_file.write_text("neo4j:SHA-256,00,00,1024:\n")
    with pytest.raises(local_neo4j.LocalRuntimeError, match=r"created before sockhound generated passwords.*delete"):
        local_neo4j.check_home_password(settings, layout)
    local_neo4j.check_home_password(settings.model_copy(update={"neo4j_password": SecretStr("its-own")}), layout)


def test_private_files_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        credentials.write_private(tmp_path / "secret", "x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


# --- the generated conf ----------------------------------------------------------------------------------


def test_http_is_off_by_default_and_limited_to_the_browser_when_on(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCKHOUND_HTTP_PORT", raising=False)
    default = Settings(_env_file=None)  # type: ignore[call-arg]
    assert default.sockhound_http_port == 0 and default.browser_url is None
    settings = local_settings(tmp_path, sockhound_http_port=17474)
    conf = local_neo4j._neo4j_conf(settings, local_neo4j.RuntimeLayout.from_settings(settings)).splitlines()
    assert "server.http_enabled_modules=BROWSER" in conf
    assert "dbms.security.http_access_control_allow_origin=http://127.0.0.1:17474" in conf


@pytest.mark.parametrize("port", [0, 17474])
def test_browser_telemetry_and_remote_content_are_off(tmp_path: Path, port: int) -> None:
    settings = local_settings(tmp_path, sockhound_http_port=port)
    conf = local_neo4j._neo4j_conf(settings, local_neo4j.RuntimeLayout.from_settings(settings)).splitlines()
    for line in ("client.allow_telemetry=false", "browser.remote_content_hostname_whitelist=127.0.0.1",
                 "dbms.usage_report.enabled=false"):
        assert line in conf
    # Not declared in 5.26 Community (strict validation would refuse to start), or deprecated spellings.
    assert not [line for line in conf if line.startswith(("clients.allow_telemetry", "browser.post_connect_cmd",
                                                          "browser.allow_outgoing_connections"))]


def test_load_csv_may_read_no_file_and_no_private_address(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    conf = local_neo4j._neo4j_conf(settings, local_neo4j.RuntimeLayout.from_settings(settings)).splitlines()
    assert "dbms.security.allow_csv_import_from_file_urls=false" in conf
    [blocklist] = [line.split("=", 1)[1] for line in conf if line.startswith("internal.dbms.cypher_ip_blocklist=")]
    for network in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "::1/128",
                    "fc00::/7", "fe80::/10", "::ffff:0:0/96"):
        assert network in blocklist.split(",")


# --- pid files -------------------------------------------------------------------------------------------


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is neither Neo4j nor the API, in a process group of its own."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    yield process
    process.kill()
    process.wait()


@pytest.mark.parametrize("content", ["0", "1", "-1", "", "not-a-pid", "99999999"])
def test_a_garbled_pid_file_signals_nothing(tmp_path: Path, content: str) -> None:
    settings = local_settings(tmp_path)
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    layout.pid_file.parent.mkdir(parents=True)
    layout.pid_file.write_text(content)
    (tmp_path / "api.pid").write_text(content)
    assert local_neo4j.stop(settings) == "not running"
    assert stop_detached(tmp_path) == "the detached API was not running"
    assert not layout.pid_file.exists() and not (tmp_path / "api.pid").exists()


def test_a_pid_file_naming_another_program_leaves_it_alone(tmp_path: Path,
                                                           bystander: subprocess.Popen[bytes]) -> None:
    settings = local_settings(tmp_path)
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    layout.pid_file.parent.mkdir(parents=True)
    layout.pid_file.write_text(str(bystander.pid))
    (tmp_path / "api.pid").write_text(str(bystander.pid))
    assert local_neo4j.stop(settings, grace_s=1) == "not running"
    assert stop_detached(tmp_path) == "the detached API was not running"
    assert bystander.poll() is None, "a process that is not ours must not be signalled"
    assert pids.command_line_matches(bystander.pid, ["-c"])


def test_terminate_refuses_pids_that_mean_a_group_or_everyone() -> None:
    for pid in (0, 1, -1):
        with pytest.raises(ValueError, match="refusing"):
            pids.terminate(pid, grace_s=0)


# --- locks and checksums -----------------------------------------------------------------------------------


def test_a_start_waits_for_the_lock_and_says_who_holds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = local_settings(tmp_path, sockhound_start_timeout_s=0.2)
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    layout.run.mkdir(parents=True)
    monkeypatch.setattr(local_neo4j, "START_LOCK_WAIT_S", 0.0)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with FileLock(layout.start_lock):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(local_neo4j.LocalRuntimeError, match=r"another process has held .*start\.lock"):
            local_neo4j.start(settings, echo=False)
    finally:
        release.set()
        holder.join()


def test_jars_are_checked_against_the_committed_list(tmp_path: Path) -> None:
    pinned = jars.pinned_checksums(Settings())
    assert len(pinned) > 300 and any(name.startswith("org.neo4j.app.neo4j-server-") for name in pinned)
    assert all(len(digest) == 64 for digest in pinned.values())
    (tmp_path / "a.jar").write_bytes(b"a")
    (tmp_path / "b.jar").write_bytes(b"tampered")
    (tmp_path / "extra.jar").write_bytes(b"x")
    listed = {"a.jar": hashlib.sha256(b"a").hexdigest(), "b.jar": hashlib.sha256(b"b").hexdigest(),
              "gone.jar": hashlib.sha256(b"g").hexdigest()}
    assert jars.verify_jars(tmp_path, listed) == ["missing gone.jar", "unexpected extra.jar", "checksum of b.jar"]
    assert jars.verify_jars(tmp_path, {**listed, "b.jar": hashlib.sha256(b"tampered").hexdigest(),
                                       "extra.jar": hashlib.sha256(b"x").hexdigest(), "gone.jar": ""}) == [
        "missing gone.jar"]


def test_maven_runs_with_strict_checksums(tmp_path: Path) -> None:
    command = jars.maven_command("mvn", tmp_path / "pom.xml", tmp_path / "lib.partial", Settings())
    assert "-C" in command and "-B" in command


def test_versions_without_a_committed_list_are_refused(tmp_path: Path) -> None:
    settings = local_settings(tmp_path, sockhound_neo4j_version="5.99.0")
    with pytest.raises(local_neo4j.LocalRuntimeError, match=r"no committed checksums for Neo4j 5\.99\.0"):
        jars.pinned_checksums(settings)
