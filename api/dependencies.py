"""Typed request dependencies: settings, the graph gateway, the caller and their scopes."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.auth import ApiKeyRing, Principal
from api.database import GraphGateway
from api.problems import ProblemError
from api.settings import ApiSettings
from detect.config import DetectionSettings
from sockhound.hash_key import HashKeyError, compare_check_values
from sockhound.privacy import KeyedHasher


async def get_settings_of_app(request: Request) -> ApiSettings:
    return cast(ApiSettings, request.app.state.settings)


async def get_gateway(request: Request) -> GraphGateway:
    return cast(GraphGateway, request.app.state.gateway)


async def get_detection_settings_of_app(request: Request) -> DetectionSettings:
    return cast(DetectionSettings, request.app.state.detection)


async def get_hasher(request: Request) -> KeyedHasher:
    """The app's hasher, once its key is known to be the graph's (checked until the graph holds a check value,
    then never again): a different key would make every lookup by a raw value silently find nothing."""
    state = request.app.state
    if not state.hash_key_confirmed:
        gateway: GraphGateway = state.gateway
        [record] = await gateway.read("runtime/hash_key_check")
        try:
            compare_check_values(record["value"], state.key_check_value)
        except HashKeyError as error:
            raise ProblemError(500, "hash-key-mismatch", str(error)) from None
        state.hash_key_confirmed = record["value"] is not None
    return cast(KeyedHasher, state.hasher)


SettingsDep = Annotated[ApiSettings, Depends(get_settings_of_app)]
GatewayDep = Annotated[GraphGateway, Depends(get_gateway)]
DetectionDep = Annotated[DetectionSettings, Depends(get_detection_settings_of_app)]
HasherDep = Annotated[KeyedHasher, Depends(get_hasher)]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <API key>`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key, as an alternative.")


class Unauthenticated(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(401, "unauthenticated", detail, {"WWW-Authenticate": 'Bearer realm="sockhound"'})


async def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_api_key_header)],
) -> Principal:
    presented = bearer.credentials if bearer is not None else header_key
    if not presented:
        raise Unauthenticated("an API key is required: send `Authorization: Bearer <key>`")
    key_ring: ApiKeyRing = request.app.state.key_ring
    principal = key_ring.principal_for(presented)
    if principal is None:
        raise Unauthenticated("the API key is not valid")
    return principal


def require_scope(scope: str) -> object:
    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if scope not in principal.scopes:
            raise ProblemError(403, "insufficient-scope", f"this API key lacks the `{scope}` scope")
        return principal

    return Depends(check)


Reader = Annotated[Principal, require_scope("read")]
Writer = Annotated[Principal, require_scope("write")]
IpReader = Annotated[Principal, require_scope("ips")]
