"""The words every layer shares, defined once.

Verdicts (what ban tooling acts on), label values, evidence kinds, allow-list kinds, the statuses the graph
records, and the graph's own node labels and relationship types. The Cypher in `queries/` spells the same
words as literals; `tests/unit/test_vocabulary.py` reads every query and fails on a word defined nowhere here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

VERDICT_COLUMNS: Final = ("account_id", "verdict", "risk", "network_id")
"""The columns of a verdict export (docs/contract.md), in order."""
BENIGN_ACTOR: Final = "benign"
"""The `actor` of a genuine account in a simulator's truth.csv."""


class Verdict(StrEnum):
    """`sockpuppet`: ban tooling may act; `suspect`: queue for review; `clear`: nothing found."""

    SOCKPUPPET = "sockpuppet"
    SUSPECT = "suspect"
    CLEAR = "clear"


class Label(StrEnum):
    """Decisions already taken by people or other systems (the contract's labels table)."""

    ABUSIVE = "abusive"
    BENIGN = "benign"


class AccountStatus(StrEnum):
    """An account's standing on the platform (the contract's accounts.status)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"


class EvidenceKind(StrEnum):
    """What accounts can share: one kind per evidence node (PromptFingerprint carries its kind)."""

    PAYMENT = "payment"
    IP = "ip"
    SUBNET = "subnet"
    EXACT = "exact"
    TEMPLATE = "template"
    NEARBAND = "nearband"
    UPSTREAM = "upstream"
    SYNC = "sync"
    EMAIL = "email"


PROMPT_KINDS: Final[tuple[EvidenceKind, ...]] = (
    EvidenceKind.EXACT, EvidenceKind.TEMPLATE, EvidenceKind.NEARBAND, EvidenceKind.UPSTREAM)
"""The evidence kinds of a PromptFingerprint."""


class AllowListKind(StrEnum):
    """What an allow-list entry silences: a subnet (and its addresses), a payment method, a prompt."""

    SUBNET = "subnet"
    PAYMENT = "payment"
    PROMPT = "prompt"


ALLOW_LIST_KIND_OF: Final[dict[str, AllowListKind]] = {
    EvidenceKind.PAYMENT: AllowListKind.PAYMENT,
    EvidenceKind.IP: AllowListKind.SUBNET,  # an address is listed through its subnet
    EvidenceKind.SUBNET: AllowListKind.SUBNET,
    **{kind: AllowListKind.PROMPT for kind in PROMPT_KINDS},
}
"""Evidence kind -> the allow-list kind that silences it (sync and email are never allow-listed)."""


class AllowListAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class NetworkStatus(StrEnum):
    """`active`: found by the latest run; `dissolved`: a later run no longer found it."""

    ACTIVE = "active"
    DISSOLVED = "dissolved"


class RunStatus(StrEnum):
    """A detection run's progress."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    ABANDONED = "abandoned"  # still running when another run's write stage cleaned up after it


class BatchStatus(StrEnum):
    """A load batch's progress."""

    LOADING = "loading"
    COMPLETE = "complete"


class NodeLabel(StrEnum):
    """Every node label of the graph."""

    ACCOUNT = "Account"
    PAYMENT_METHOD = "PaymentMethod"
    IP_ADDRESS = "IpAddress"
    SUBNET = "Subnet"
    PROMPT_FINGERPRINT = "PromptFingerprint"
    SYNC_BUCKET = "SyncBucket"
    EMAIL_IDENTITY = "EmailIdentity"
    MODEL = "Model"
    NETWORK = "Network"
    ASSESSMENT = "Assessment"
    PUBLICATION = "Publication"
    DETECTION_RUN = "DetectionRun"
    LOAD_BATCH = "LoadBatch"
    REQUEST_LEDGER = "RequestLedger"
    LABEL_DECISION = "LabelDecision"
    ALLOW_LIST_ENTRY = "AllowListEntry"
    ALLOW_LIST_EVENT = "AllowListEvent"
    SCHEMA_MIGRATION = "SchemaMigration"
    HASH_KEY_CHECK = "HashKeyCheck"


class RelationshipType(StrEnum):
    """Every relationship type of the graph."""

    PAID_WITH = "PAID_WITH"
    SEEN_FROM = "SEEN_FROM"
    IN_SUBNET = "IN_SUBNET"
    SENT = "SENT"
    IN_SYNC_BUCKET = "IN_SYNC_BUCKET"
    SIGNED_UP_WITH = "SIGNED_UP_WITH"
    USED_MODEL = "USED_MODEL"
    MEMBER_OF = "MEMBER_OF"
    ABOUT = "ABOUT"


PROPERTY_VOCABULARY: Final[dict[str, tuple[type[StrEnum], ...]]] = {
    "verdict": (Verdict,),
    "label": (Label,),
    "kind": (EvidenceKind, AllowListKind),
    "listKind": (AllowListKind,),
    "action": (AllowListAction,),
    "status": (AccountStatus, NetworkStatus, RunStatus, BatchStatus),
}
"""Properties whose values are vocabulary words: a Cypher literal compared with or assigned to one of them
must be a member of one of these enums."""
