"""The tactic space adversary operations draw from, so detection is judged on operations it has not
memorised (and evaluated leave-one-tactic-out).

`TACTICS` maps each dimension to its values:

- size: tiny 10-30 accounts, small 30-150, medium 150-1500, large 1500-20000 (capped by
  `max_accounts`); log-uniform within the range.
- payment: shared_cards (groups of 3-15 accounts per card), few_cards (the whole operation on 1-3
  cards), distinct_prepaid / distinct_virtual (one card each, a fresh one after a ban), none, mixed.
- proxy: static_datacenter (a few datacenter IPs in two /24s), commercial_vpn (exits shared with
  genuine VPN users), dedicated_cloud (one cloud IP each, in /24s shared with genuine apps),
  isp_proxy (one residential IP each), residential_hydra (rotating residential pools shared with a
  reseller's genuine customers), mixed.
- prompt: templates (template families), paraphrases (every prompt reworded), task_lists (bare
  tasks from a large list), upstream_only (no text: upstream fingerprints with template reuse).
- timing: synchronised (shared wave clock, 0.5-8 s jitter), jittered (same clock, 1.5-15 min
  jitter), human (diurnal sessions in local time, no shared clock), shifted (wave clock within an
  8-14 h operator shift, 2-30 s jitter).
- age: fresh_bursts (created in 2-8 bursts in the window), rolling (created continuously), aged
  (bought accounts created 45-720 days before the window, spread out).
- pathway: direct / cloud / education / startup / reseller (70-95% that pathway), mixed.
- volume: near_limit (300-395 a day), moderate (80-200), low_and_slow (15-40).

`draw_operation(rng, name, include=..., exclude=..., max_accounts=..., exchange_budget=..., days=...)`
draws one value per dimension (`include` forces a value, `exclude` bans values) and returns the
`OperationProfile` with the drawn tactics and the tactics themselves. The operation's exchanges stay
within `exchange_budget`: active spans shrink first (down to a day), then daily rates, so a large
operation under a small budget sends fewer requests per account than its volume tactic says.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final, NamedTuple

import numpy as np

from simulator.config import OperationProfile
from simulator.identities import COUNTRY_OFFSETS
from simulator.phrases import FAMILIES

TACTICS: Final[dict[str, tuple[str, ...]]] = {
    "size": ("tiny", "small", "medium", "large"),
    "payment": ("shared_cards", "few_cards", "distinct_prepaid", "distinct_virtual", "none", "mixed"),
    "proxy": ("static_datacenter", "commercial_vpn", "dedicated_cloud", "isp_proxy", "residential_hydra", "mixed"),
    "prompt": ("templates", "paraphrases", "task_lists", "upstream_only"),
    "timing": ("synchronised", "jittered", "human", "shifted"),
    "age": ("fresh_bursts", "rolling", "aged"),
    "pathway": ("direct", "cloud", "education", "startup", "reseller", "mixed"),
    "volume": ("near_limit", "moderate", "low_and_slow"),
}
SIZE_RANGES: Final = {"tiny": (10, 30), "small": (30, 150), "medium": (150, 1_500), "large": (1_500, 20_000)}
_RATES: Final = {"near_limit": (300, 395), "moderate": (80, 200), "low_and_slow": (15, 40)}
_SPAN_SHARE: Final = {"near_limit": (0.25, 0.8), "moderate": (0.3, 0.9), "low_and_slow": (0.6, 0.95)}
_PATHWAYS: Final = ("direct", "cloud", "education", "startup", "reseller")
_AGENTS: Final = (
    "atlas-python/1.8.2",
    "atlas-typescript/1.6.0",
    "python-requests/2.32.3",
    "atlas-python/1.7.0",
    "Go-http-client/2.0",
    "curl/8.5.0",
    "langchain/0.3.14",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AtlasWeb/2026.3",
)
_MIN_SPAN_DAYS: Final = 1.0


def check_tactics(
    include: Mapping[str, str] | None, exclude: Mapping[str, Collection[str]] | None
) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Validated copies of `include` / `exclude`; ValueError names an unknown or impossible choice."""
    forced = dict(include or {})
    banned = {dimension: frozenset(values) for dimension, values in (exclude or {}).items()}
    for dimension, values in [(d, {v}) for d, v in forced.items()] + list(banned.items()):
        if dimension not in TACTICS:
            raise ValueError(f"unknown tactic dimension {dimension!r}; expected one of {', '.join(TACTICS)}")
        unknown = set(values) - set(TACTICS[dimension])
        if unknown:
            raise ValueError(
                f"unknown {dimension} tactic {sorted(unknown)[0]!r}; expected one of {', '.join(TACTICS[dimension])}"
            )
    for dimension, value in forced.items():
        if value in banned.get(dimension, frozenset()):
            raise ValueError(f"tactic {dimension}={value} is both required and excluded")
    for dimension, values in banned.items():
        if set(TACTICS[dimension]) <= values:
            raise ValueError(f"every {dimension} tactic is excluded")
    return forced, banned


