"""`/v1/runs/latest`: which detection run the verdicts come from (the published one: a run is served whole once it
completes, never part of it), when it ran, and what reached the graph since (loads, label decisions, accounts it
has not scored, later runs still running or that never published), so ban tooling can tell how fresh a verdict
is."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request

from api.dependencies import GatewayDep, Reader
from api.guard import count_results
from api.models import LatestRun
from api.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1", tags=["runs"], responses=PROBLEM_RESPONSES)


@router.get("/runs/latest", response_model=LatestRun,
            summary="The published detection run the verdicts come from, and what changed since it started")
async def get_latest_run(request: Request, gateway: GatewayDep, _: Reader) -> LatestRun:
    records = await gateway.read("api/latest_run")
    if not records:
        raise ProblemError(404, "run-not-found", "no detection run has completed yet: run `sockhound detect`")
    record = records[0]
    counts = json.loads(record["counts"]) if record["counts"] else {}
    count_results(request, 1)
    return LatestRun.model_validate({
        **record, "counts": {name: value for name, value in counts.items() if isinstance(value, int | float)}})
