"""`/v1/ips/{ip}/accounts`: who was seen from an address. The address is hashed with the platform key on the
way in; the graph holds only the keyed hash and nothing raw is returned. It needs the `ips` scope: hashing
what it is given, it tells its caller the keyed hash of any address (and whether it was seen)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.dependencies import GatewayDep, HasherDep, IpReader
from api.guard import count_results
from api.models import IpAccount, IpAccountsPage
from api.pagination import encode_cursor, offset_of
from api.problems import PROBLEM_RESPONSES, ProblemError
from sockhound.privacy import KIND_IP, ip_facts

router = APIRouter(prefix="/v1", tags=["ips"], responses=PROBLEM_RESPONSES)


@router.get("/ips/{ip}/accounts", response_model=IpAccountsPage, summary="Accounts seen from an IP address")
async def ip_accounts(
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
    accounts = [
        IpAccount(account_id=row["accountId"], verdict=row["verdict"], risk=row["risk"], network_id=row["networkId"],
                  exchanges=row["exchanges"] or 0,
                  first_seen=row["firstSeen"].to_native() if row["firstSeen"] is not None else None,
                  last_seen=row["lastSeen"].to_native() if row["lastSeen"] is not None else None)
        for row in record["accounts"]
    ]
    total = record["accountCount"] or 0
    count_results(request, len(accounts))
    following = offset + limit
    return IpAccountsPage(
        ip_key=record["ipKey"], version=record["version"], account_count=record["accountCount"],
        common=record["common"], subnet_key=record["subnetKey"], subnet_account_count=record["subnetAccountCount"],
        accounts=accounts,
        next_cursor=encode_cursor({"offset": following}) if len(accounts) == limit and following < total else None,
    )
