"""`/v1/signals:check`: does a sign-up (or a first request) share rare evidence with banned or flagged
accounts or a known network? Raw signals in, keyed hashes to the graph, nothing raw kept or logged
(`api/signal_check.py` says what the risk means)."""

from __future__ import annotations

import time
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.dependencies import DetectionDep, GatewayDep, HasherDep, Reader
from api.guard import count_results
from api.problems import PROBLEM_RESPONSES
from api.signal_check import SignalCheckRequest, SignalCheckResult, score_signals, signal_keys
from sockhound.fingerprints import PromptFingerprinter

router = APIRouter(prefix="/v1", tags=["signals"], responses=PROBLEM_RESPONSES)


async def get_fingerprinter(request: Request) -> PromptFingerprinter:
    """The app's prompt fingerprinter, keyed with the platform key (built with the app)."""
    return cast(PromptFingerprinter, request.app.state.fingerprinter)


FingerprinterDep = Annotated[PromptFingerprinter, Depends(get_fingerprinter)]


@router.post("/signals:check", response_model=SignalCheckResult,
             summary="Does a sign-up share rare evidence with banned or flagged accounts or a network?")
async def check_signals(
    body: SignalCheckRequest, request: Request, gateway: GatewayDep, detection: DetectionDep, _: Reader,
    hasher: HasherDep, fingerprinter: FingerprinterDep,
) -> SignalCheckResult:
    # Fingerprinting a prompt is ~20 ms of CPU (pyarrow compiles each of its regular expressions per call): off
    # the event loop, so it never stalls the lookups served beside it.
    keys = await run_in_threadpool(signal_keys, body, hasher, fingerprinter) if body.prompt else signal_keys(
        body, hasher, fingerprinter)
    [record] = await gateway.read("api/signal_evidence", {
        **keys, "hubCaps": detection.hub_caps, "now": int(time.time() * 1000)})
    result = score_signals(int(record["accounts"]), record["evidence"], detection)
    count_results(request, len(result.evidence))
    return result
