"""`/v1/allowlist`: known shared infrastructure (subnets, payment fingerprints, prompts) that must not link
accounts. Raw values are hashed with the platform key as the loaders hash them; only keys are stored."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from starlette.concurrency import run_in_threadpool

from api.dependencies import GatewayDep, HasherDep, Reader, Writer
from api.models import AllowListEntries, AllowListEntryIn, AllowListEntryOut, AllowListKind
from api.problems import PROBLEM_RESPONSES, ProblemError, invalid_field
from detect.allowlist import allow_list_keys

router = APIRouter(prefix="/v1", tags=["allow-list"], responses=PROBLEM_RESPONSES)


def _datetime(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


async def _entries(gateway: GatewayDep) -> list[AllowListEntryOut]:
    return [
        AllowListEntryOut(kind=record["kind"], key=record["key"], reason=record["reason"],
                          added_by=record["addedBy"], added_at=_datetime(record["addedAt"]),
                          expires_at=_datetime(record["expiresAt"]), active=record["active"])
        for record in await gateway.read("detect/allow_list_entries", {"now": int(time.time() * 1000)})
    ]


@router.get("/allowlist", response_model=AllowListEntries, summary="Allow-list entries (expired ones too)")
async def list_allow_list(gateway: GatewayDep, _: Reader) -> AllowListEntries:
    return AllowListEntries(entries=await _entries(gateway))


@router.post("/allowlist", response_model=AllowListEntries, status_code=status.HTTP_201_CREATED,
             summary="Add (or renew) an allow-list entry")
async def add_allow_list_entry(entry: AllowListEntryIn, gateway: GatewayDep, hasher: HasherDep,
                               principal: Writer) -> AllowListEntries:
    try:
        keys = await run_in_threadpool(allow_list_keys, entry.kind, entry.value, hasher)
    except ValueError as error:
        raise invalid_field("body.value", str(error)) from None
    expires = entry.expires_at
    expires_ms = None if expires is None else int(
        (expires if expires.tzinfo is not None else expires.replace(tzinfo=UTC)).timestamp() * 1000)
    for key in keys:
        await gateway.write("detect/allow_list_add", {"kind": entry.kind, "key": key, "reason": entry.reason,
                                                      "expiresAt": expires_ms, "addedBy": principal.name})
    added = set(keys)
    return AllowListEntries(entries=[item for item in await _entries(gateway)
                                     if item.kind == entry.kind and item.key in added])


@router.delete("/allowlist/{kind}/{key}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove an allow-list entry by its key")
async def remove_allow_list_entry(
    kind: AllowListKind, key: Annotated[str, Path(pattern="^[0-9a-f]{32}$")], gateway: GatewayDep, _: Writer,
) -> Response:
    records = await gateway.write("detect/allow_list_remove", {"kind": kind, "key": key})
    if not records or int(records[0]["removed"]) == 0:
        raise ProblemError(404, "allow-list-entry-not-found", f"no {kind} allow-list entry with key {key}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
