"""`/v1/ips/{ip}/accounts`: who was seen from an address. The address is hashed with the platform key on the
way in; the graph holds only the keyed hash and nothing raw is returned. It needs the `ips` scope: hashing
what it is given, it tells its caller the keyed hash of any address (and whether it was seen)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.dependencies import GatewayDep, HasherDep, IpReader
from api.guard import count_results
from api.models import IpAccountsPage
from api.pagination import encode_cursor, offset_of
from api.problems import PROBLEM_RESPONSES, ProblemError
from sockhound.privacy import KIND_IP, ip_facts

router = APIRouter(prefix="/v1", tags=["ips"], responses=PROBLEM_RESPONSES)


@router.get("/ips/{ip}/accounts", response_model=IpAccountsPage, summary="Accounts seen from an IP address")
async def list_ip_accounts(
    ip: Annotated[IPv4Address | IPv6Address, Path(description="An IPv4 or IPv6 address.")],
    request: Request, gateway: GatewayDep, _: IpReader, hasher: HasherDep,  # the caller first, then the key check
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
) -> IpAccountsPage:
    canonical, _version, _subnet = ip_facts(str(ip))  # IPv4-mapped IPv6 counts as IPv4, as in the loaders
    offset = offset_of(cursor)
    ip_key = hasher.hash_one(KIND_IP, canonical)
    records = await gateway.read("api/ip_accounts", {"ipKey": ip_key, "skip": offset, "limit": limit})
    if not records:
        raise ProblemError(404, "ip-address-not-found", "no account was seen from that address")  # no echo
    record = records[0]
    shown, total, following = len(record["accounts"]), record["accountCount"] or 0, offset + limit
    count_results(request, shown)
    return IpAccountsPage.model_validate({
        **record,
        "nextCursor": encode_cursor({"offset": following}) if shown == limit and following < total else None})
