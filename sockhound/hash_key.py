"""The keyed-hash secret's lifecycle: where it comes from, what counts as a real key, and the check value that
ties a graph to the key it was loaded with.

A key is `SOCKHOUND_HASH_KEY`, or the content of the file `SOCKHOUND_HASH_KEY_FILE` names (never both). It must
carry at least 32 random bytes: 64+ hex digits or 43+ base64 characters (`openssl rand -hex 32`,
`python -c 'import secrets; print(secrets.token_hex(32))'`). The two keys ever published (the development key
and the old demo fallback) are refused. The development key is accepted only under the test runner, and only
when `SOCKHOUND_ALLOW_DEV_HASH_KEY` asks for it: a production environment does not run inside pytest.

The first load stores a key check value, `HMAC-SHA256(key, "sockhound key check v1")`, in the graph (never the
key, and the label is fixed, so it confirms no guess about any personal value). `load`, `serve` and
`allowlist` compare it with their own key's and refuse a different key: hashes made with two keys never match,
so lookups would silently find nothing and new evidence would never link to old.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Final

from sockhound.errors import SockhoundError

DEVELOPMENT_HASH_KEY: Final = "sockhound-development-key-do-not-use-in-production"
PUBLISHED_KEYS: Final = frozenset({DEVELOPMENT_HASH_KEY, "sockhound-demo-key-not-for-production"})
MIN_KEY_BITS: Final = 256
MIN_DISTINCT_CHARACTERS: Final = 10
CHECK_LABEL: Final = b"sockhound key check v1"
_HEX: Final = re.compile(r"^[0-9a-fA-F]+$")
_BASE64: Final = re.compile(r"^[A-Za-z0-9+/_-]+=*$")


class HashKeyError(SockhoundError, RuntimeError):
    """The keyed-hash secret is missing, unfit for use, or not the one the graph was loaded with."""


def under_test_runner() -> bool:
    """True in the pytest process itself, and in processes a test starts (pytest sets PYTEST_CURRENT_TEST
    while each test runs, and children inherit it). A production process is neither."""
    return "pytest" in sys.modules or bool(os.environ.get("PYTEST_CURRENT_TEST"))


def key_bits(key: str) -> float:
    """The most entropy a key's spelling can carry: its length times the bits of its alphabet."""
    if _HEX.match(key):
        per_character = 4.0
    elif _BASE64.match(key):
        per_character = 6.0
    else:
        per_character = 8.0 if not key.isascii() else math.log2(95)  # printable ASCII at best
    return len(key) * per_character


def checked_key(key: str) -> bytes:
    """The key as HMAC secret, once it passes the checks; raises HashKeyError (never echoing the key)."""
    if key in PUBLISHED_KEYS:
        raise HashKeyError("the hash key is a published default (the development or the old demo key): generate a "
                           "real secret, e.g. `openssl rand -hex 32`")
    # Few distinct characters means a pattern, not randomness ("aaaa..."); 10 is far below what any random
    # 64-hex-digit key shows (all 16 digits, bar a 1-in-4 chance of missing one or two).
    if key_bits(key) < MIN_KEY_BITS or len(set(key)) < MIN_DISTINCT_CHARACTERS:
        raise HashKeyError("the hash key is too weak: it needs at least 32 random bytes (64 hex digits or 43 base64 "
                           "characters), e.g. `openssl rand -hex 32`")
    return key.encode()


def read_key_file(path: Path) -> str:
    """The key held in a file (surrounding whitespace removed)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise HashKeyError(f"SOCKHOUND_HASH_KEY_FILE cannot be read: {type(error).__name__}") from None
    if not text:
        raise HashKeyError("SOCKHOUND_HASH_KEY_FILE is empty")
    return text


def ensure_key_file(path: Path) -> Path:
    """A file holding a fresh random key (32 bytes, hex), made 0600 on first use and kept after; for benches
    and scripts that need a key of their own (never a published one)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return path


def resolve_key(key: str | None, key_file: Path | None, allow_development_key: bool) -> bytes:
    """The HMAC secret from the settings' fields (see the module docstring for the rules)."""
    if key is not None and key_file is not None:
        raise HashKeyError("both SOCKHOUND_HASH_KEY and SOCKHOUND_HASH_KEY_FILE are set: set only one")
    if key is None and key_file is not None:
        key = read_key_file(key_file)
    development_allowed = allow_development_key and under_test_runner()
    if key is None:
        if development_allowed:
            return DEVELOPMENT_HASH_KEY.encode()
        hint = " (SOCKHOUND_ALLOW_DEV_HASH_KEY works only under the test runner)" if allow_development_key else ""
        raise HashKeyError("SOCKHOUND_HASH_KEY (or SOCKHOUND_HASH_KEY_FILE) is not set: refusing to hash personal "
                           f"data without a secret{hint}")
    if key == DEVELOPMENT_HASH_KEY and development_allowed:
        return key.encode()
    return checked_key(key)


def key_check_value(key: bytes) -> str:
    """The value stored in the graph to recognise the key: a keyed hash of a fixed label, never the key."""
    return hmac.new(key, CHECK_LABEL, hashlib.sha256).hexdigest()[:32]


MISMATCH: Final = ("the hash key differs from the one this graph was loaded with (key check value mismatch): use "
                   "the original SOCKHOUND_HASH_KEY, or rotate by reloading every batch into a fresh graph with "
                   "the new key (README, 'Rotating the hash key')")


def compare_check_values(stored: str | None, own: str) -> None:
    """Raise HashKeyError when the graph holds another key's check value (None: the graph has none yet)."""
    if stored is not None and not hmac.compare_digest(stored, own):
        raise HashKeyError(MISMATCH)
