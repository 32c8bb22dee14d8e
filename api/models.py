"""Request and response bodies. JSON field names are snake_case, like the contract's verdict columns.

Response bodies read from the graph derive from `FromRecord`: `Model.model_validate(record)` takes a Neo4j
record (or a map inside one) as the query returns it, with camelCase keys (`accountId`, `sharedBy`), through
validation aliases; the JSON answer keeps the snake_case field names. Graph times go through `GraphTime`, the one
conversion of a Neo4j DateTime (or epoch milliseconds) to a Python datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from pydantic import (
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.alias_generators import to_camel

from sockhound.label_decisions import TIME_RULE, decision_time_refused
from sockhound.vocabulary import AllowListKind, Label, Verdict

__all__ = ["AllowListKind", "Label", "Verdict"]  # the one vocabulary, re-exported for the routers

LOOKUP_MAX_IDS: Final = 1_000
LABELS_MAX: Final = 1_000

AccountId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


def _timestamp_text(value: object) -> object:
    """Timestamps travel as ISO-8601 text; a bare number is refused rather than read as epoch seconds."""
    if isinstance(value, bool | int | float):
        raise ValueError("expected an ISO-8601 timestamp such as 2026-03-02T10:00:00Z")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text)]


def _graph_time(value: object) -> object:
    """A time as the graph gives it: a Neo4j DateTime (`to_native`), or epoch milliseconds (an int); anything
    else (a datetime, None) as it is."""
    to_native = getattr(value, "to_native", None)
    if callable(to_native):
        return to_native()
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return value


GraphTime = Annotated[datetime | None, BeforeValidator(_graph_time)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FromRecord(BaseModel):
    """A response body validated from a record's camelCase keys; answered with snake_case names. Every field is
    marked required in the response schema (it is always sent, null or not), so generated clients get no
    `Unset` for them."""

    model_config = ConfigDict(alias_generator=AliasGenerator(validation_alias=to_camel), validate_by_name=True,
                              validate_by_alias=True, json_schema_serialization_defaults_required=True)


class AccountBrief(FromRecord):
    """What every answer says about an account it names."""

    account_id: str
    verdict: Verdict
    risk: float = Field(ge=0.0, le=1.0)


class EvidenceRecord(FromRecord):
    """One step of the account's risk waterfall (from the last detection run)."""

    kind: str = Field(description="`network` (its community as a whole), a channel of its own tie (e.g. `payment`, "
                                  "`linked`, `volume`; docs/scoring.md) or `labelAbusive` / `labelBenign`.")
    description: str = ""
    value: float = 0.0
    weight: float = Field(default=0.0, description="Log-odds per unit of the feature.")
    log_odds: float = 0.0
    contribution: float = Field(default=0.0, description="How much this record moved the risk (risk units).")
    items: int | None = Field(default=None, description="Shared evidence nodes of this kind.")
    shared_by: int | None = Field(default=None, description="Accounts sharing the rarest of them.")
    evidence_weight: float | None = None


class AccountSummary(AccountBrief):
    network_id: str | None
    label: Label | None = Field(description="The latest label decision (ban / clearance), if any.")
    status: str


class AccountVerdict(AccountSummary):
    run_id: str | None = Field(description="The detection run that scored the account; null if never scored.")
    prior_risk: float | None = Field(description="The waterfall's starting point, before any evidence.")
    top_evidence: list[EvidenceRecord] = Field(description="The records that moved the risk most, largest first.")


class LookupRequest(Body):
    account_ids: list[AccountId] = Field(min_length=1, max_length=LOOKUP_MAX_IDS)


class LookupResponse(BaseModel):
    accounts: list[AccountSummary]
    not_found: list[str]


class SharedEvidence(FromRecord):
    kind: str = Field(description="payment, ip, subnet, exact, template, nearband, upstream, sync or email.")
    key: str = Field(description="The evidence node's keyed hash (never a raw value).")
    shared_by: int = Field(description="How many accounts share it.")
    weight: float = Field(description="Its linkage weight (rarity-scaled); 0 when ignored.")
    ignored: str | None = Field(default=None, description="`allow-listed` when it links nothing.")


class LinkedAccount(AccountBrief):
    network_id: str | None
    link_weight: float = Field(description="Sum of the shared evidence weights.")
    shared_count: int = Field(description="Shared evidence items in all; `shared` lists the heaviest of them.")
    shared: list[SharedEvidence]


class LinksPage(BaseModel):
    account_id: str
    total: int = Field(description="Linked accounts in all pages.")
    links: list[LinkedAccount]
    next_cursor: str | None


