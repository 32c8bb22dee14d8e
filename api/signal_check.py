"""The sign-up check (`POST /v1/signals:check`): raw signals of a sign-up or a first request, hashed with the
platform key on the way in, answered from the graph.

What the answer means. Each evidence node the signals would share with accounts already in the graph is one
record. Its *tie* is how likely the newcomer belongs with that node's holders, as far as that node says:
``tie = rarity * flagged share``.

* ``rarity`` is the linkage weight that node would have with the newcomer as one more holder
  (``detect.explain.rarity_weight``: the kind's weight at k = 2, falling to 0 as k nears N), the same rule the
  linkage projection and `/v1/accounts/{id}/links` use. Common nodes, nodes above their kind's hub cap and
  allow-listed ones weigh 0 and say why.
* ``flagged share`` is the mean, over the node's holders, of what the last detection run and the labels say
  of them: 1 for a banned account or one labelled abusive, else its risk. It is estimated from the graph being
  asked, never from a table of weights: a card held by one banned account ties fully, a family's card held by
  three clear accounts ties not at all, however rare.

The records combine as a noisy-OR, ``risk = 1 - prod(1 - tie)``: any one strong tie suffices, and weak ones add
up. Records are ordered by tie, strongest first, and each one's ``contribution`` is how much it raised the risk
after the ones before it, so the contributions sum to the risk. The verdict uses detection's thresholds.

Nothing raw is kept: the values live in this request's memory only, the keys are not returned (they would make
this endpoint a hash oracle, which `/v1/ips` guards with its own scope), and no log line holds either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from detect.config import DetectionSettings
from detect.explain import rarity_weight
from detect.scoring import verdict_of
from sockhound.fingerprints import PromptFingerprinter
from sockhound.privacy import (
    KIND_EMAIL,
    KIND_IP,
    KIND_PAYMENT,
    KIND_PROMPT_UPSTREAM,
    KIND_SUBNET,
    KeyedHasher,
    ip_facts,
    normalise_email,
)
from sockhound.sensitive import contains_card_number
from sockhound.vocabulary import AccountStatus, Label, Verdict

PROMPT_MAX_CHARS: Final = 32_768
MAX_ACCOUNTS_SHOWN: Final = 50
BANNED_STATUS: Final = AccountStatus.BANNED

Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


def _written_address(value: object) -> object:
    """An address arrives as text; lax mode would take `false` or `0` for 0.0.0.0."""
    if not isinstance(value, str):
        raise ValueError("must be an IP address written as text")
    return value


IpAddress = Annotated[IPv4Address | IPv6Address, BeforeValidator(_written_address)]


class SignalCheckRequest(BaseModel):
    """Raw signals of one sign-up or first request; give at least one."""

    # The schema says "at least one key" as far as JSON Schema can; a present key with a null value is refused too.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": [name]} for name in ("ip", "payment_fingerprint", "email", "prompt", "prompt_fingerprint")]})

    ip: IpAddress | None = Field(default=None, description="The address it came from.")
    payment_fingerprint: Token | None = Field(
        default=None, description="The processor's instrument fingerprint (a token, never a card number).")
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320,
                                            pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = Field(
        default=None, description="The sign-up's e-mail address (normalised as the loaders do: case, +tags).")
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=PROMPT_MAX_CHARS)] | None = Field(
        default=None, description="The first prompt's text; fingerprinted like the loaders do, never kept.")
    prompt_fingerprint: Token | None = Field(
        default=None, description="An upstream prompt fingerprint, as in the exchanges table.")

    @field_validator("payment_fingerprint")
    @classmethod
    def _no_card_number(cls, value: str | None) -> str | None:
        if value is not None and contains_card_number(value):  # never echo it: the message names no value
            raise ValueError("holds a card number; send the processor's fingerprint instead")
        return value

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and normalise_email(value) is None:
            raise ValueError("is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _at_least_one(self) -> SignalCheckRequest:
        if all(value is None for value in (self.ip, self.payment_fingerprint, self.email, self.prompt,
                                           self.prompt_fingerprint)):
            raise ValueError("give at least one signal: ip, payment_fingerprint, email, prompt or "
                             "prompt_fingerprint")
        return self


class SignalEvidence(BaseModel):
    """One evidence node the signals share with the graph, and how much it ties the newcomer to its holders."""

    kind: str = Field(description="payment, ip, subnet, email, exact, template, nearband or upstream.")
    shared_by: int = Field(description="Accounts in the graph holding it.")
    flagged_accounts: int = Field(description="Holders banned, labelled abusive, or `sockpuppet` / `suspect`.")
    flagged_share: float = Field(description="Mean over holders of 1 (banned / abusive) or their risk.")
    rarity: float = Field(description="Its linkage weight with the newcomer as one more holder; 0 when ignored.")
    tie: float = Field(description="rarity * flagged_share: this record's own probability of belonging.")
    contribution: float = Field(description="How much it raised the risk after the records before it.")
    network_ids: list[str] = Field(description="Networks its holders belong to.")
    ignored: str | None = Field(default=None, description="`common`, `hub-cap` or `allow-listed`: it links "
                                                          "nothing.")


class SignalAccount(BaseModel):
    account_id: str
    verdict: Verdict
    risk: float
    label: Label | None
    status: str
    network_id: str | None
    shared_kinds: list[str] = Field(description="What the signals share with it.")


class SignalNetwork(BaseModel):
    network_id: str
    verdict: Verdict | None
    risk: float | None
    size: int | None
    accounts_sharing: int = Field(description="Its members that share something with the signals.")


class SignalCheckResult(BaseModel):
    verdict: Verdict
    risk: float = Field(ge=0.0, le=1.0)
    evidence: list[SignalEvidence] = Field(description="Strongest tie first; contributions sum to the risk.")
    networks: list[SignalNetwork] = Field(description="Networks sharing rare evidence, riskiest first.")
    accounts: list[SignalAccount] = Field(
        description=f"Banned, abusive or flagged accounts sharing rare evidence, riskiest first (at most "
                    f"{MAX_ACCOUNTS_SHOWN}).")
    accounts_in_graph: int


def signal_keys(request: SignalCheckRequest, hasher: KeyedHasher,
                fingerprinter: PromptFingerprinter) -> dict[str, list[str]]:
    """The keyed hashes of the signals, by the query parameter that looks them up; normalised as the loaders
    normalise what they load, so the keys are the graph's."""
    keys: dict[str, list[str]] = {"paymentKeys": [], "ipKeys": [], "subnetKeys": [], "emailKeys": [],
                                  "promptKeys": []}
    if request.ip is not None:
        address, _version, subnet = ip_facts(str(request.ip))
        keys["ipKeys"].append(hasher.hash_one(KIND_IP, address))
        keys["subnetKeys"].append(hasher.hash_one(KIND_SUBNET, subnet))
    if request.payment_fingerprint is not None:
        keys["paymentKeys"].append(hasher.hash_one(KIND_PAYMENT, request.payment_fingerprint))
    if request.email is not None:
        normalised = normalise_email(request.email)
        if normalised is not None:
            keys["emailKeys"].append(hasher.hash_one(KIND_EMAIL, normalised[0]))
    if request.prompt is not None:
        [row] = fingerprinter.fingerprint([request.prompt]).to_dict("records")
        keys["promptKeys"] += [str(row["exactKey"]), str(row["templateKey"]), *map(str, row["bandKeys"])]
    if request.prompt_fingerprint is not None:
        keys["promptKeys"].append(hasher.hash_one(KIND_PROMPT_UPSTREAM, request.prompt_fingerprint))
    return keys


