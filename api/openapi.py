"""The OpenAPI schema as clients generate from it: `operationId`s are the handlers' names (`get_account`,
`lookup_accounts`, `list_networks`), and problem responses are declared under `application/problem+json`, the
media type the server sends, with the `Problem` schema. FastAPI puts a response model under the route's own
media type (`application/json`), so a generated client would not recognise the errors it gets; the schema is
corrected once, when it is first built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.problems import PROBLEM_MEDIA_TYPE

JSON_MEDIA_TYPE = "application/json"


def operation_id(route: APIRoute) -> str:
    """The handler's name: unique across the app, readable in a generated client."""
    return route.name


def declare_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every response that says it is `application/problem+json` gets its schema there, and no JSON twin."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if PROBLEM_MEDIA_TYPE in content:
                    body = content.pop(JSON_MEDIA_TYPE, None) or content[PROBLEM_MEDIA_TYPE]
                    response["content"] = {PROBLEM_MEDIA_TYPE: body}
    return schema


def problem_aware_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """A replacement for `app.openapi`: FastAPI's schema, built and corrected once."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(build())
        return app.openapi_schema

    return openapi