def _value(
    rng: np.random.Generator, dimension: str, forced: Mapping[str, str], banned: Mapping[str, frozenset[str]]
) -> str:
    if dimension in forced:
        return forced[dimension]
    allowed = [v for v in TACTICS[dimension] if v not in banned.get(dimension, frozenset())]
    return allowed[int(rng.integers(len(allowed)))]


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


class _Payment(NamedTuple):
    shared_share: float
    group: tuple[int, int]
    card_count: int | None
    distinct_share: float
    funding: str


def _payment(rng: np.random.Generator, tactic: str) -> _Payment:
    """Shares of slots on shared / distinct cards (the rest: no card). `few_cards` funds shared cards
    only, with distinct funding "virtual" so a replacement keeps its slot's shared card."""
    low = int(rng.integers(3, 7))
    group = (low, int(rng.integers(low + 2, 16)))
    if tactic == "shared_cards":
        return _Payment(_uniform(rng, 0.85, 1.0), group, None, 0.0, "virtual")
    if tactic == "few_cards":
        return _Payment(1.0, (2, 2), int(rng.integers(1, 4)), 0.0, "virtual")
    if tactic in ("distinct_prepaid", "distinct_virtual"):
        return _Payment(0.0, (2, 2), None, _uniform(rng, 0.85, 1.0), tactic.removeprefix("distinct_"))
    if tactic == "none":
        return _Payment(0.0, (2, 2), None, 0.0, "virtual")
    funding = str(rng.choice(["prepaid", "virtual"]))
    return _Payment(_uniform(rng, 0.2, 0.4), (2, int(rng.integers(3, 7))), None, _uniform(rng, 0.3, 0.5), funding)


def _proxy(rng: np.random.Generator, tactic: str) -> tuple[float, float, float, float, float]:
    """Shares of slots on static proxies, VPN exits, dedicated cloud IPs, ISP proxies, hydra pools."""
    shares = np.zeros(5)
    if tactic == "mixed":
        used = rng.choice(5, size=int(rng.integers(2, 4)), replace=False)
        shares[used] = rng.dirichlet(np.ones(len(used)))
    else:
        shares[TACTICS["proxy"].index(tactic)] = 1.0
    static, vpn, cloud, isp, hydra = (float(share) for share in shares)
    return static, vpn, cloud, isp, hydra


class _Timing(NamedTuple):
    clock: str
    wave_seconds: int
    jitter_seconds: float
    shift: tuple[int, int] | None


def _timing(rng: np.random.Generator, tactic: str, top_rate: int) -> _Timing:
    """The wave is short enough for the top daily rate to fit in the (shift's) hours."""
    shift: tuple[int, int] | None = None
    if tactic == "shifted":
        length = int(rng.integers(8, 15))
        begin = int(rng.integers(0, 25 - length))
        shift = (begin, begin + length)
    duty = 1.0 if shift is None else (shift[1] - shift[0]) / 24
    waves = [w for w in (15, 30, 60, 120, 300) if w <= 86_400 * duty / top_rate] or [15]
    jitter = {"synchronised": (0.5, 8.0), "jittered": (90.0, 900.0), "human": (1.0, 1.0), "shifted": (2.0, 30.0)}
    clock = "sessions" if tactic == "human" else "waves"
    return _Timing(clock, int(rng.choice(waves)), _uniform(rng, *jitter[tactic]), shift)


def _pathways(rng: np.random.Generator, tactic: str) -> tuple[tuple[str, float], ...]:
    if tactic == "mixed":
        weights = rng.dirichlet(np.ones(len(_PATHWAYS)))
    else:
        main = _uniform(rng, 0.7, 0.95)
        weights = (1 - main) * rng.dirichlet(np.ones(len(_PATHWAYS)))
        weights[_PATHWAYS.index(tactic)] += main
    return tuple((pathway, float(weight)) for pathway, weight in zip(_PATHWAYS, weights, strict=True))