class NetworkMember(AccountBrief):
    label: Label | None
    status: str
    created_at: GraphTime


class EvidenceKindSummary(FromRecord):
    kind: str
    shared_nodes: int = Field(description="Evidence nodes of this kind shared by two or more members.")
    max_members: int = Field(description="The most members any one of them links.")
    common_nodes: int = Field(description="How many of them are common hubs (link nothing).")


class NetworkEvidenceRecord(FromRecord):
    """Why a community was called a network: one channel of the network model's evidence (docs/scoring.md)."""

    kind: str = Field(description="The channel: payment, address, email, prompt, sync, burst, linked (traces); "
                                  "tightlyLinked (coordination); volume, flatRate, roundTheClock, capFocus, "
                                  "prepaid, banned (usage). docs/scoring.md.")
    family: str = Field(description="`trace`, `coordination` (pairs agreeing on several traces at once) or "
                                    "`usage` (how the members use the platform).")
    description: str
    members: int = Field(description="Members showing the channel.")
    share: float = Field(description="Estimated share of the network's own members that show it (EM).")
    null_share: float = Field(description="How often an account shows it by chance (null model, same data).")
    evidence: float = Field(description="Nats of evidence this channel gives that the community is one network.")


class NetworkSummary(FromRecord):
    network_id: str
    size: int
    risk: float
    verdict: Verdict | None
    status: str
    run_id: str | None


class NetworkDetail(NetworkSummary):
    first_run_id: str | None
    features: dict[str, float] = Field(description="The network features detection computed.")
    evidence: list[EvidenceKindSummary]
    evidence_records: list[NetworkEvidenceRecord] = Field(
        description="Why the community was called a network: the network model's evidence, strongest first.")
    members: list[NetworkMember] = Field(description="The first page of members, riskiest first.")
    members_truncated: bool = Field(description="True when the network has more members than this page.")
    members_next_cursor: str | None = Field(
        description="The `cursor` of `GET /v1/networks/{network_id}/members` for the next page; null at the end.")


class MembersPage(FromRecord):
    network_id: str
    size: int = Field(description="All members of the network.")
    members: list[NetworkMember] = Field(description="Riskiest first, then by account id.")
    next_cursor: str | None


class RunBrief(FromRecord):
    run_id: str
    status: str = Field(description="running, complete, failed, or abandoned (killed, or replaced by a later run "
                        "before it published; its results are removed).")
    stage: str | None = Field(default=None, description="How far a running run got (`write`: writing its results, "
                              "unseen until published); `published` once published.")
    started_at: GraphTime
    finished_at: GraphTime


class LatestRun(RunBrief):
    """The published detection run: every verdict, risk and network the API serves comes from it, all at once
    (a run becomes visible only when it completes), and what changed in the graph since it started."""

    published_at: GraphTime = Field(default=None, description="When it became the served run.")

    counts: dict[str, float] = Field(description="What the run counted (accounts, networks, verdicts, ...).")
    loads_since: int = Field(description="Load batches completed after the run started (not in its verdicts).")
    last_load_at: GraphTime = Field(description="When the last of them completed.")
    accounts_loaded_since: int = Field(description="Accounts those batches touched.")
    labels_since: int = Field(description="Label decisions recorded after the run started (the next run uses them).")
    accounts_not_scored: int = Field(description="Accounts whose verdict is not from this run (new since, or "
                                     "never scored).")
    later_runs: list[RunBrief] = Field(description="Runs started after it that are not published: running (with "
                                       "their stage), failed, abandoned, or complete with nothing to link.")


class NetworksPage(BaseModel):
    networks: list[NetworkSummary]
    next_cursor: str | None


class IpAccount(AccountBrief):
    network_id: str | None
    exchanges: int = Field(description="Exchanges the account sent from this address.")
    first_seen: GraphTime
    last_seen: GraphTime


class IpAccountsPage(FromRecord):
    ip_key: str = Field(description="The address's keyed hash; the raw address is neither stored nor returned.")
    version: int | None
    account_count: int | None
    common: bool
    subnet_key: str | None
    subnet_account_count: int | None
    accounts: list[IpAccount]
    next_cursor: str | None


class LabelIn(Body):
    account_id: AccountId
    label: Label
    source: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = Field(
        default=None, description="Who decided, as the sender says: kept as a claim. The decision's provenance is "
        "always the API key's name.")
    at: Timestamp | None = Field(default=None, description="When it was decided; defaults to now. From 2000-01-01 "
                                 "up to 5 minutes ahead (a later or earlier time is refused).")

    @field_validator("at")
    @classmethod
    def _plausible_time(cls, at: datetime | None) -> datetime | None:
        if at is not None and decision_time_refused(at):
            raise ValueError(TIME_RULE)
        return at


