"""The command line's one error path and its polish (issue 17 item 6, issue 18 item 7): exit codes by error type,
one line and no traceback for a person's mistake, `-h`/`--version`, a `--help` that imports no heavy library,
scopes written `read,write`, and `serve --detach` refusing an address that is taken."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.auth import ApiKeyConfigError, ApiKeyRing, comma_joined_scopes, scope_problem
from api.settings import get_api_settings
from cli.app import COMMANDS, app, load_command, main, module_help, run_mapped
from cli.serve import PID_NAME, PortClashError, check_listen_address, port_in_use
from loaders.errors import BatchFileError
from sockhound.errors import (
    BadInputError,
    DatabaseUnavailableError,
    ExitCode,
    SockhoundError,
    exit_code_of,
)
from sockhound.runtime.credentials import Neo4jPasswordError
from sockhound.settings import get_settings
from tests.conftest import REPO_ROOT, free_port

HEAVY = ("pandas", "numpy", "neo4j", "graphdatascience", "fastapi", "uvicorn", "matplotlib", "pyarrow")
DEAD_DATABASE = {"NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "x"}


def invoke(*arguments: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(arguments), env={**DEAD_DATABASE, **(env or {})})


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """`serve` sets host and port on the cached settings: each test starts and ends with none cached."""
    get_settings.cache_clear()
    get_api_settings.cache_clear()
    yield
    get_settings.cache_clear()
    get_api_settings.cache_clear()


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


def test_each_error_type_has_its_exit_code() -> None:
    assert exit_code_of(SockhoundError("x")) == ExitCode.FAILURE == 1
    assert exit_code_of(BadInputError("x")) == ExitCode.BAD_INPUT == 2
    assert exit_code_of(BatchFileError("accounts.csv", "not a CSV")) == 2
    assert exit_code_of(DatabaseUnavailableError("x")) == ExitCode.DATABASE_UNAVAILABLE == 3
    assert exit_code_of(Neo4jPasswordError("NEO4J_PASSWORD is not set")) == 3
    assert exit_code_of(ApiKeyConfigError("x")) == 1
    assert exit_code_of(KeyError("a bug")) == 1


def test_run_mapped_maps_typed_errors_and_lets_a_bug_keep_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def failing(error: Exception) -> Any:
        def run() -> None:
            raise error
        return run

    assert run_mapped(failing(BadInputError("--truth t.csv: no such\nfile"))) == 2
    assert capsys.readouterr().err == "error: --truth t.csv: no such file\n"  # one line, always
    assert run_mapped(failing(DatabaseUnavailableError("cannot reach Neo4j"))) == 3
    assert run_mapped(lambda: None) == 0
    with pytest.raises(ZeroDivisionError):  # not a person's mistake: a bug, shown as one
        run_mapped(failing(ZeroDivisionError()))


def test_help_lists_each_command_with_the_help_it_runs_with() -> None:
    listed = invoke("--help")
    assert listed.exit_code == 0
    for name, (module, attribute) in COMMANDS.items():
        text = module_help(module, attribute)
        assert text and text == load_command(name).help, name
        assert f" {name} " in listed.output
    assert invoke("-h").output == listed.output


def test_version_and_short_help() -> None:
    shown = invoke("--version")
    assert shown.exit_code == 0 and shown.output.startswith("sockhound ") and shown.output.count("\n") == 1
    for arguments in (["evaluate", "-h"], ["db", "-h"], ["allowlist", "add", "-h"]):
        result = invoke(*arguments)
        assert result.exit_code == 0 and "Usage: " in result.output, arguments


def test_help_imports_no_heavy_library() -> None:
    """What makes `--help` fast (lazy commands): measured figures are in bench/cli_startup.py."""
    probe = ("import sys\nfrom cli.app import main\ncode = main(['--help'])\n"
             f"print('LOADED', code, sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.splitlines()[-1] == "LOADED 0 []", done.stdout


def test_a_command_imports_its_module_only_when_it_runs() -> None:
    probe = ("import sys\nfrom cli.app import main\nmain(['evaluate', '--help'])\n"
             "print('LOADED', 'cli.detect' in sys.modules, 'cli.serve' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.splitlines()[-1] == "LOADED True False"


def test_user_mistakes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("account_id,actor\na1,benign\n")
    no_columns = tmp_path / "verdicts.csv"
    no_columns.write_text("id,label\na1,clear\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage\x00\n")
    mistakes = {
        ("evaluate", "--truth", str(truth), "--verdicts", str(tmp_path / "missing.csv")): "missing.csv: no such file",
        ("evaluate", "--truth", str(tmp_path / "missing.csv")): "--truth",
        ("evaluate", "--truth", str(truth), "--verdicts", str(no_columns)): "missing column(s) account_id, verdict",
        ("evaluate", "--truth", str(truth), "--verdicts", str(binary)): "--verdicts",
        ("evaluate",): "Missing option '--truth'",
        ("evaluat",): "No such command 'evaluat'",
        ("validate", str(tmp_path / "nowhere")): "nowhere",
        ("load", str(tmp_path / "nowhere")): "not a directory",
        ("load", str(tmp_path)): "no contract table",
        ("explain",): "Missing argument",
        ("allowlist", "add", "--kind", "planet", "--value", "x", "--reason", "r"): "--kind must be one of",
        ("query", "no_such_query"): "no_such_query",
        ("api-key", "ops", "--scopes", "admin"): "--scopes must be read, write or ips",
        ("serve", "--port", "99999"): "Invalid value for '--port'",
        ("simulate", "--out", str(truth), "--accounts", "500"): "a file, not a directory",
    }
    for arguments, expected in mistakes.items():
        result = invoke(*arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert expected in one_error_line(result.output), (arguments, result.output)


def test_a_file_that_cannot_be_written_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def write() -> None:
        (tmp_path / "no-such-dir" / "verdicts.csv").write_text("x")

    assert run_mapped(write) == 1
    expected = f"error: No such file or directory: {tmp_path / 'no-such-dir' / 'verdicts.csv'}"
    assert one_error_line(capsys.readouterr().err) == expected


def test_an_unreachable_database_exits_3(tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("account_id,actor\na1,benign\n")
    result = invoke("evaluate", "--truth", str(truth), env={"NEO4J_URI": f"bolt://127.0.0.1:{free_port()}"})
    assert result.exit_code == 3, result.output
    assert "cannot reach Neo4j" in result.output.splitlines()[-1] and "Traceback" not in result.output


def test_the_console_script_exits_with_the_mapped_code(tmp_path: Path) -> None:
    environment = {**os.environ, **DEAD_DATABASE}
    done = subprocess.run([sys.executable, "-m", "cli", "evaluate", "--truth", str(tmp_path / "none.csv")],
                          cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert one_error_line(done.stderr) == f"error: --truth {tmp_path / 'none.csv'}: no such file"
    assert main(["--version"]) == 0


def test_scopes_written_with_a_comma_get_a_clear_message() -> None:
    assert scope_problem("read+write") is None and scope_problem("ips") is None
    assert scope_problem("read,write") == "scopes are joined by +, not by a comma: write read+write"
    assert scope_problem("read, write,ips") == "scopes are joined by +, not by a comma: write read+write+ips"
    assert comma_joined_scopes("read") is None and comma_joined_scopes("read,admin") is None
    plain = "scopes are read, write and ips, joined by + (e.g. read+write)"
    assert scope_problem("admin") == scope_problem("") == plain
    secret = "s3cret-key-0123456789abcdef"
    for entries in (f"ban-tool:read,write:{secret}", f"ban-tool:write,ips:sha256:{'a' * 64}"):
        with pytest.raises(ApiKeyConfigError, match="scopes are joined by \\+, not by a comma") as refused:
            ApiKeyRing.parse(entries)
        assert secret not in str(refused.value)
    with pytest.raises(ApiKeyConfigError) as other:  # an entry broken another way keeps the plain message
        ApiKeyRing.parse("broken-entry")
    assert str(other.value) == "SOCKHOUND_API_KEYS entry 1: expected NAME:SCOPES:SECRET"
    result = invoke("api-key", "ban-tool", "--scopes", "read,write")
    assert result.exit_code == 2
    assert one_error_line(result.output) == "error: --scopes must be joined by +, not by a comma: --scopes read+write"


def test_serve_refuses_a_port_in_use_and_leaves_it_alone(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        for detach in (["--detach", "--run-dir", str(tmp_path)], []):
            result = invoke("serve", "--host", "127.0.0.1", "--port", str(port), *detach)
            assert result.exit_code == 1, result.output
            assert f"127.0.0.1:{port} is already in use" in one_error_line(result.output)
            with socket.create_connection(("127.0.0.1", port), timeout=5):  # still listening, never stopped
                pass
    assert not port_in_use("127.0.0.1", port)
    assert not (tmp_path / PID_NAME).exists()


@pytest.fixture
def detached_stand_in(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A process that looks like a detached API on a port (its command line as `start_detached` builds it)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"], start_new_session=True)
    (tmp_path / PID_NAME).write_text(str(process.pid))
    try:
        yield process, port
    finally:
        process.kill()
        process.wait(timeout=10)


def test_serve_detach_refuses_to_stop_an_api_on_another_port(
    tmp_path: Path, detached_stand_in: tuple[subprocess.Popen[bytes], int]
) -> None:
    process, first_port = detached_stand_in
    second_port = free_port()
    result = invoke("serve", "--detach", "--host", "127.0.0.1", "--port", str(second_port), "--run-dir", str(tmp_path))
    assert result.exit_code == 1, result.output
    line = one_error_line(result.output)
    assert f"already runs from {tmp_path} on 127.0.0.1:{first_port}" in line and "serve --stop" in line
    assert process.poll() is None and (tmp_path / PID_NAME).read_text() == str(process.pid)


def test_serve_detach_replaces_only_the_api_on_its_own_address(
    tmp_path: Path, detached_stand_in: tuple[subprocess.Popen[bytes], int]
) -> None:
    process, port = detached_stand_in
    settings = get_api_settings()
    settings.sockhound_api_host, settings.sockhound_api_port = "127.0.0.1", port
    assert check_listen_address(settings, tmp_path) == process.pid  # the one `serve --detach` restarts
    settings.sockhound_api_port = free_port()
    with pytest.raises(PortClashError):
        check_listen_address(settings, tmp_path)
    assert check_listen_address(settings, tmp_path / "elsewhere") is None
    assert process.poll() is None


def test_errors_name_no_raw_value(tmp_path: Path) -> None:
    """An error about a file names the file and the problem, not a value from inside it."""
    truth = tmp_path / "truth.csv"
    truth.write_text("who,actor\nalice@example.com,benign\n")
    result = invoke("evaluate", "--truth", str(truth))
    assert result.exit_code == 2 and "alice@example.com" not in result.output
    assert "missing column(s) account_id" in one_error_line(result.output)


def test_missing_prompt_pools_are_one_line(tmp_path: Path) -> None:
    result = invoke("simulate", "--out", str(tmp_path / "batch"), "--preset", "small", "--accounts", "500",
                    env={"SOCKHOUND_PROMPTS_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "SOCKHOUND_PROMPTS_DIR is set" in one_error_line(result.output)
