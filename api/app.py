"""The FastAPI application: `create_app()` wires settings, the async driver (in the lifespan), key ring,
problem handlers and one router per resource. `sockhound serve` runs it on uvicorn."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.auth import ApiKeyRing
from api.body_limit import BodySizeLimit
from api.database import GraphGateway, open_async_driver
from api.guard import RequestGuard, configure_audit_log
from api.observability import add_metrics, add_request_ids
from api.openapi import operation_id, problem_aware_openapi
from api.problems import install_problem_handlers
from api.routers import accounts, allowlist, health, ips, labels, networks, runs, signals, ui
from api.settings import ApiSettings, get_api_settings
from detect.config import DetectionSettings, get_detection_settings
from sockhound.fingerprints import PromptFingerprinter
from sockhound.hash_key import key_check_value
from sockhound.privacy import KeyedHasher

log = logging.getLogger(__name__)

DESCRIPTION = """Verdicts, networks and their evidence for ban tooling.

Authenticate with `Authorization: Bearer <API key>` (keys and scopes come from `SOCKHOUND_API_KEYS`).
Each key has a rate limit and a cap on requests in flight; beyond them the answer is 429 with `Retry-After`.
Errors are RFC 9457 problem details. When the database is down every data endpoint answers 503 with
`Retry-After`, and recovers by itself once it is back.
"""


def create_app(settings: ApiSettings | None = None, detection: DetectionSettings | None = None) -> FastAPI:
    """Build the app. Settings are read (and the key ring and hash key checked) now; the driver opens in the
    lifespan, so building the app never touches the database."""
    settings = settings or get_api_settings()
    key_ring = ApiKeyRing.parse(
        settings.sockhound_api_keys.get_secret_value() if settings.sockhound_api_keys else None)
    if not len(key_ring):
        log.warning("SOCKHOUND_API_KEYS is empty: every /v1 request will get 401")
    hasher = KeyedHasher(settings.hash_key())
    configure_audit_log()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        driver = open_async_driver(settings)
        app.state.gateway = GraphGateway(settings, driver)
        # Everything alive now (modules, pandas, numpy, the app) lives as long as the process: move it out of
        # the collector's reach, so a full collection walks only per-request garbage. Without this, the
        # occasional full collection of the whole import graph stalled requests for tens of milliseconds.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await driver.close()

    if settings.sockhound_api_docs:  # Swagger UI from the package's own assets (no CDN), at /docs
        app = FastAPIOffline(title="sockhound", version="1", description=DESCRIPTION, lifespan=lifespan,
                             docs_url="/docs", redoc_url=None, static_url="/docs-static",
                             generate_unique_id_function=operation_id)
    else:  # no /docs, no /openapi.json (`create_app(...).openapi()` still gives the schema)
        app = FastAPI(title="sockhound", version="1", description=DESCRIPTION, lifespan=lifespan,
                      docs_url=None, redoc_url=None, openapi_url=None, generate_unique_id_function=operation_id)
    app.openapi = problem_aware_openapi(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.detection = detection or get_detection_settings()
    app.state.key_ring = key_ring
    app.state.hasher = hasher
    app.state.fingerprinter = PromptFingerprinter(hasher)
    app.state.key_check_value = key_check_value(settings.hash_key())
    app.state.hash_key_confirmed = False
    install_problem_handlers(app)
    for router in (health.router, accounts.router, networks.router, runs.router, ips.router, labels.router,
                   allowlist.router, signals.router, ui.router):
        app.include_router(router)
    app.mount("/ui/static", ui.static_files(), name="ui-static")
    # Outermost last. From the outside in: the request id (every answer carries one), the metrics, the per-key
    # guard with the access log (so a refused Host is logged too; its concurrency slot spans the body), the
    # host check, then the body size limit.
    app.add_middleware(BodySizeLimit, max_bytes=settings.sockhound_api_max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.sockhound_api_trusted_hosts)
    app.add_middleware(RequestGuard, key_ring=key_ring, rate_limit=settings.sockhound_api_rate_limit,
                       max_concurrent=settings.sockhound_api_max_concurrent)
    add_metrics(app)
    add_request_ids(app)
    return app
