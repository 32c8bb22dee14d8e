"""API response models read Neo4j records as the queries return them (camelCase keys, Neo4j times) and answer
snake_case JSON; the vocabulary's enums are the models' own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from neo4j.time import DateTime
from pydantic import ValidationError

from api.models import AccountSummary, AllowListEntryOut, IpAccount, LinkedAccount, NetworkMember
from sockhound.vocabulary import Label, Verdict


def test_a_record_with_camel_case_keys_and_neo4j_times_validates_and_dumps_snake_case() -> None:
    member = NetworkMember.model_validate({
        "accountId": "acct_1", "verdict": "suspect", "risk": 0.4, "label": None, "status": "active",
        "createdAt": DateTime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)})
    assert member.verdict is Verdict.SUSPECT
    assert member.created_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert member.model_dump(mode="json") == {"account_id": "acct_1", "verdict": "suspect", "risk": 0.4,
                                              "label": None, "status": "active",
                                              "created_at": "2026-03-02T10:00:00Z"}


def test_nested_records_and_epoch_millis() -> None:
    link = LinkedAccount.model_validate({
        "accountId": "b", "verdict": "sockpuppet", "risk": 0.9, "networkId": "net-1", "linkWeight": 1.5,
        "sharedCount": 1, "shared": [{"kind": "payment", "key": "ab" * 16, "sharedBy": 4, "weight": 1.5,
                                      "ignored": None}]})
    assert link.shared[0].shared_by == 4 and link.network_id == "net-1"
    entry = AllowListEntryOut.model_validate({
        "kind": "subnet", "key": None, "entryId": "e", "reason": "r", "addedBy": "k", "addedAt": 1_772_445_600_000,
        "expiresAt": None, "active": True, "keyGiven": False})
    assert entry.added_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC) and entry.expires_at is None
    seen = IpAccount.model_validate({"accountId": "a", "verdict": "clear", "risk": 0.0, "networkId": None,
                                     "exchanges": 3, "firstSeen": None, "lastSeen": None})
    assert seen.first_seen is None


def test_field_names_still_construct_and_bad_values_are_refused() -> None:
    summary = AccountSummary(account_id="a", verdict=Verdict.CLEAR, risk=0.1, network_id=None, label=Label.BENIGN,
                             status="active")
    assert summary.model_dump(mode="json")["label"] == "benign"
    with pytest.raises(ValidationError):
        AccountSummary.model_validate({"accountId": "a", "verdict": "evil", "risk": 0.1, "networkId": None,
                                       "label": None, "status": "active"})
    with pytest.raises(ValidationError):
        AccountSummary.model_validate({"accountId": "a", "verdict": "clear", "risk": 1.5, "networkId": None,
                                       "label": None, "status": "active"})