class LabelsRequest(Body):
    labels: list[LabelIn] = Field(min_length=1, max_length=LABELS_MAX)


class RecordedLabel(FromRecord):
    account_id: str
    label: Label


class LabelsResponse(BaseModel):
    recorded: list[RecordedLabel]


class AllowListEntryIn(Body):
    kind: AllowListKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=4_096, strip_whitespace=True)] = Field(
        description="A subnet (CIDR /24 or /48, or one address in it), a payment fingerprint, prompt text, or an "
        "already-hashed 32-hex key. Raw values are hashed with the platform key and never stored.")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    expires_at: Timestamp | None = Field(default=None, description="Null: never expires.")


class AllowListEntryOut(FromRecord):
    kind: AllowListKind
    key: str | None = Field(description="The entry's keyed hash, shown only when it was added by that key: the key "
                            "of a raw value is never told (it would confirm guesses against the graph).")
    entry_id: str | None = Field(description="Names the entry for `DELETE /v1/allowlist/{entry_id}`.")
    reason: str | None
    added_by: str | None
    added_at: GraphTime
    expires_at: GraphTime
    active: bool


class AllowListEntries(BaseModel):
    entries: list[AllowListEntryOut]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]


class GraphAccount(AccountBrief):
    """A member of the network, as a node of its evidence graph."""

    label: Label | None
    status: str


class GraphEvidence(FromRecord):
    """An evidence node two or more of the shown members share (never a `common` one)."""

    id: str = Field(description="`kind:key`, unique in the graph; edges name it.")
    kind: str = Field(description="payment, ip, subnet, exact, template, nearband, upstream, sync or email.")
    key: str = Field(description="The evidence node's keyed hash (never a raw value).")
    shared_by: int = Field(description="How many accounts share it, in the whole graph.")
    members: int = Field(description="How many of the shown members link it (its edges here).")
    weight: float = Field(description="Its linkage weight (rarity-scaled); 0 when ignored.")
    ignored: Literal["hub-cap", "allow-listed"] | None = Field(
        description="Why it links nothing in detection: shared by more accounts than its kind's hub cap, or "
        "allow-listed.")


class GraphEdge(FromRecord):
    """An account's link to an evidence node, with the relationship's aggregates where it has them."""

    account_id: str
    evidence_id: str
    count: int | None = Field(description="Exchanges over this link (addresses, subnets, prompt fingerprints).")
    first_seen: GraphTime
    last_seen: GraphTime


class EvidenceKindShown(BaseModel):
    kind: str
    shown: int = Field(description="Evidence nodes of this kind in the graph.")
    available: int = Field(description="Evidence nodes of this kind shared by two or more shown members.")


class NetworkGraph(BaseModel):
    """A network's members and the evidence they share, as nodes and edges for drawing."""

    network_id: str
    size: int = Field(description="All members of the network.")
    accounts: list[GraphAccount] = Field(description="The riskiest `member_limit` members, riskiest first.")
    evidence: list[GraphEvidence] = Field(description="Per kind, the nodes supplying the most linkage first.")
    edges: list[GraphEdge]
    kinds: list[EvidenceKindShown]
    member_limit: int
    evidence_per_kind: int
    truncated: bool = Field(description="True when members or evidence nodes were left out by the caps.")


class CaseMember(NetworkMember):
    prior_risk: float | None = Field(description="The waterfall's starting point, before any evidence.")
    evidence: list[EvidenceRecord] = Field(description="Every record of the member's risk waterfall, as stored "
                                           "by the detection run that scored it.")


class CaseFile(FromRecord):
    """Everything about one network for an investigation or an appeal: what it is, who is in it with each
    member's verdict and why, and the evidence two or more of its members share (keyed hashes, never raw)."""

    generated_at: datetime
    network: NetworkSummary
    first_run_id: str | None
    features: dict[str, float]
    evidence_records: list[NetworkEvidenceRecord]
    members: list[CaseMember]
    members_truncated: bool = Field(description="True when the network has more members than the case holds.")
    shared_evidence: list[GraphEvidence] = Field(description="Evidence nodes two or more members share (never a "
                                                 "`common` one), those supplying the most linkage first.")
    links: list[GraphEdge] = Field(description="Which member links which shared evidence node.")
