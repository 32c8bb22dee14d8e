"""API keys: parsed from `SOCKHOUND_API_KEYS`, kept only as SHA-256 hashes, checked per request with scopes.

Format: comma-separated `NAME:SCOPES:SECRET` entries, e.g.
`ban-tool:read+write:3f9c...,dashboard:read:sha256:5e88...`. SCOPES joins `read`, `write` and `ips` with `+`
(`ips` alone lets a key look accounts up by a raw IP address: that endpoint hashes what it is given, so it is
an oracle for the keyed hash and is granted separately).
SECRET is the key itself, or `sha256:` and the hex SHA-256 of the key so that the key never sits in the
environment. Clients send `Authorization: Bearer KEY` (or `X-API-Key: KEY`). Keys are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final

from sockhound.errors import SockhoundError

SCOPES: Final = frozenset({"read", "write", "ips"})
MIN_KEY_LENGTH: Final = 20
_SHA256_HEX: Final = re.compile(r"^[0-9a-f]{64}$")
_NAME: Final = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class ApiKeyConfigError(SockhoundError, ValueError):
    """SOCKHOUND_API_KEYS does not parse (the message never contains a secret)."""


def comma_joined_scopes(text: str) -> str | None:
    """`read+write` when `text` is scopes joined by a comma (`read,write`), else None."""
    parts = [part.strip() for part in text.split(",")]
    return "+".join(parts) if len(parts) > 1 and set(parts) <= SCOPES else None


def scope_problem(text: str) -> str | None:
    """Why `text` is no SCOPES field (None when it is one). Scopes written `read,write` get their own answer:
    the comma separates key entries, so it would split the entry in two."""
    fixed = comma_joined_scopes(text)
    if fixed is not None:
        return f"scopes are joined by +, not by a comma: write {fixed}"
    if not text.strip() or not {scope.strip() for scope in text.split("+")} <= SCOPES:
        return "scopes are read, write and ips, joined by + (e.g. read+write)"
    return None


def _comma_in_scopes(entry: str) -> bool:
    """Whether an entry without NAME:SCOPES:SECRET is the half of one whose scopes were joined by a comma
    (`ban-tool:read,write:KEY` splits into `ban-tool:read` and `write:KEY`)."""
    fields = entry.split(":")
    return len(fields) == 2 and any(scope_problem(field) is None for field in fields)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (recorded as the source of labels) and its scopes."""

    name: str
    scopes: frozenset[str]


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class ApiKeyRing:
    """The configured keys as digests; `principal_for(key)` answers who holds a presented key."""

    def __init__(self, entries: dict[bytes, Principal]) -> None:
        self._entries = entries

    def __repr__(self) -> str:
        return f"ApiKeyRing({len(self._entries)} keys)"

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def parse(cls, configured: str | None) -> ApiKeyRing:
        entries: dict[bytes, Principal] = {}
        names: set[str] = set()
        for position, raw in enumerate((configured or "").split(","), start=1):
            entry = raw.strip()
            if not entry:
                continue
            parts = entry.split(":", 2)
            if len(parts) != 3:
                hint = "; scopes are joined by +, not by a comma (read+write)" if _comma_in_scopes(entry) else ""
                raise ApiKeyConfigError(f"SOCKHOUND_API_KEYS entry {position}: expected NAME:SCOPES:SECRET{hint}")
            name, scope_text, secret = parts
            if not _NAME.match(name):
                raise ApiKeyConfigError(f"SOCKHOUND_API_KEYS entry {position}: bad name (letters, digits, _.@-)")
            if name in names:
                raise ApiKeyConfigError(f"SOCKHOUND_API_KEYS entry {position}: name {name!r} appears twice")
            problem = scope_problem(scope_text)
            if problem is not None:
                raise ApiKeyConfigError(f"SOCKHOUND_API_KEYS entry {position} ({name}): {problem}")
            scopes = frozenset(scope.strip() for scope in scope_text.split("+"))
            if secret.startswith("sha256:"):
                hex_digest = secret.removeprefix("sha256:").lower()
                if not _SHA256_HEX.match(hex_digest):
                    raise ApiKeyConfigError(f"SOCKHOUND_API_KEYS entry {position} ({name}): sha256: needs 64 hex")
                digest = bytes.fromhex(hex_digest)
            else:
                if len(secret) < MIN_KEY_LENGTH:
                    raise ApiKeyConfigError(
                        f"SOCKHOUND_API_KEYS entry {position} ({name}): a key needs {MIN_KEY_LENGTH}+ characters")
                digest = key_digest(secret)
            names.add(name)
            entries[digest] = Principal(name=name, scopes=scopes)
        return cls(entries)

    def principal_for(self, presented: str) -> Principal | None:
        digest = key_digest(presented)
        found: Principal | None = None
        for known, principal in self._entries.items():  # compare every entry, in constant time each
            if hmac.compare_digest(known, digest):
                found = principal
        return found


def new_api_key() -> str:
    """A fresh random key (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)
