"""`/v1/labels`: ban decisions and clearances from ban tooling; the next detection run uses them."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from api.dependencies import GatewayDep, Writer
from api.models import LabelsRequest, LabelsResponse, RecordedLabel
from api.problems import PROBLEM_RESPONSES, FieldError, ProblemError
from loaders.label_decisions import label_decision_key

router = APIRouter(prefix="/v1", tags=["labels"], responses=PROBLEM_RESPONSES)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.post("/labels", response_model=LabelsResponse, status_code=status.HTTP_201_CREATED,
             summary="Record ban decisions (abusive) and clearances (benign)")
async def record_labels(request: LabelsRequest, gateway: GatewayDep, principal: Writer) -> LabelsResponse:
    """All or nothing: when any account is unknown, nothing is recorded and the 404 lists them."""
    wanted = list(dict.fromkeys(label.account_id for label in request.labels))
    known = {record["accountId"] for record in await gateway.read("api/account_exists", {"accountIds": wanted})}
    unknown = [account for account in wanted if account not in known]
    if unknown:
        raise ProblemError(404, "account-not-found", f"{len(unknown)} unknown account(s); nothing was recorded",
                           errors=[FieldError(field=f"body.labels.{index}.account_id", message="unknown account")
                                   for index, label in enumerate(request.labels) if label.account_id in unknown])
    rows = []
    for label in request.labels:
        source = label.source or principal.name
        at = _utc(label.at)
        rows.append({"accountId": label.account_id, "label": label.label, "source": source,
                     "at": int(at.timestamp() * 1000),
                     "decisionKey": label_decision_key(label.account_id, label.label, source, at)})
    records = await gateway.write("api/record_labels", {"rows": rows, "recordedBy": principal.name})
    return LabelsResponse(recorded=[RecordedLabel(account_id=record["accountId"], label=record["label"])
                                    for record in records])