def _volume(
    rng: np.random.Generator, tactic: str, accounts: int, ban_share: float, days: int, budget: int
) -> tuple[tuple[int, int], int]:
    """Daily rate range and exchange target, within the budget (shorter spans first, then lower rates)."""
    low, high = _RATES[tactic]
    floor = int(rng.integers(low, (low + high) // 2 + 1))
    rate = (floor, int(rng.integers(floor + 5, high + 1)))
    slots = max(2, round(accounts / (1 + ban_share)))
    per_day = slots * float(np.mean(rate)) * 0.93
    natural = per_day * _uniform(rng, *_SPAN_SHARE[tactic]) * days
    target = min(natural, float(budget))
    if target < per_day * _MIN_SPAN_DAYS:
        factor = target / (per_day * _MIN_SPAN_DAYS)
        rate = (max(1, round(rate[0] * factor)), max(2, round(rate[1] * factor)))
    return rate, max(200, round(target))


def draw_operation(
    rng: np.random.Generator,
    name: str,
    *,
    include: Mapping[str, str] | None = None,
    exclude: Mapping[str, Collection[str]] | None = None,
    max_accounts: int = 20_000,
    exchange_budget: int = 100_000,
    days: int = 28,
) -> tuple[OperationProfile, dict[str, str]]:
    """One operation with a value drawn for every tactic dimension, and those values."""
    forced, banned = check_tactics(include, exclude)
    tactics = {dimension: _value(rng, dimension, forced, banned) for dimension in TACTICS}
    low, high = SIZE_RANGES[tactics["size"]]
    high = max(2, min(high, max_accounts))
    low = min(low, high)
    accounts = round(float(np.exp(rng.uniform(np.log(low), np.log(high)))))
    ban_share = _uniform(rng, 0.0, 0.08)
    rate, exchanges = _volume(rng, tactics["volume"], accounts, ban_share, days, exchange_budget)
    countries = list(COUNTRY_OFFSETS)
    families = rng.choice(len(FAMILIES), size=int(rng.integers(1, 4)), replace=False)
    age = tactics["age"]
    payment = _payment(rng, tactics["payment"])
    static, vpn, cloud, isp, hydra = _proxy(rng, tactics["proxy"])
    timing = _timing(rng, tactics["timing"], rate[1])
    profile = OperationProfile(
        name=name,
        accounts=accounts,
        exchanges=exchanges,
        families=tuple(FAMILIES[int(f)] for f in families),
        pathways=_pathways(rng, tactics["pathway"]),
        countries=tuple(str(c) for c in rng.choice(countries, size=int(rng.integers(3, 9)), replace=False)),
        daily_rate=rate,
        ban_share=ban_share,
        replace_minutes=(_uniform(rng, 2, 15), _uniform(rng, 30, 180)),
        model_switch_hours=None if rng.random() < 0.4 else _uniform(rng, 2, 24),
        multilingual_share=_uniform(rng, 0.0, 0.4),
        languages=tuple(str(v) for v in rng.choice(["zh", "ru"], size=int(rng.integers(1, 3)), replace=False)),
        creation_bursts=int(rng.integers(2, 9)) if age == "fresh_bursts" else 0,
        aged_days=(_uniform(rng, 45, 120), _uniform(rng, 200, 720)) if age == "aged" else None,
        user_agents=tuple(str(a) for a in rng.choice(_AGENTS, size=int(rng.integers(1, 3)), replace=False)),
        email_style=str(rng.choice(["webmail", "startup", "throwaway"])),
        shared_card_share=payment.shared_share,
        shared_card_group=payment.group,
        shared_card_count=payment.card_count,
        distinct_card_share=payment.distinct_share,
        distinct_funding=payment.funding,
        static_proxy_share=static,
        vpn_share=vpn,
        dedicated_cloud_share=cloud,
        isp_proxy_share=isp,
        hydra_share=hydra,
        clock=timing.clock,
        exact_rate=True,
        wave_seconds=timing.wave_seconds,
        jitter_seconds=timing.jitter_seconds,
        shift_utc_hours=timing.shift,
        prompt_style=tactics["prompt"],
        tactics=tuple(tactics.items()),
    )
    return profile, tactics
