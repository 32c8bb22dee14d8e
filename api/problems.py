"""Errors as RFC 9457 problem details (`application/problem+json`), the same shape for every failure."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Final

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://sockhound.dev/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is: `body.accountIds.3`, `query.limit`, `path.ip`.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(default=None, description="Each invalid field (422 only).")
    request_id: str | None = Field(default=None, description="The request's id, as in its `X-Request-ID` "
                                   "response header and in the server's access log.")


class ProblemError(Exception):
    """Raise to answer with a problem; `slug` becomes the problem type URI."""

    def __init__(self, status: int, slug: str, detail: str, headers: dict[str, str] | None = None,
                 errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


class NotFoundError(ProblemError):
    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(404, f"{what}-not-found", f"no {what.replace('-', ' ')} {identifier!r} in the graph")


class DatabaseDownError(ProblemError):
    """Neo4j cannot be reached; the client should retry after `retry_after_s`."""

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(503, "database-unavailable", detail, {"Retry-After": str(retry_after_s)})


def route_template(request: Request) -> str:
    """The matched route's template (`/v1/ips/{ip}/accounts`), for logs: never the path, which may hold a raw
    value (an IP address, an account id)."""
    template = getattr(request.scope.get("route"), "path", None)
    return template if isinstance(template, str) else "(unmatched route)"


def _instance(request: Request) -> str:
    """The request path, except that a raw IP address in it is never echoed back (its route's template is)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str) and "{ip}" in template:
        return template
    return request.url.path


def problem_response(request: Request, status: int, slug: str, detail: str | None,
                     headers: dict[str, str] | None = None, errors: list[FieldError] | None = None) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    problem = Problem(type=PROBLEM_TYPE_BASE + slug, title=title, status=status, detail=detail,
                      instance=_instance(request), errors=errors, request_id=correlation_id.get())
    return JSONResponse(problem.model_dump(exclude_none=True), status_code=status, headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def invalid_field(field: str, message: str) -> ProblemError:
    """A 422 about one field (for checks pydantic cannot express, such as an unparsable IP in the path)."""
    return ProblemError(422, "invalid-request", f"invalid value in: {field}",
                        errors=[FieldError(field=field, message=message)])


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """`body.account_ids.3`: the location without pydantic's internal union-member tags (`function-after[...]`)."""
    return ".".join(str(part) for part in location if not (isinstance(part, str) and ("[" in part or "(" in part)))


async def _problem_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return problem_response(request, error.status, error.slug, error.detail, error.headers, error.errors)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    messages: dict[str, list[str]] = {}
    for item in error.errors():  # one entry per field (a union reports once per member)
        found = messages.setdefault(_field_path(item.get("loc", ())), [])
        if str(item.get("msg", "invalid")) not in found:
            found.append(str(item.get("msg", "invalid")))
    errors = [FieldError(field=field, message="; ".join(texts)) for field, texts in messages.items()]
    fields = ", ".join(sorted(messages))
    return problem_response(request, 422, "invalid-request", f"invalid value in: {fields}", errors=errors)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    slug = HTTPStatus(error.status_code).phrase.lower().replace(" ", "-")
    headers = dict(error.headers) if error.headers else {}
    if error.status_code == 405:  # Starlette lists only the first matching route's methods; list them all
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(request, error.status_code, slug, str(error.detail), headers or None)


HTTP_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route fully matches for this path: each method is tried against the app's routes
    (`BaseRoute.matches`, which included routers implement too, so nested routes are found)."""
    routes = [route for route in request.app.routes if isinstance(route, BaseRoute)]
    return [method for method in HTTP_METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)]


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette answers this one outside every middleware, so the request id header is set here."""
    request_id = correlation_id.get()
    log.exception("unexpected error serving %s %s (request_id=%s)", request.method, route_template(request),
                  request_id)
    return problem_response(request, 500, "internal-error", "an unexpected error; it has been logged",
                            {"X-Request-ID": request_id} if request_id else None)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 413, 422, 429, 503)
}
