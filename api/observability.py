"""Operations basics: request ids and `/metrics`.

Request ids (`asgi-correlation-id`): every response carries `X-Request-ID`, and the same id is in the access
log line (`api/guard.py`) and in problem bodies (`request_id`). A client may send its own id so that its logs
and ours join up, but only a UUID (32 hex digits, with or without the dashes): anything else is replaced by a
fresh id, so a client cannot put text of its choosing (a newline, an account id) into our log.

`/metrics` (`prometheus-fastapi-instrumentator`, Prometheus text format): request counts, sizes and durations
labelled by method, status and route template (`/v1/accounts/{account_id}`), never by the raw path; requests
that match no route are counted under `handler="none"`. It holds no identifiers, but it shows how ban tooling
uses the API, so it needs an API key with the `read` scope, like the data (Prometheus: `authorization:
{credentials_file: ...}` in the scrape config). Each app has its own registry; with several uvicorn workers
each worker counts its own requests unless `PROMETHEUS_MULTIPROC_DIR` is set (the instrumentator then merges
them).
"""

from __future__ import annotations

import re
from typing import Final, cast

from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import FastAPI, params
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_fastapi_instrumentator import Instrumentator

from api.dependencies import require_scope

REQUEST_ID_HEADER: Final = "X-Request-ID"
METRICS_PATH: Final = "/metrics"
_REQUEST_ID: Final = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def acceptable_request_id(value: str) -> bool:
    """A client's X-Request-ID is kept only when it is a UUID in hex form (see the module docstring)."""
    return _REQUEST_ID.fullmatch(value) is not None


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return correlation_id.get()


def add_request_ids(app: FastAPI) -> None:
    """Add the request-id middleware; call it after every other `add_middleware`, so that it is outermost and
    every answer (a 400 for a bad Host, a 429) carries an id."""
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=acceptable_request_id)


def add_metrics(app: FastAPI) -> CollectorRegistry:
    """Instrument the app (a middleware: call it before `add_request_ids`) and serve `/metrics` behind a
    `read` key. Returns the app's registry."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    instrumentator = Instrumentator(should_group_status_codes=False, should_group_untemplated=True,
                                    registry=registry)
    instrumentator.instrument(app)
    instrumentator.expose(app, endpoint=METRICS_PATH, include_in_schema=False,
                          dependencies=[cast(params.Depends, require_scope("read"))])
    return registry
