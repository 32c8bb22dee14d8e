"""`/v1/networks`: the networks detection found, riskiest first; one network's members (in pages) and evidence,
drawn as a graph, or as a case file (JSON, or CSV tables in a zip) for an investigation or an appeal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.case_file import ZIP_MEDIA_TYPE, case_file_zip
from api.dependencies import DetectionDep, GatewayDep, Reader
from api.evidence import EvidenceWeigher, explanation_records
from api.guard import count_results
from api.models import (
    CaseFile,
    CaseMember,
    EvidenceKindShown,
    GraphAccount,
    GraphEdge,
    GraphEvidence,
    MembersPage,
    NetworkDetail,
    NetworkGraph,
    NetworksPage,
    NetworkSummary,
    Verdict,
)
from api.pagination import decode_cursor, encode_cursor, offset_of
from api.problems import PROBLEM_RESPONSES, NotFoundError

router = APIRouter(prefix="/v1", tags=["networks"], responses=PROBLEM_RESPONSES)
CASE_MEMBER_LIMIT = 5_000
CASE_EVIDENCE_PER_KIND = 100_000  # every shared node: the case file is complete, not drawn
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
    networks = [NetworkSummary.model_validate(dict(record)) for record in records]
    next_cursor = None
    if len(networks) == limit:
        last = networks[-1]
        next_cursor = encode_cursor({"risk": last.risk, "network_id": last.network_id})
    count_results(request, len(networks))
    return NetworksPage(networks=networks, next_cursor=next_cursor)


MembersLimit = Annotated[int, Query(ge=1, le=1_000, description="Members per page.")]


def _next_members_cursor(following: int, size: int) -> str | None:
    return encode_cursor({"offset": following}) if following < size else None


@router.get("/networks/{network_id}", response_model=NetworkDetail,
            summary="A network: the first page of members, what they share, risk")
async def get_network(
    request: Request, network_id: NetworkPath, gateway: GatewayDep, _: Reader, members_limit: MembersLimit = 100,
) -> NetworkDetail:
    records = await gateway.read("api/network", {"networkId": network_id, "memberLimit": members_limit})
    if not records:
        raise NotFoundError("network", network_id)
    record = records[0]
    evidence = await gateway.read("api/network_evidence", {"networkId": network_id})
    detail = NetworkDetail.model_validate({
        **record, "evidence": [dict(row) for row in evidence], "features": _features(record["features"]),
        "evidenceRecords": json.loads(record["evidenceRecords"] or "[]"),
        "membersTruncated": record["size"] > len(record["members"]),
        "membersNextCursor": _next_members_cursor(members_limit, record["size"]),
    })
    count_results(request, len(detail.members))
    return detail


@router.get("/networks/{network_id}/members", response_model=MembersPage,
            summary="A network's members, riskiest first, one page at a time")
async def list_network_members(
    request: Request, network_id: NetworkPath, gateway: GatewayDep, _: Reader, limit: MembersLimit = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
) -> MembersPage:
    offset = offset_of(cursor)
    records = await gateway.read("api/network_members", {
        "networkId": network_id, "skip": offset, "limit": limit, "explanations": False})
    if not records:
        raise NotFoundError("network", network_id)
    record = records[0]
    count_results(request, len(record["members"]))
    return MembersPage.model_validate({**record, "networkId": network_id,
                                       "nextCursor": _next_members_cursor(offset + limit, record["size"])})


@router.get("/networks/{network_id}/graph", response_model=NetworkGraph,
            summary="A network's members and shared evidence as a graph (nodes and edges), capped for drawing")
async def get_network_graph(
    request: Request, network_id: NetworkPath, gateway: GatewayDep, detection: DetectionDep, _: Reader,
    member_limit: Annotated[int, Query(ge=1, le=1_000, description="The riskiest members to draw.")] = 300,
    evidence_per_kind: Annotated[int, Query(
        ge=1, le=200, description="Evidence nodes per kind, those supplying the most linkage first.")] = 25,
) -> NetworkGraph:
    weigher = await EvidenceWeigher.current(gateway, detection)
    record = await _graph_record(gateway, weigher, network_id, member_limit, evidence_per_kind)
    evidence, edges, kinds = _shared_evidence(record, weigher)
    accounts = [GraphAccount.model_validate(member) for member in record["members"]]
    size = int(record["size"])
    count_results(request, len(accounts))
    return NetworkGraph(
        network_id=network_id, size=size, accounts=accounts, evidence=evidence, edges=edges, kinds=kinds,
        member_limit=member_limit, evidence_per_kind=evidence_per_kind,
        truncated=size > len(accounts) or any(kind.available > kind.shown for kind in kinds))


@router.get("/networks/{network_id}/case", response_model=CaseFile,
            responses={200: {"content": {ZIP_MEDIA_TYPE: {}},
                             "description": "The case file: JSON, or with `format=zip` its CSV tables in a zip."}},
            summary="A network's case file: members, their verdicts and explanations, the shared evidence")
async def get_network_case(
    request: Request, network_id: NetworkPath, gateway: GatewayDep, detection: DetectionDep, _: Reader,
    format: Annotated[Literal["json", "zip"], Query(
        description="`json` (default), or `zip`: CSV tables (network, members, explanations, shared evidence, "
        "links) in a zip.")] = "json",
) -> CaseFile | Response:
    """At most 5,000 members (riskiest first; `members_truncated` says when there are more), each with every
    record of their risk waterfall, and every evidence node two or more of them share."""
    records = await gateway.read("api/network", {"networkId": network_id, "memberLimit": 0})
    if not records:
        raise NotFoundError("network", network_id)
    network = records[0]
    [page] = await gateway.read("api/network_members", {
        "networkId": network_id, "skip": 0, "limit": CASE_MEMBER_LIMIT, "explanations": True})
    weigher = await EvidenceWeigher.current(gateway, detection)
    graph = await _graph_record(gateway, weigher, network_id, CASE_MEMBER_LIMIT, CASE_EVIDENCE_PER_KIND)
    evidence, edges, _kinds = _shared_evidence(graph, weigher)
    members = []
    for member in page["members"]:
        prior, records_of_member = explanation_records(member["explanation"])
        members.append(CaseMember.model_validate({**member, "priorRisk": prior, "evidence": records_of_member}))
    case = CaseFile(
        generated_at=datetime.now(UTC), network=NetworkSummary.model_validate(dict(network)),
        first_run_id=network["firstRunId"], features=_features(network["features"]),
        evidence_records=json.loads(network["evidenceRecords"] or "[]"), members=members,
        members_truncated=network["size"] > len(members), shared_evidence=evidence, links=edges)
    count_results(request, len(members))
    if format == "zip":
        return case_file_zip(case)
    return case


def _features(stored: str | None) -> dict[str, float]:
    features: dict[str, Any] = json.loads(stored) if stored else {}
    return {name: float(value) for name, value in features.items() if isinstance(value, int | float)}


async def _graph_record(gateway: GatewayDep, weigher: EvidenceWeigher, network_id: str, member_limit: int,
                        evidence_per_kind: int) -> Any:
    records = await gateway.read("api/network_graph", {
        "networkId": network_id, "memberLimit": member_limit, "evidencePerKind": evidence_per_kind,
        **weigher.query_parameters()})
    if not records:
        raise NotFoundError("network", network_id)
    return records[0]


def _shared_evidence(record: Any, weigher: EvidenceWeigher) -> tuple[list[GraphEvidence], list[GraphEdge],
                                                                     list[EvidenceKindShown]]:
    """The evidence nodes of an `api/network_graph` record, weighed, with their edges and per-kind counts."""
    evidence: list[GraphEvidence] = []
    edges: list[GraphEdge] = []
    kinds: list[EvidenceKindShown] = []
    for group in sorted(record["evidence"], key=lambda group: str(group["kind"])):
        kind = str(group["kind"])
        kinds.append(EvidenceKindShown(kind=kind, shown=len(group["nodes"]), available=group["available"]))
        for node in group["nodes"]:
            evidence_id, shared_by = f"{kind}:{node['key']}", int(node["sharedBy"] or 0)
            ignored = weigher.ignored(kind, node["key"], shared_by, node["subnetKey"])
            evidence.append(GraphEvidence.model_validate({
                **node, "id": evidence_id, "kind": kind, "sharedBy": shared_by, "members": len(node["links"]),
                "weight": weigher.weight(kind, shared_by, ignored), "ignored": ignored}))
            edges += [GraphEdge.model_validate({**link, "evidenceId": evidence_id}) for link in node["links"]]
    return evidence, edges, kinds
