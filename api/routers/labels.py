"""`/v1/labels`: ban decisions and clearances from ban tooling; the next detection run uses them."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, status

from api.dependencies import GatewayDep, Writer
from api.guard import count_results
from api.models import LabelsRequest, LabelsResponse, RecordedLabel
from api.problems import PROBLEM_RESPONSES, FieldError, ProblemError
from sockhound.label_decisions import label_decision_key

router = APIRouter(prefix="/v1", tags=["labels"], responses=PROBLEM_RESPONSES)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.post("/labels", response_model=LabelsResponse, status_code=status.HTTP_201_CREATED,
             summary="Record ban decisions (abusive) and clearances (benign)")
async def record_labels(body: LabelsRequest, request: Request, gateway: GatewayDep,
                        principal: Writer) -> LabelsResponse:
    """All or nothing: when any account is unknown, nothing is recorded and the 404 lists them. The key's name
    is the decision's provenance; a `source` sent is kept as the sender's claim."""
    wanted = list(dict.fromkeys(label.account_id for label in body.labels))
    known = {record["accountId"] for record in await gateway.read("api/account_exists", {"accountIds": wanted})}
    unknown = [account for account in wanted if account not in known]
    if unknown:
        raise ProblemError(404, "account-not-found", f"{len(unknown)} unknown account(s); nothing was recorded",
                           errors=[FieldError(field=f"body.labels.{index}.account_id", message="unknown account")
                                   for index, label in enumerate(body.labels) if label.account_id in unknown])
    rows = []
    for label in body.labels:
        at = _utc(label.at)
        # The key names the decision per API key: a claimed source cannot merge into another key's decision.
        identity = f"{principal.name}\x00{label.source or ''}"
        rows.append({"accountId": label.account_id, "label": label.label, "claimedSource": label.source,
                     "at": int(at.timestamp() * 1000),
                     "decisionKey": label_decision_key(label.account_id, label.label, identity, at)})
    records = await gateway.write("api/record_labels", {"rows": rows, "recordedBy": principal.name})
    count_results(request, len(records))
    return LabelsResponse(recorded=[RecordedLabel.model_validate(dict(record)) for record in records])
