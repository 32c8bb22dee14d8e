"""`/v1/networks`: the networks detection found, riskiest first, and one network's members and evidence."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.dependencies import GatewayDep, Reader
from api.models import (
    EvidenceKindSummary,
    NetworkDetail,
    NetworkMember,
    NetworksPage,
    NetworkSummary,
    Verdict,
)
from api.pagination import decode_cursor, encode_cursor
from api.problems import PROBLEM_RESPONSES, NotFoundError

router = APIRouter(prefix="/v1", tags=["networks"], responses=PROBLEM_RESPONSES)
MEMBER_LIMIT = 5_000


@router.get("/networks", response_model=NetworksPage, summary="Networks, riskiest first")
async def list_networks(
    gateway: GatewayDep, _: Reader,
    verdict: Annotated[Verdict | None, Query(description="Only networks with this verdict.")] = None,
    min_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    status: Annotated[str | None, Query(pattern="^(active|dissolved|any)$",
                                        description="active (default), dissolved, or any.")] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page.")] = None,
) -> NetworksPage:
    after = decode_cursor(cursor, {"risk": float, "network_id": str})
    records = await gateway.read("api/networks", {
        "verdict": verdict, "status": None if status in (None, "any") else status, "minRisk": min_risk,
        "afterRisk": after["risk"] if after else None, "afterNetworkId": after["network_id"] if after else None,
        "limit": limit,
    })
    networks = [
        NetworkSummary(network_id=record["networkId"], size=record["size"] or 0, risk=record["risk"],
                       verdict=record["verdict"], status=record["status"], run_id=record["runId"])
        for record in records
    ]
    next_cursor = None
    if len(networks) == limit:
        last = networks[-1]
        next_cursor = encode_cursor({"risk": last.risk, "network_id": last.network_id})
    return NetworksPage(networks=networks, next_cursor=next_cursor)


@router.get("/networks/{network_id}", response_model=NetworkDetail,
            summary="A network: members, what they share, risk")
async def get_network(
    network_id: Annotated[str, Path(min_length=1, max_length=128)], gateway: GatewayDep, _: Reader,
) -> NetworkDetail:
    records = await gateway.read("api/network", {"networkId": network_id, "memberLimit": MEMBER_LIMIT})
    if not records:
        raise NotFoundError("network", network_id)
    record = records[0]
    evidence = await gateway.read("api/network_evidence", {"networkId": network_id})
    features = json.loads(record["features"]) if record["features"] else {}
    members = [
        NetworkMember(account_id=member["accountId"], verdict=member["verdict"], risk=member["risk"],
                      label=member["label"], status=member["status"],
                      created_at=member["createdAt"].to_native() if member["createdAt"] is not None else None)
        for member in record["members"]
    ]
    return NetworkDetail(
        network_id=record["networkId"], size=record["size"] or 0, risk=record["risk"] or 0.0,
        verdict=record["verdict"], status=record["status"], run_id=record["runId"],
        first_run_id=record["firstRunId"],
        features={name: float(value) for name, value in features.items() if isinstance(value, int | float)},
        evidence=[EvidenceKindSummary(kind=row["kind"], shared_nodes=row["sharedNodes"], max_members=row["maxMembers"],
                                      common_nodes=row["commonNodes"]) for row in evidence],
        members=members, members_truncated=(record["size"] or 0) > len(members),
    )
