"""Per-key guard of `/v1` and `/metrics`: rate limits and a concurrency cap (429 with Retry-After) and
`Cache-Control: no-store`; and the audit (access) log of every request, whatever its path.

A pure ASGI middleware, so the concurrency slot is held for the whole request, reading its body included (a
slow upload counts too). The caller is identified here only to pick the limits; the 401/403 answers stay
with the route dependencies. Unknown or missing keys pass through untouched and get their 401 there.

Rate limits use `limits` (moving window, in process memory): with several uvicorn workers each worker counts
on its own, so the effective limit is the configured one times the workers.

The audit log (logger `sockhound.audit`) is the API's one access log: one line per request, 401s and 429s
included, with the key's name, the method and route template (never the path, which may hold an IP address
or an account id), the status, the result count a handler reported with `count_results`, the duration, how
the caller authenticated (`auth=none|invalid|key`: a bad key leaves a trace, never the key itself) and the
request id (`api/observability.py`). It never records a raw value, a query string or a key. The same fields
are on the log record as attributes (`record.sockhound_access`), for a structured handler.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Final

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import ApiKeyRing, Principal
from api.observability import METRICS_PATH, current_request_id
from api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

audit_log = logging.getLogger("sockhound.audit")
GUARDED_PREFIX: Final = "/v1/"
ACCESS_FIELDS: Final = "sockhound_access"
RESULT_COUNT: Final = "sockhound_result_count"
PRINCIPAL_NAME: Final = "sockhound_principal"


def configure_audit_log() -> None:
    """Audit lines to standard error (the server's log), once per process (each uvicorn worker builds its app)."""
    if not audit_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s audit %(message)s"))
        audit_log.addHandler(handler)
    audit_log.setLevel(logging.INFO)


def count_results(request: Request, count: int) -> None:
    """Tell the audit log how many results this request returned (records, entries, accounts)."""
    request.state.sockhound_result_count = count


def presented_key(headers: Headers) -> str | None:
    """The API key of a request, as the route dependencies read it (Bearer first, then X-API-Key)."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return headers.get("x-api-key") or None


class RequestGuard:
    """See the module docstring. `rate_limit` is a `limits` string such as `100/second;3000/minute`."""

    def __init__(self, app: ASGIApp, key_ring: ApiKeyRing, rate_limit: str, max_concurrent: int) -> None:
        self.app = app
        self.key_ring = key_ring
        self.rates: list[RateLimitItem] = parse_many(rate_limit) if rate_limit.strip() else []
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.max_concurrent = max_concurrent
        self.in_flight: dict[str, anyio.CapacityLimiter] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        key = presented_key(Headers(scope=scope))
        principal = self.key_ring.principal_for(key) if key else None
        state = scope.setdefault("state", {})
        state[PRINCIPAL_NAME] = principal.name if principal else None
        auth = "key" if principal else "invalid" if key else "none"
        path = str(scope.get("path", ""))
        if not (path.startswith(GUARDED_PREFIX) or path == METRICS_PATH):
            status = 500

            async def send_logged(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await self.app(scope, receive, send_logged)
            finally:
                self._audit(scope, state, status, started, auth)
            return
        status = 500

        async def send_guarded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        try:
            refusal = self._refusal(principal)
            if refusal is not None:
                await refusal(scope, receive, send_guarded)
                return
            if principal is None:
                await self.app(scope, receive, send_guarded)
                return
            slots = self.in_flight.setdefault(principal.name, anyio.CapacityLimiter(self.max_concurrent))
            token = object()
            try:
                slots.acquire_on_behalf_of_nowait(token)
            except anyio.WouldBlock:
                await self._too_many(f"more than {self.max_concurrent} concurrent requests for this key",
                                     1)(scope, receive, send_guarded)
                return
            try:
                await self.app(scope, receive, send_guarded)
            finally:
                slots.release_on_behalf_of(token)
        finally:
            self._audit(scope, state, status, started, auth)

    def _refusal(self, principal: Principal | None) -> JSONResponse | None:
        """429 when the key is over one of its rates; None when the request may go on."""
        if principal is None:
            return None
        for rate in self.rates:
            if not self.limiter.hit(rate, "api-key", principal.name):
                reset = self.limiter.get_window_stats(rate, "api-key", principal.name).reset_time
                return self._too_many(f"over the rate limit of {rate} for this key",
                                      max(1, math.ceil(reset - time.time())))
        return None

    @staticmethod
    def _too_many(detail: str, retry_after_s: int) -> JSONResponse:
        body = {"type": PROBLEM_TYPE_BASE + "too-many-requests", "title": "Too Many Requests", "status": 429,
                "detail": detail, "request_id": current_request_id()}
        return JSONResponse(body, status_code=429, media_type=PROBLEM_MEDIA_TYPE,
                            headers={"Retry-After": str(retry_after_s)})

    @staticmethod
    def _audit(scope: Scope, state: dict[str, object], status: int, started: float, auth: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) if route is not None else None
        count = state.get(RESULT_COUNT)
        fields = {
            "key": state.get(PRINCIPAL_NAME) or "-", "method": str(scope.get("method", "-")),
            "route": template if isinstance(template, str) else "(unmatched)", "status": status,
            "results": count if isinstance(count, int) else "-",
            "ms": round((time.perf_counter() - started) * 1000, 1), "auth": auth,
            "request_id": current_request_id() or "-",
        }
        audit_log.info("key=%(key)s route=%(method)s %(route)s status=%(status)d results=%(results)s ms=%(ms).1f "
                       "auth=%(auth)s request_id=%(request_id)s", fields, extra={ACCESS_FIELDS: fields})
