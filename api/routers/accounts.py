"""`/v1/accounts`: one account's verdict and why, many at once, and the accounts linked to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.dependencies import DetectionDep, GatewayDep, Reader
from api.evidence import active_allow_list_keys, explanation_records
from api.guard import count_results
from api.models import (
    AccountSummary,
    AccountVerdict,
    LinkedAccount,
    LinksPage,
    LookupRequest,
    LookupResponse,
)
from api.pagination import encode_cursor, offset_of
from api.problems import PROBLEM_RESPONSES, NotFoundError
from sockhound.vocabulary import AllowListKind

router = APIRouter(prefix="/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)
AccountPath = Annotated[str, Path(min_length=1, max_length=128, description="The platform's account id.")]


@router.get("/accounts/{account_id}", response_model=AccountVerdict, summary="An account's verdict and why")
async def get_account(
    request: Request, account_id: AccountPath, gateway: GatewayDep, _: Reader,
    evidence: Annotated[int, Query(ge=0, le=50, description="How many evidence records to return.")] = 5,
) -> AccountVerdict:
    records = await gateway.read("api/account", {"accountId": account_id})
    if not records:
        raise NotFoundError("account", account_id)
    record = records[0]
    prior, top = explanation_records(record["explanation"], evidence)
    count_results(request, 1)
    return AccountVerdict.model_validate({**record, "priorRisk": prior, "topEvidence": top})


@router.post("/accounts:lookup", response_model=LookupResponse, summary="Verdicts of up to 1,000 accounts")
async def lookup_accounts(body: LookupRequest, request: Request, gateway: GatewayDep, _: Reader) -> LookupResponse:
    wanted = list(dict.fromkeys(body.account_ids))
    [record] = await gateway.read("api/accounts_lookup", {"accountIds": wanted})
    found = {row["accountId"]: AccountSummary.model_validate(row) for row in record["accounts"]}
    count_results(request, len(found))
    return LookupResponse(accounts=[found[account] for account in wanted if account in found],
                          not_found=[account for account in wanted if account not in found])


@router.get("/accounts/{account_id}/links", response_model=LinksPage,
            summary="Accounts linked to this one, with the shared evidence, strongest first")
async def list_account_links(
    request: Request, account_id: AccountPath, gateway: GatewayDep, detection: DetectionDep, _: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    shared: Annotated[int, Query(ge=1, le=500, description="Shared items listed per link (heaviest first).")] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
) -> LinksPage:
    offset = offset_of(cursor)
    allowed = await active_allow_list_keys(gateway)
    [record] = await gateway.read("api/account_links", {
        "accountId": account_id, "hubCaps": detection.hub_caps, "kindWeights": detection.kind_weights,
        "allowed": {kind.value: sorted(allowed.get(kind, ())) for kind in AllowListKind},
        "skip": offset, "limit": limit, "maxShared": shared,
    })
    total = int(record["total"])
    if total == 0 and not await gateway.read("api/account_exists", {"accountIds": [account_id]}):
        raise NotFoundError("account", account_id)
    links = [LinkedAccount.model_validate(link) for link in record["links"]]
    following = offset + limit
    count_results(request, len(links))
    return LinksPage(account_id=account_id, total=total, links=links,
                     next_cursor=encode_cursor({"offset": following}) if following < total else None)

