"""The API's settings: everything `sockhound.settings.Settings` reads, plus keys, limits and the listen address."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr

from sockhound.settings import Settings


class ApiSettings(Settings):
    """Environment variables are the upper-case field names (`SOCKHOUND_API_KEYS`, ...)."""

    sockhound_api_keys: SecretStr | None = Field(
        default=None,
        description="API keys, comma-separated `NAME:SCOPES:SECRET` entries; SCOPES is `read`, `write` or "
        "`read+write`; SECRET is the key itself or `sha256:<64 hex>` of it. Unset: every request gets 401.",
    )
    sockhound_api_host: str = "127.0.0.1"
    sockhound_api_port: int = 8000
    sockhound_api_max_body_bytes: int = Field(default=262_144, description="Larger request bodies get 413.")
    sockhound_api_retry_after_s: int = Field(default=5, description="Retry-After sent with 503 (database down).")
    sockhound_api_query_timeout_s: float = Field(default=5.0, description="Server-side timeout of each query.")
    sockhound_api_rate_limit: str = Field(
        default="100/second;3000/minute",
        description="Per-key rate limits (`limits` notation, `;`-separated), per worker process; over it: 429 "
        "with Retry-After. Empty: no rate limit.",
    )
    sockhound_api_max_concurrent: int = Field(
        default=16, ge=1, description="Requests one key may have in flight at once (per worker); beyond: 429.")
    sockhound_api_docs: bool = Field(
        default=False, description="Serve /docs and /openapi.json (Swagger UI from local assets).")
    sockhound_api_trusted_hosts: list[str] = Field(
        default=["127.0.0.1", "localhost", "::1", "[::1]"],
        description="Host headers the API answers (others get 400); add the name clients use. `*`: any.",
    )
    sockhound_api_tls_certfile: Path | None = Field(default=None, description="TLS certificate (PEM) to serve with.")
    sockhound_api_tls_keyfile: Path | None = Field(default=None, description="TLS private key (PEM).")
    sockhound_api_public_url: str | None = Field(
        default=None, description="The URL people reach the API at (printed links); default http://HOST:PORT."
    )

    @property
    def api_base_url(self) -> str:
        scheme = "https" if self.sockhound_api_tls_certfile is not None else "http"
        return (self.sockhound_api_public_url or f"{scheme}://{self.sockhound_api_host}:{self.sockhound_api_port}"
                ).rstrip("/")


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return ApiSettings()
