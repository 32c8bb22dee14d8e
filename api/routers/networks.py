"""`/v1/networks`: the networks detection found, riskiest first, and one network's members and evidence."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from api.dependencies import DetectionDep, GatewayDep, Reader
from api.evidence import EvidenceWeigher
from api.guard import count_results
from api.models import (
    EvidenceKindShown,
    EvidenceKindSummary,
    GraphAccount,
    GraphEdge,
    GraphEvidence,
    NetworkDetail,
    NetworkEvidenceRecord,
    NetworkGraph,
    NetworkMember,
    NetworksPage,
    NetworkSummary,
    Verdict,
)
from api.pagination import decode_cursor, encode_cursor
from api.problems import PROBLEM_RESPONSES, NotFoundError

router = APIRouter(prefix="/v1", tags=["networks"], responses=PROBLEM_RESPONSES)
MEMBER_LIMIT = 5_000
NetworkPath = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/networks", response_model=NetworksPage, summary="Networks, riskiest first")
async def list_networks(
    request: Request, gateway: GatewayDep, _: Reader,
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
    count_results(request, len(networks))
    return NetworksPage(networks=networks, next_cursor=next_cursor)


@router.get("/networks/{network_id}", response_model=NetworkDetail,
            summary="A network: members, what they share, risk")
async def get_network(
    request: Request, network_id: NetworkPath, gateway: GatewayDep, _: Reader,
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
    count_results(request, len(members))
    return NetworkDetail(
        network_id=record["networkId"], size=record["size"] or 0, risk=record["risk"] or 0.0,
        verdict=record["verdict"], status=record["status"], run_id=record["runId"],
        first_run_id=record["firstRunId"],
        features={name: float(value) for name, value in features.items() if isinstance(value, int | float)},
        evidence=[EvidenceKindSummary(kind=row["kind"], shared_nodes=row["sharedNodes"], max_members=row["maxMembers"],
                                      common_nodes=row["commonNodes"]) for row in evidence],
        evidence_records=[NetworkEvidenceRecord.model_validate(item)
                          for item in json.loads(record["evidenceRecords"] or "[]")],
        members=members, members_truncated=(record["size"] or 0) > len(members),
    )


@router.get("/networks/{network_id}/graph", response_model=NetworkGraph,
            summary="A network's members and shared evidence as a graph (nodes and edges), capped for drawing")
async def get_network_graph(
    request: Request, network_id: NetworkPath, gateway: GatewayDep, detection: DetectionDep, _: Reader,
    member_limit: Annotated[int, Query(ge=1, le=1_000, description="The riskiest members to draw.")] = 300,
    evidence_per_kind: Annotated[int, Query(
        ge=1, le=200, description="Evidence nodes per kind, those supplying the most linkage first.")] = 25,
) -> NetworkGraph:
    weigher = await EvidenceWeigher.current(gateway, detection)
    records = await gateway.read("api/network_graph", {
        "networkId": network_id, "memberLimit": member_limit, "evidencePerKind": evidence_per_kind,
        **weigher.query_parameters()})
    if not records:
        raise NotFoundError("network", network_id)
    record = records[0]
    evidence: list[GraphEvidence] = []
    edges: list[GraphEdge] = []
    kinds: list[EvidenceKindShown] = []
    for group in sorted(record["evidence"], key=lambda group: str(group["kind"])):
        kind = str(group["kind"])
        kinds.append(EvidenceKindShown(kind=kind, shown=len(group["nodes"]), available=group["available"]))
        for node in group["nodes"]:
            evidence_id, shared_by = f"{kind}:{node['key']}", int(node["sharedBy"] or 0)
            ignored = weigher.ignored(kind, node["key"], shared_by, node["subnetKey"])
            evidence.append(GraphEvidence(
                id=evidence_id, kind=kind, key=node["key"], shared_by=shared_by, members=len(node["links"]),
                weight=weigher.weight(kind, shared_by, ignored), ignored=ignored))
            edges += [GraphEdge(account_id=link["accountId"], evidence_id=evidence_id, count=link["count"],
                                first_seen=_native(link["firstSeen"]), last_seen=_native(link["lastSeen"]))
                      for link in node["links"]]
    accounts = [GraphAccount(account_id=member["accountId"], verdict=member["verdict"], risk=member["risk"],
                             label=member["label"], status=member["status"]) for member in record["members"]]
    size = int(record["size"] or 0)
    count_results(request, len(accounts))
    return NetworkGraph(
        network_id=network_id, size=size, accounts=accounts, evidence=evidence, edges=edges, kinds=kinds,
        member_limit=member_limit, evidence_per_kind=evidence_per_kind,
        truncated=size > len(accounts) or any(kind.available > kind.shown for kind in kinds))


def _native(value: Any) -> datetime | None:
    """A Neo4j DateTime (or null) as a Python datetime."""
    return None if value is None else value.to_native()