def _holder_score(holder: Mapping[str, Any]) -> float:
    """What is known against one holder: 1 when banned or labelled abusive, else its risk."""
    if holder.get("status") == BANNED_STATUS or holder.get("label") == Label.ABUSIVE:
        return 1.0
    return float(holder.get("risk") or 0.0)


def _flagged(holder: Mapping[str, Any]) -> bool:
    return _holder_score(holder) >= 1.0 or holder.get("verdict") in (Verdict.SOCKPUPPET, Verdict.SUSPECT)


def score_signals(accounts: int, evidence: Sequence[Mapping[str, Any]],
                  detection: DetectionSettings) -> SignalCheckResult:
    """The answer from the query's rows (see the module docstring); pure, so it is tested without a server."""
    scored: list[tuple[float, SignalEvidence]] = []
    accounts_by_id: dict[str, dict[str, Any]] = {}
    for item in evidence:
        kind = str(item["kind"])
        holders: list[Mapping[str, Any]] = list(item.get("holders") or [])
        shared_by = int(item.get("sharedBy") or len(holders))
        ignored = item.get("ignored")
        share = sum(_holder_score(h) for h in holders) / len(holders) if holders and not ignored else 0.0
        rarity = 0.0 if ignored else rarity_weight(detection.kind_weights.get(kind, 0.0), shared_by + 1,
                                                   accounts + 1)
        tie = min(1.0, rarity * share)
        networks = sorted({str(h["networkId"]) for h in holders if h.get("networkId")})
        flagged = [h for h in holders if _flagged(h)]
        scored.append((tie, SignalEvidence(
            kind=kind, shared_by=shared_by, flagged_accounts=len(flagged), flagged_share=round(share, 6),
            rarity=round(rarity, 6), tie=round(tie, 6), contribution=0.0, network_ids=networks,
            ignored=str(ignored) if ignored else None)))
        for holder in flagged:
            entry = accounts_by_id.setdefault(str(holder["accountId"]), {**holder, "kinds": set()})
            entry["kinds"].add(kind)
    scored.sort(key=lambda pair: (-pair[0], pair[1].kind, -pair[1].shared_by))
    survival = 1.0
    records: list[SignalEvidence] = []
    for tie, record in scored:
        before = 1.0 - survival
        survival *= 1.0 - tie
        records.append(record.model_copy(update={"contribution": round((1.0 - survival) - before, 6)}))
    risk = min(1.0, max(0.0, 1.0 - survival))
    return SignalCheckResult(
        verdict=verdict_of(risk, detection), risk=round(risk, 6), evidence=records,
        networks=_networks(evidence), accounts=_accounts(accounts_by_id), accounts_in_graph=accounts)


