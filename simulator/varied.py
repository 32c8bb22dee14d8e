"""The `varied` preset: a world whose operations and benign crowds are drawn, not replayed.

`varied_config(seed, accounts, include=..., exclude=..., scope=...)` (also reached through
`preset_config("varied", ...)`) gives ~6,000 genuine accounts (`accounts` sets that number), 2-4
operations drawn by `tactics.draw_operation` under codenames, and look-alike crowds whose number and
sizes are drawn too. Every world has at least one `tiny` operation unless the size is forced or tiny
is excluded. The operations share an exchange budget of 35 per genuine account (~210k), so a world
is ~100k-400k exchanges in all.

For leave-one-tactic-out benchmarks: `include={"proxy": "commercial_vpn"}` forces the tactic on every
operation (`scope="every"`) or on one of them (`scope="any"`, the others draw freely);
`exclude={"proxy": {"commercial_vpn"}}` keeps it out of the world. world.json lists each operation's
drawn tactics under `operation_tactics`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

import numpy as np

from simulator.config import CrowdPlan, WorldConfig
from simulator.tactics import check_tactics, draw_operation

VARIED_GENUINE: Final = 6_000
SCOPES: Final = ("every", "any")
EXCHANGES_PER_GENUINE: Final = 35
CODENAMES: Final = (
    "heron",
    "osprey",
    "lynx",
    "marten",
    "caracal",
    "shrike",
    "basilisk",
    "wren",
    "jackal",
    "ibis",
    "vole",
    "petrel",
)


def _crowd_plan(rng: np.random.Generator) -> CrowdPlan:
    hackathons, courses = int(rng.integers(0, 3)), int(rng.integers(0, 3))
    smallest = int(rng.integers(20, 60))
    return CrowdPlan(
        hackathons=hackathons if hackathons + courses else 1,
        courses=courses,
        cohort_size=(smallest, int(rng.integers(smallest + 20, 201))),
        scheduled_tools=int(rng.integers(1, 4)),
        scheduled_customers=(int(rng.integers(3, 8)), int(rng.integers(8, 26))),
        office_bursts=int(rng.integers(1, 5)),
        office_size=(10, int(rng.integers(20, 61))),
    )


def varied_config(
    seed: int,
    accounts: int | None = None,
    *,
    include: Mapping[str, str] | None = None,
    exclude: Mapping[str, Collection[str]] | None = None,
    scope: str = "every",
) -> WorldConfig:
    if scope not in SCOPES:
        raise ValueError(f"unknown tactic scope {scope!r}; expected one of {', '.join(SCOPES)}")
    forced, banned = check_tactics(include, exclude)
    rng = np.random.default_rng([seed, 13])
    genuine = max(300, accounts if accounts is not None else VARIED_GENUINE)
    count = int(rng.integers(2, 5))
    max_accounts = min(20_000, max(30, genuine // 2))
    budget = EXCHANGES_PER_GENUINE * genuine
    anchor = int(rng.integers(count))
    wanted = [dict(forced) if scope == "every" or index == anchor else {} for index in range(count)]
    if "tiny" not in banned.get("size", frozenset()) and not any(w.get("size") == "tiny" for w in wanted):
        free = [index for index in range(count) if "size" not in wanted[index]]
        if free:
            wanted[free[int(rng.integers(len(free)))]]["size"] = "tiny"
    names = rng.choice(len(CODENAMES), size=count, replace=False)
    operations = tuple(
        draw_operation(
            rng,
            CODENAMES[int(name)],
            include=wanted[index],
            exclude=banned,
            max_accounts=max_accounts,
            exchange_budget=budget // count,
            days=28,
        )[0]
        for index, name in enumerate(names)
    )
    return WorldConfig(
        preset="varied",
        seed=seed,
        genuine_accounts=genuine,
        genuine_mean_exchanges=5.0,
        app_share=0.002,
        operations=operations,
        days=28,
        part_rows=100_000,
        chunk_rows=50_000,
        crowds=_crowd_plan(rng),
        max_operation_accounts=max_accounts,
        operation_exchange_budget=budget,
    )
