"""Helpers for API tests: settings with known keys, and the real app served by uvicorn on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import httpx
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from api.problems import PROBLEM_MEDIA_TYPE
from api.settings import ApiSettings
from detect.config import DetectionSettings
from sockhound.settings import Settings

READ_WRITE_KEY: Final = "test-key-read-write-0000000000001"
READ_KEY: Final = "test-key-read-only-00000000000002"
WRITE_KEY: Final = "test-key-write-only-0000000000003"
WRONG_KEY: Final = "test-key-nobody-has-this-00000004"
IPS_KEY: Final = "test-key-ips-only-000000000000005"
API_KEYS: Final = (f"ban-tool:read+write+ips:{READ_WRITE_KEY},dashboard:read:{READ_KEY},labeller:write:{WRITE_KEY},"
                   f"investigator:ips:{IPS_KEY}")
SCOPE_KEYS: Final = {"read": READ_KEY, "write": WRITE_KEY, "ips": IPS_KEY}
"""A key holding only that scope."""


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _password(database: Settings) -> SecretStr | None:
    """The API is pointed at the server by URI, so it needs the password itself (the generated one, for a
    local runtime); None for a server that is never reached."""
    if database.neo4j_password is None and database.uses_local_runtime:
        return SecretStr(database.neo4j_auth()[1])
    return database.neo4j_password


def api_settings(database: Settings, **overrides: object) -> ApiSettings:
    """API settings pointing at the test server, with the four test keys (TestClient's host is `testserver`)."""
    values: dict[str, object] = {
        "neo4j_uri": database.bolt_uri, "neo4j_password": _password(database),
        "sockhound_api_keys": API_KEYS, "sockhound_allow_dev_hash_key": True,
        "sockhound_api_trusted_hosts": ["127.0.0.1", "testserver"],
    }
    values.update(overrides)
    return ApiSettings.model_validate(values)


@contextmanager
def served_api(settings: ApiSettings, detection: DetectionSettings | None = None) -> Iterator[str]:
    """The app on a real uvicorn server in a thread (lifespan and all); yields its base URL."""
    from tests.conftest import free_port

    port = free_port()
    config = uvicorn.Config(create_app(settings, detection), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sockhound-api", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["type"].startswith("https://") and problem["title"]
    if field is not None:
        assert field in [error["field"] for error in problem["errors"]], problem
    return problem
