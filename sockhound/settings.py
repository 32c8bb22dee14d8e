"""Settings from the environment (and a `.env` file), in one typed place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sockhound.env_file import env_file
from sockhound.hash_key import DEVELOPMENT_HASH_KEY, HashKeyError, resolve_key

__all__ = ["DEVELOPMENT_HASH_KEY", "HashKeyError", "Settings", "get_settings"]
DEFAULT_LOCAL_PASSWORD = "sockhound-local"


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "sockhound"


def _default_neo4j_home() -> Path:
    return Path.home() / ".local" / "share" / "sockhound" / "neo4j"


class Settings(BaseSettings):
    """Every knob sockhound reads. Environment variables are the upper-case field names."""

    model_config = SettingsConfigDict(env_file=env_file(), env_file_encoding="utf-8", extra="ignore")

    # --- the database sockhound talks to -------------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None,
        description="An existing server (Docker, Aura, a cluster). Unset: the local runtime started by "
        "`sockhound db start` on bolt://127.0.0.1:SOCKHOUND_BOLT_PORT.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr(DEFAULT_LOCAL_PASSWORD)
    neo4j_database: str = "neo4j"

    # --- privacy ----------------------------------------------------------------------------------------------
    sockhound_hash_key: SecretStr | None = Field(
        default=None, description="Secret for the keyed hashes (HMAC-SHA256) of IPs, emails, payment values: "
        "32+ random bytes as 64+ hex digits or 43+ base64 characters (`openssl rand -hex 32`).",
    )
    sockhound_hash_key_file: Path | None = Field(
        default=None, description="A file holding the hash key instead (keep it 0600); not with SOCKHOUND_HASH_KEY."
    )
    sockhound_allow_dev_hash_key: bool = Field(
        default=False, description="Tests only: accept the development hash key (honoured only under pytest)."
    )

    # --- the local Neo4j runtime (`sockhound db start`) ---------------------------------------------------------
    sockhound_neo4j_version: str = "5.26.24"
    sockhound_gds_version: str = "2.13.9"
    sockhound_cache_dir: Path = Field(default_factory=_default_cache_dir)
    sockhound_neo4j_home: Path = Field(default_factory=_default_neo4j_home)
    sockhound_bolt_port: int = 7687
    sockhound_http_port: int = Field(
        default=7474, ge=0, le=65535,
        description="HTTP port of the local runtime (Neo4j Browser at /browser/, loopback only); 0 turns HTTP off.",
    )
    sockhound_heap_size: str = "2g"
    sockhound_pagecache_size: str = "512m"
    sockhound_start_timeout_s: float = 180.0

    @property
    def bolt_uri(self) -> str:
        """The URI every client uses: NEO4J_URI when set, else the local runtime's."""
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.sockhound_bolt_port}"

    @property
    def browser_url(self) -> str | None:
        """Neo4j Browser of the local runtime; None when HTTP is off or NEO4J_URI names another server."""
        if not self.uses_local_runtime or self.sockhound_http_port == 0:
            return None
        return f"http://127.0.0.1:{self.sockhound_http_port}/browser/"

    @property
    def uses_local_runtime(self) -> bool:
        return self.neo4j_uri is None

    def hash_key(self) -> bytes:
        """The keyed-hash secret (sockhound/hash_key.py): refuses a missing, weak or published key."""
        key = self.sockhound_hash_key.get_secret_value() if self.sockhound_hash_key is not None else None
        return resolve_key(key, self.sockhound_hash_key_file, self.sockhound_allow_dev_hash_key)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
