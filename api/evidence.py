"""How much one shared evidence node links, as the API reports it: its rarity weight, or 0 with the reason
(above its kind's hub cap, or allow-listed). The same rules as the linkage projection (detect/)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from api.database import GraphGateway
from api.models import EvidenceRecord
from detect.config import DetectionSettings
from detect.explain import rarity_weight
from sockhound.vocabulary import ALLOW_LIST_KIND_OF

IgnoredReason = Literal["hub-cap", "allow-listed"]


async def active_allow_list_keys(gateway: GraphGateway) -> dict[str, set[str]]:
    """The allow-list keys in force now, by allow-list kind (payment, subnet, prompt)."""
    active: dict[str, set[str]] = defaultdict(set)
    for record in await gateway.read("detect/allow_list_entries", {"now": int(time.time() * 1000)}):
        if record["active"]:
            active[str(record["kind"])].add(str(record["key"]))
    return active


@dataclass(frozen=True)
class EvidenceWeigher:
    detection: DetectionSettings
    accounts: int = 0
    allowed: dict[str, set[str]] | None = None

    @classmethod
    async def current(cls, gateway: GraphGateway, detection: DetectionSettings) -> EvidenceWeigher:
        accounts = int((await gateway.read("detect/account_count"))[0]["accounts"])
        return cls(detection, accounts, await active_allow_list_keys(gateway))

    def ignored(self, kind: str, key: str, shared_by: int, subnet_key: str | None = None) -> IgnoredReason | None:
        """Why this node links nothing, or None. `subnet_key` is an address's subnet (its allow-list key)."""
        if shared_by > self.detection.hub_caps.get(kind, 0):
            return "hub-cap"
        listed_key = subnet_key if kind == "ip" else key
        if listed_key in (self.allowed or {}).get(ALLOW_LIST_KIND_OF.get(kind, ""), set()):
            return "allow-listed"
        return None

    def weight(self, kind: str, shared_by: int, ignored: IgnoredReason | None) -> float:
        if ignored is not None:
            return 0.0
        return rarity_weight(self.detection.kind_weights.get(kind, 0.0), shared_by, self.accounts)

    def query_parameters(self) -> dict[str, object]:
        """What a query needs to weigh nodes the same way ($accounts, $weights, $caps, $allow*)."""
        allowed = self.allowed or {}
        return {"accounts": self.accounts, "weights": dict(self.detection.kind_weights),
                "caps": dict(self.detection.hub_caps), "allowPayment": sorted(allowed.get("payment", set())),
                "allowSubnet": sorted(allowed.get("subnet", set())),
                "allowPrompt": sorted(allowed.get("prompt", set()))}


def explanation_records(explanation: str | None, limit: int | None = None) -> tuple[float | None,
                                                                                   list[EvidenceRecord]]:
    """The prior and the first `limit` records (all with None) of a stored explanation (JSON written by
    detection)."""
    if not explanation:
        return None, []
    stored: dict[str, Any] = json.loads(explanation)
    records = [EvidenceRecord.model_validate(item) for item in stored.get("records", [])[:limit]]
    return stored.get("prior", {}).get("contribution"), records
