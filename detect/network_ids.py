"""Stable network ids: a new community keeps the id of the previous run's network it overlaps most.

Greedy matching by overlap, largest first, one-to-one: a pair is matched when its Jaccard similarity
reaches the threshold. Unmatched communities get a fresh id. Pure functions, no database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Mapping, Set
from typing import TypeVar

CommunityT = TypeVar("CommunityT", bound=Hashable)


def new_network_id() -> str:
    return f"net-{uuid.uuid4().hex[:12]}"


def match_network_ids(
    communities: Mapping[CommunityT, Set[str]],
    previous: Mapping[str, Set[str]],
    min_jaccard: float,
    fresh_id: Callable[[], str] = new_network_id,
) -> dict[CommunityT, str]:
    """Network id per community: inherited from the best-overlapping previous network, or fresh."""
    owner: dict[str, str] = {}
    for network_id, members in previous.items():
        for account in members:
            owner[account] = network_id
    candidates: list[tuple[int, float, str, CommunityT]] = []
    for community, members in communities.items():
        overlaps: dict[str, int] = {}
        for account in members:
            previous_id = owner.get(account)
            if previous_id is not None:
                overlaps[previous_id] = overlaps.get(previous_id, 0) + 1
        for network_id, overlap in overlaps.items():
            union = len(members) + len(previous[network_id]) - overlap
            jaccard = overlap / union if union else 0.0
            if jaccard >= min_jaccard:
                candidates.append((overlap, jaccard, network_id, community))
    candidates.sort(key=lambda item: (-item[0], -item[1], item[2], str(item[3])))
    assigned: dict[CommunityT, str] = {}
    used: set[str] = set()
    for _, _, network_id, community in candidates:
        if community in assigned or network_id in used:
            continue
        assigned[community] = network_id
        used.add(network_id)
    for community in sorted(communities, key=str):
        if community not in assigned:
            assigned[community] = fresh_id()
    return assigned
