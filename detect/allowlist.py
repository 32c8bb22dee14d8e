"""Allow-list of known shared infrastructure (subnets, payment fingerprints, prompt fingerprints).

Entries are stored as `(:AllowListEntry {kind, key, entryId, reason, expiresAt, addedBy})`, keyed by the same keyed
hash the loaders store, so raw values never reach the graph: a subnet (`203.0.113.0/24`, or one address in
it) hashes like `sockhound.privacy.hash_ips` hashes subnets, a payment fingerprint like
`hash_payment_fingerprints`, prompt text to both its exact and its template fingerprint. A value that is
already a key (32 hex characters) is taken as is. Expired entries stay listed but no longer apply. Every add
and removal also leaves an `(:AllowListEvent {action, kind, key, entryId, by, via, at})` in the graph.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sockhound.graph import Graph
from sockhound.key_check import verify_graph_key
from sockhound.privacy import IPV4_SUBNET_BITS, IPV6_SUBNET_BITS, KIND_PAYMENT, KIND_SUBNET, KeyedHasher
from sockhound.vocabulary import AllowListKind

ALLOW_LIST_KINDS: Final = tuple(AllowListKind)
KEY_PATTERN: Final = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class AllowListEntry:
    kind: str
    key: str
    reason: str | None
    added_by: str | None
    added_at: datetime | None
    expires_at: datetime | None
    active: bool


def _subnet_text(value: str) -> str:
    """The canonical /24 (IPv4) or /48 (IPv6) the loaders hash, from a CIDR or one address."""
    text = value.strip()
    if "/" in text:
        network = ipaddress.ip_network(text, strict=False)
        bits = IPV4_SUBNET_BITS if network.version == 4 else IPV6_SUBNET_BITS
        if network.prefixlen != bits:
            raise ValueError(f"subnets are tracked as /{bits} for IPv{network.version}; got /{network.prefixlen}")
        return str(network)
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = IPV4_SUBNET_BITS if address.version == 4 else IPV6_SUBNET_BITS
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def is_key(value: str) -> bool:
    """The value is already a graph key (32 hex characters), not a raw value."""
    return bool(KEY_PATTERN.match(value.strip()))


def allow_list_keys(kind: str, value: str, hasher: KeyedHasher) -> list[str]:
    """The graph keys a raw value (or an already-hashed key) stands for."""
    if kind not in ALLOW_LIST_KINDS:
        raise ValueError(f"unknown allow-list kind {kind!r}; expected one of {', '.join(ALLOW_LIST_KINDS)}")
    if KEY_PATTERN.match(value.strip()):
        return [value.strip()]
    if kind == AllowListKind.SUBNET:
        return [hasher.hash_one(KIND_SUBNET, _subnet_text(value))]
    if kind == AllowListKind.PAYMENT:
        return [hasher.hash_one(KIND_PAYMENT, value.strip())]
    from sockhound.fingerprints import PromptFingerprinter  # heavy import, only for prompt text

    table = PromptFingerprinter(hasher).fingerprint([value])
    return sorted({str(table.loc[0, "exactKey"]), str(table.loc[0, "templateKey"])})


def _epoch_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def add_entry(graph: Graph, kind: str, value: str, reason: str,
              expires_at: datetime | None, added_by: str | None = None) -> list[str]:
    """Add (or renew) the entries for a value; returns the keys written."""
    if not reason.strip():
        raise ValueError("an allow-list entry needs a reason")
    settings = graph.settings
    verify_graph_key(graph, settings.hash_key())
    keys = allow_list_keys(kind, value, KeyedHasher(settings.hash_key()))
    for key in keys:
        graph.write("detect/allow_list_add", {
            "kind": kind, "key": key, "reason": reason, "expiresAt": _epoch_ms(expires_at), "addedBy": added_by,
            "via": "cli", "keyGiven": is_key(value),
        })
    return keys


def remove_entry(graph: Graph, kind: str, value: str, removed_by: str | None = None) -> int:
    settings = graph.settings
    verify_graph_key(graph, settings.hash_key())
    keys = allow_list_keys(kind, value, KeyedHasher(settings.hash_key()))
    removed = 0
    for key in keys:
        records = graph.write("detect/allow_list_remove", {
            "kind": kind, "key": key, "entryId": None, "removedBy": removed_by, "via": "cli"})
        removed += int(records[0]["removed"]) if records else 0
    return removed


def _datetime(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def list_entries(graph: Graph, now: datetime | None = None) -> list[AllowListEntry]:
    now_ms = _epoch_ms(now) if now is not None else int(time.time() * 1000)
    return [
        AllowListEntry(
            kind=str(record["kind"]), key=str(record["key"]), reason=record["reason"], added_by=record["addedBy"],
            added_at=_datetime(record["addedAt"]), expires_at=_datetime(record["expiresAt"]),
            active=bool(record["active"]),
        )
        for record in graph.read("detect/allow_list_entries", {"now": now_ms})
    ]


def active_allow_list(graph: Graph) -> dict[str, set[str]]:
    """Keys in force now, by kind."""
    active: dict[str, set[str]] = {kind: set() for kind in ALLOW_LIST_KINDS}
    for entry in list_entries(graph):
        if entry.active:
            active.setdefault(entry.kind, set()).add(entry.key)
    return active
