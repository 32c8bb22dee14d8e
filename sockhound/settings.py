"""Settings from the environment (and a `.env` file), in one typed place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_HASH_KEY = "sockhound-development-key-do-not-use-in-production"
DEFAULT_LOCAL_PASSWORD = "sockhound-local"


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "sockhound"


def _default_neo4j_home() -> Path:
    return Path.home() / ".local" / "share" / "sockhound" / "neo4j"


class Settings(BaseSettings):
    """Every knob sockhound reads. Environment variables are the upper-case field names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

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
        default=None, description="Secret for the keyed hashes (HMAC-SHA256) of IPs, emails, payment values."
    )
    sockhound_allow_dev_hash_key: bool = Field(
        default=False, description="Tests only: accept the development hash key."
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
        """The keyed-hash secret; refuses a missing key, and the development key unless allowed."""
        if self.sockhound_hash_key is None:
            if self.sockhound_allow_dev_hash_key:
                return DEVELOPMENT_HASH_KEY.encode()
            raise HashKeyError("SOCKHOUND_HASH_KEY is not set: refusing to hash personal data without a secret")
        key = self.sockhound_hash_key.get_secret_value()
        if key == DEVELOPMENT_HASH_KEY and not self.sockhound_allow_dev_hash_key:
            raise HashKeyError("SOCKHOUND_HASH_KEY is the development default: set a real secret")
        if len(key) < 16:
            raise HashKeyError("SOCKHOUND_HASH_KEY is shorter than 16 characters")
        return key.encode()


class HashKeyError(RuntimeError):
    """The keyed-hash secret is missing or unfit for use."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
