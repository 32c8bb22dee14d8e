"""The hash key's rules (sockhound/hash_key.py): published and weak keys refused, the key file, the development
key only under the test runner, and the check value."""

from __future__ import annotations

import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from sockhound.hash_key import (
    CHECK_LABEL,
    DEVELOPMENT_HASH_KEY,
    HashKeyError,
    compare_check_values,
    ensure_key_file,
    key_check_value,
)
from sockhound.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "5f0c2a9e81d34b7c6a1f0e9d8c7b6a5948372615a0b1c2d3e4f5061728394a5b"


def key_settings(key: str | None = None, **values: object) -> Settings:
    return Settings.model_validate({"sockhound_hash_key": SecretStr(key) if key is not None else None, **values})


def test_missing_published_and_weak_keys_are_refused() -> None:
    with pytest.raises(HashKeyError, match="not set"):
        key_settings().hash_key()
    for published in (DEVELOPMENT_HASH_KEY, "sockhound-demo-key-not-for-production"):
        with pytest.raises(HashKeyError, match="published default"):
            key_settings(published).hash_key()
    for weak in ("short", "a-real-secret-of-some-length", "0123456789abcdef" * 3, "a" * 80,
                 "correct horse battery staple"):
        with pytest.raises(HashKeyError, match="at least 32 random bytes"):
            key_settings(weak).hash_key()
    assert key_settings(GOOD_KEY).hash_key() == GOOD_KEY.encode()
    for _ in range(200):  # every key the recommended commands make is accepted
        for fresh in (secrets.token_hex(32), secrets.token_urlsafe(32)):
            assert key_settings(fresh).hash_key() == fresh.encode()


def test_refusals_never_echo_the_key() -> None:
    weak = "my-own-secret-value"
    with pytest.raises(HashKeyError) as refused:
        key_settings(weak).hash_key()
    assert weak not in str(refused.value)


def test_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "hash-key"
    key_file.write_text(GOOD_KEY + "\n")
    assert key_settings(sockhound_hash_key_file=key_file).hash_key() == GOOD_KEY.encode()
    with pytest.raises(HashKeyError, match="set only one"):
        key_settings(GOOD_KEY, sockhound_hash_key_file=key_file).hash_key()
    with pytest.raises(HashKeyError, match="cannot be read"):
        key_settings(sockhound_hash_key_file=tmp_path / "absent").hash_key()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(HashKeyError, match="empty"):
        key_settings(sockhound_hash_key_file=tmp_path / "empty").hash_key()
    (tmp_path / "weak").write_text("0123456789\n")
    with pytest.raises(HashKeyError, match="at least 32 random bytes"):
        key_settings(sockhound_hash_key_file=tmp_path / "weak").hash_key()


def test_ensure_key_file_makes_one_private_random_key_once(tmp_path: Path) -> None:
    path = ensure_key_file(tmp_path / "var" / "hash-key")
    first = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_key_file(path).read_text() == first
    assert key_settings(sockhound_hash_key_file=path).hash_key() == first.strip().encode()


def test_development_key_switch_works_under_the_test_runner_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert key_settings(sockhound_allow_dev_hash_key=True).hash_key() == DEVELOPMENT_HASH_KEY.encode()
    assert key_settings(DEVELOPMENT_HASH_KEY, sockhound_allow_dev_hash_key=True).hash_key() == (
        DEVELOPMENT_HASH_KEY.encode())
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # as in any process that is not pytest nor started by a test
    monkeypatch.delitem(sys.modules, "pytest")
    with pytest.raises(HashKeyError, match="only under the test runner"):
        key_settings(sockhound_allow_dev_hash_key=True).hash_key()
    with pytest.raises(HashKeyError, match="published default"):
        key_settings(DEVELOPMENT_HASH_KEY, sockhound_allow_dev_hash_key=True).hash_key()


def test_development_key_switch_is_refused_in_a_process_outside_pytest() -> None:
    environment = {"SOCKHOUND_ALLOW_DEV_HASH_KEY": "true", "PATH": "/usr/bin:/bin"}
    script = "from sockhound.settings import Settings; Settings().hash_key()"
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=environment, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode != 0 and "only under the test runner" in result.stderr


def test_check_value_is_a_keyed_hash_of_a_fixed_label_and_never_the_key() -> None:
    own = key_check_value(GOOD_KEY.encode())
    assert len(own) == 32 and GOOD_KEY[:16] not in own and CHECK_LABEL.decode() not in own
    assert own == key_check_value(GOOD_KEY.encode()) != key_check_value(secrets.token_hex(32).encode())
    compare_check_values(None, own)
    compare_check_values(own, own)
    with pytest.raises(HashKeyError, match="reloading every batch into a fresh graph"):
        compare_check_values(key_check_value(secrets.token_hex(32).encode()), own)
