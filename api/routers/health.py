"""`/healthz` (the process answers) and `/readyz` (the database answers too). No key needed, so neither says
anything about what the graph holds."""

from __future__ import annotations

from fastapi import APIRouter

from api.dependencies import GatewayDep
from api.models import Health, Readiness
from api.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: PROBLEM_RESPONSES[503]},
            summary="The database answers; 503 with Retry-After when it does not")
async def readyz(gateway: GatewayDep) -> Readiness:
    await gateway.read("api/readiness")
    return Readiness(status="ready")