def _networks(evidence: Sequence[Mapping[str, Any]]) -> list[SignalNetwork]:
    members: dict[str, set[str]] = {}
    facts: dict[str, Mapping[str, Any]] = {}
    for item in evidence:
        if item.get("ignored"):
            continue
        for holder in item.get("holders") or []:
            if holder.get("networkId"):
                members.setdefault(str(holder["networkId"]), set()).add(str(holder["accountId"]))
                facts[str(holder["networkId"])] = holder
    networks = [
        SignalNetwork(network_id=network_id, verdict=facts[network_id].get("networkVerdict"),
                      risk=facts[network_id].get("networkRisk"), size=facts[network_id].get("networkSize"),
                      accounts_sharing=len(sharing))
        for network_id, sharing in members.items()
    ]
    return sorted(networks, key=lambda n: (-(n.risk or 0.0), -n.accounts_sharing, n.network_id))


def _accounts(accounts_by_id: Mapping[str, Mapping[str, Any]]) -> list[SignalAccount]:
    ranked = sorted(accounts_by_id.values(), key=lambda h: (-_holder_score(h), str(h["accountId"])))
    return [
        SignalAccount(account_id=str(h["accountId"]), verdict=h.get("verdict") or Verdict.CLEAR,
                      risk=float(h.get("risk") or 0.0), label=h.get("label"), status=str(h.get("status")),
                      network_id=h.get("networkId"), shared_kinds=sorted(h["kinds"]))
        for h in ranked[:MAX_ACCOUNTS_SHOWN]
    ]
