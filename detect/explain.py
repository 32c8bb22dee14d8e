"""Explanations as data: the stored waterfall of one account, and what two accounts share.

An account's explanation was written by the last detection run (`Account.explanation`, JSON): the prior,
then one evidence record per feature with its value, weight, log-odds and contribution in risk units;
the contributions and the prior's sum to the account's risk. Nothing is recomputed to serve it.
For a pair, the shared evidence nodes are read live (a two-account lookup) and weighted exactly as the
linkage projection weights them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from detect.allowlist import active_allow_list
from detect.config import DetectionSettings
from sockhound.errors import BadInputError
from sockhound.graph import Graph
from sockhound.vocabulary import ALLOW_LIST_KIND_OF, EvidenceKind


class UnknownAccountError(BadInputError, LookupError):
    """No account with that id in the graph."""


def account_explanation(graph: Graph, account_id: str) -> dict[str, Any]:
    """The stored explanation of an account (raises UnknownAccountError)."""
    records = graph.read("detect/explain_account", {"accountId": account_id})
    if not records:
        raise UnknownAccountError(account_id)
    record = records[0]
    stored = json.loads(record["explanation"]) if record["explanation"] else None
    network = dict(record["network"]) if record["network"] is not None else None
    if network is not None and network.get("features"):
        network["features"] = json.loads(network["features"])
    return {
        "accountId": record["accountId"],
        "risk": record["risk"],
        "verdict": record["verdict"] or "clear",
        "networkId": record["networkId"],
        "runId": record["runId"],
        "network": network,
        "prior": stored["prior"] if stored else None,
        "evidence": stored["records"] if stored else [],
    }


def rarity_weight(kind_weight: float, shared_by: int, accounts: int) -> float:
    """The linkage weight of one evidence node shared by `shared_by` of `accounts` accounts."""
    if shared_by < 2 or accounts <= 2:
        return 0.0
    return max(0.0, kind_weight * math.log(accounts / shared_by) / math.log(accounts / 2.0))


def pair_explanation(graph: Graph, account_id: str, other_id: str,
                     detection: DetectionSettings) -> dict[str, Any]:
    """What two accounts share: per evidence node its kind, how many accounts share it, and its weight
    (0 when common, above the hub cap or allow-listed, with the reason)."""
    for known in (account_id, other_id):
        if not graph.read("detect/explain_account", {"accountId": known}):
            raise UnknownAccountError(known)
    accounts = int(graph.read("detect/account_count")[0]["accounts"])
    allowed = active_allow_list(graph)
    shared: list[dict[str, Any]] = []
    for record in graph.read("detect/shared_evidence",
                             {"accountId": account_id, "otherId": other_id}):
        kind = str(record["kind"])
        shared_by = int(record["k"] or 0)
        ignored = None
        if record["common"]:
            ignored = "common"
        elif shared_by > detection.hub_caps.get(kind, 0):
            ignored = "hub"
        elif kind in ALLOW_LIST_KIND_OF and (
                record["subnetKey"] if kind == EvidenceKind.IP else record["key"]
        ) in allowed.get(ALLOW_LIST_KIND_OF[kind], set()):
            ignored = "allow-listed"
        weight = 0.0 if ignored else rarity_weight(detection.kind_weights.get(kind, 0.0), shared_by, accounts)
        shared.append({"kind": kind, "key": record["key"], "sharedBy": shared_by, "weight": weight,
                       "ignored": ignored})
    shared.sort(key=lambda item: (-item["weight"], item["kind"], item["key"]))
    first = account_explanation(graph, account_id)
    second = account_explanation(graph, other_id)
    return {
        "accountId": account_id,
        "otherId": other_id,
        "sameNetwork": first["networkId"] is not None and first["networkId"] == second["networkId"],
        "networkIds": [first["networkId"], second["networkId"]],
        "linkWeight": sum(item["weight"] for item in shared),
        "shared": shared,
    }
