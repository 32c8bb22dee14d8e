"""The sign-up check's score, without a server: ties from the holders' own record, noisy-OR, a waterfall."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from api.signal_check import SignalCheckRequest, score_signals
from detect.config import DetectionSettings

SETTINGS = DetectionSettings()
N = 100_000


def holder(account: str, *, risk: float = 0.0, verdict: str = "clear", label: str | None = None,
           status: str = "active", network: str | None = None) -> dict[str, Any]:
    return {"accountId": account, "risk": risk, "verdict": verdict, "label": label, "status": status,
            "networkId": network, "networkVerdict": "sockpuppet" if network else None,
            "networkRisk": 0.97 if network else None, "networkSize": 40 if network else None}


def node(kind: str, holders: list[dict[str, Any]], ignored: str | None = None,
         shared_by: int | None = None) -> dict[str, Any]:
    return {"kind": kind, "sharedBy": shared_by if shared_by is not None else len(holders), "ignored": ignored,
            "holders": [] if ignored else holders}


def test_a_card_of_one_banned_account_is_a_sockpuppet_tie() -> None:
    result = score_signals(N, [node("payment", [holder("banned", status="banned")])], SETTINGS)
    assert result.verdict == "sockpuppet" and result.risk == pytest.approx(1.0)
    assert [a.account_id for a in result.accounts] == ["banned"]


def test_a_family_card_of_clear_accounts_ties_nothing_however_rare() -> None:
    family = [holder(f"member-{i}", risk=0.01) for i in range(3)]
    result = score_signals(N, [node("payment", family)], SETTINGS)
    assert result.verdict == "clear" and result.risk < 0.02 and result.accounts == []


def test_common_and_hub_nodes_link_nothing_and_say_why() -> None:
    result = score_signals(N, [node("ip", [], ignored="common", shared_by=20_000),
                               node("subnet", [], ignored="hub-cap", shared_by=500)], SETTINGS)
    assert result.risk == 0.0
    assert {(r.kind, r.ignored, r.rarity) for r in result.evidence} == {("ip", "common", 0.0),
                                                                        ("subnet", "hub-cap", 0.0)}


def test_ties_combine_as_a_noisy_or_whose_waterfall_sums_to_the_risk() -> None:
    ring = [holder(f"ring-{i}", risk=0.9, verdict="sockpuppet", network="net-1") for i in range(4)]
    crowd = [holder(f"crowd-{i}", risk=0.0) for i in range(30)] + ring[:1]
    result = score_signals(N, [node("ip", crowd), node("template", ring), node("payment", ring[:2])], SETTINGS)
    ties = [r.tie for r in result.evidence]
    assert ties == sorted(ties, reverse=True)
    expected = 1.0
    for tie in ties:
        expected *= 1.0 - tie
    assert result.risk == pytest.approx(1.0 - expected, abs=1e-5)
    assert sum(r.contribution for r in result.evidence) == pytest.approx(result.risk, abs=1e-5)
    assert [n.network_id for n in result.networks] == ["net-1"] and result.networks[0].accounts_sharing == 4


def test_a_rarer_node_of_the_same_holders_ties_more() -> None:
    ring = [holder(f"ring-{i}", risk=0.9, verdict="sockpuppet") for i in range(3)]
    rare = score_signals(N, [node("payment", ring)], SETTINGS).risk
    busier = score_signals(N, [node("payment", ring, shared_by=50)], SETTINGS).risk
    assert rare > busier > 0


@pytest.mark.parametrize("body", [
    {},
    {"payment_fingerprint": "4111-1111-1111-1111"},
    {"payment_fingerprint": "tok 5500 0000 0000 0004"},
    {"email": "nobody"},
    {"ip": "1.2.3.4", "unknown": "a-value-to-hide"},
    {"ip": False},
    {"ip": 16909060},
])
def test_requests_without_a_usable_signal_or_with_a_card_number_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        SignalCheckRequest.model_validate(body)
    for value in body.values():
        assert str(value) not in str(refused.value.errors(include_input=False, include_url=False))
