"""`/v1/allowlist`: known shared infrastructure (subnets, payment fingerprints, prompts) that must not link
accounts. Raw values are hashed with the platform key as the loaders hash them; only keys are stored.

No answer tells the keyed hash of a raw value a caller sent (that would make the endpoint a hash oracle): an
entry's `key` is shown only when it was added by its key. Entries are removed by their `entry_id` (or by the
key, for whoever knows it). Every add and removal leaves an `AllowListEvent` in the graph.
"""

from __future__ import annotations

import time
from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.dependencies import GatewayDep, HasherDep, Reader, Writer
from api.guard import count_results
from api.models import AllowListEntries, AllowListEntryIn, AllowListEntryOut, AllowListKind
from api.problems import PROBLEM_RESPONSES, ProblemError, invalid_field
from detect.allowlist import allow_list_keys, is_key

router = APIRouter(prefix="/v1", tags=["allow-list"], responses=PROBLEM_RESPONSES)
EXPIRY_GRACE_MS = 60_000
"""An `expires_at` up to this far in the past is clock skew, not a request for an already-expired entry."""


async def _entries(gateway: GatewayDep) -> list[AllowListEntryOut]:
    return [
        AllowListEntryOut.model_validate({**record, "key": record["key"] if record["keyGiven"] else None})
        for record in await gateway.read("detect/allow_list_entries", {"now": int(time.time() * 1000)})
    ]


@router.get("/allowlist", response_model=AllowListEntries, summary="Allow-list entries (expired ones too)")
async def list_allow_list_entries(request: Request, gateway: GatewayDep, _: Reader) -> AllowListEntries:
    entries = await _entries(gateway)
    count_results(request, len(entries))
    return AllowListEntries(entries=entries)


@router.post("/allowlist", response_model=AllowListEntries, status_code=status.HTTP_201_CREATED,
             summary="Add (or renew) an allow-list entry")
async def add_allow_list_entry(entry: AllowListEntryIn, request: Request, gateway: GatewayDep, principal: Writer,
                               hasher: HasherDep) -> AllowListEntries:  # the caller first, then the key check
    expires = entry.expires_at
    expires_ms = None if expires is None else int(
        (expires if expires.tzinfo is not None else expires.replace(tzinfo=UTC)).timestamp() * 1000)
    if expires_ms is not None and expires_ms < time.time() * 1000 - EXPIRY_GRACE_MS:
        raise invalid_field("body.expires_at", "expires_at is in the past")
    try:
        keys = await run_in_threadpool(allow_list_keys, entry.kind, entry.value, hasher)
    except ValueError as error:
        raise invalid_field("body.value", str(error)) from None
    entry_ids = set()
    for key in keys:
        [written] = await gateway.write("detect/allow_list_add", {
            "kind": entry.kind, "key": key, "reason": entry.reason, "expiresAt": expires_ms,
            "addedBy": principal.name, "via": "api", "keyGiven": is_key(entry.value)})
        entry_ids.add(written["entryId"])
    added = [item for item in await _entries(gateway) if item.entry_id in entry_ids]
    count_results(request, len(added))
    return AllowListEntries(entries=added)


async def _remove(gateway: GatewayDep, principal_name: str, parameters: dict[str, str | None]) -> bool:
    records = await gateway.write("detect/allow_list_remove", {
        "kind": None, "key": None, "entryId": None, **parameters, "removedBy": principal_name, "via": "api"})
    return bool(records) and int(records[0]["removed"]) > 0


@router.delete("/allowlist/{entry_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove an allow-list entry by its entry id")
async def remove_allow_list_entry_by_id(
    request: Request, entry_id: Annotated[str, Path(pattern="^[0-9a-f-]{36}$")], gateway: GatewayDep,
    principal: Writer,
) -> Response:
    if not await _remove(gateway, principal.name, {"entryId": entry_id}):
        raise ProblemError(404, "allow-list-entry-not-found", f"no allow-list entry with id {entry_id}")
    count_results(request, 1)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/allowlist/{kind}/{key}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove an allow-list entry by its key")
async def remove_allow_list_entry(
    request: Request, kind: AllowListKind, key: Annotated[str, Path(pattern="^[0-9a-f]{32}$")],
    gateway: GatewayDep, principal: Writer,
) -> Response:
    if not await _remove(gateway, principal.name, {"kind": kind, "key": key}):
        raise ProblemError(404, "allow-list-entry-not-found", f"no {kind} allow-list entry with that key")
    count_results(request, 1)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
