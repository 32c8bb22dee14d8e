"""World presets: how many accounts and exchanges, and how each adversary operation behaves.

`preset_config(preset, seed, accounts, include=..., exclude=..., scope=...)` returns a `WorldConfig`.
The fixed presets (`small`, `demo`, `anthropic`) replay the three reported operations (TIDEWATER,
KESTREL, MIRAGE) with a few benign look-alike crowds; `varied` draws 2-4 operations with randomised
tactics (see simulator/tactics.py; `include`/`exclude`/`scope` only apply to it) and draws its crowds.

Operation volumes follow the public reports on distillation campaigns (about 24,000 accounts and
16M exchanges in all: ~150k on reasoning/rubric grading/"censorship-safe" rewrites, ~3.4M on agentic
reasoning/tool use/coding/data analysis/computer use over hundreds of accounts, ~13M on agentic coding
and tool orchestration). Smaller presets scale accounts and exchanges down together.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Final

PRESETS: Final = ("small", "demo", "anthropic", "varied")
RATE_LIMIT_PER_DAY: Final = 400
OLD_MODELS: Final = ("atlas-2-mini", "atlas-2", "atlas-2-pro")
NEW_MODEL: Final = "atlas-3"


@dataclass(frozen=True)
class OperationProfile:
    """One adversary operation. Shares are fractions of its accounts (slots) unless named otherwise."""

    name: str
    accounts: int
    exchanges: int
    families: tuple[str, ...]  # prompt template families (the narrow capability mix)
    pathways: tuple[tuple[str, float], ...]
    countries: tuple[str, ...]
    # payment: share of slots on a card shared within a group, on a distinct card, or with no card
    shared_card_share: float
    shared_card_group: tuple[int, int]
    distinct_card_share: float
    distinct_funding: str  # "prepaid" or "virtual"
    # infrastructure shares: own static proxies, commercial VPN exits, one dedicated cloud IP,
    # one dedicated residential "ISP proxy" IP, rotating residential proxy pool (hydra)
    static_proxy_share: float
    vpn_share: float
    dedicated_cloud_share: float
    isp_proxy_share: float
    hydra_share: float
    wave_seconds: int
    jitter_seconds: float
    shift_utc_hours: tuple[int, int] | None  # operator shift; None = around the clock
    daily_rate: tuple[int, int]
    ban_share: float
    replace_minutes: tuple[float, float]
    model_switch_hours: float | None
    multilingual_share: float
    languages: tuple[str, ...]
    creation_bursts: int
    user_agents: tuple[str, ...]
    email_style: str
    # Tactic knobs (simulator/tactics.py); the defaults are the three reported operations' behaviour.
    clock: str = "waves"  # "waves": shared wave clock; "sessions": diurnal human sessions, no shared clock
    exact_rate: bool = False  # waves: step a fractional stride (keep daily_rate) instead of rounding it up
    prompt_style: str = "templates"  # templates | paraphrases | task_lists | upstream_only
    shared_card_count: int | None = None  # split the shared-card slots over exactly this many cards
    aged_days: tuple[float, float] | None = None  # bought accounts created this many days before the window
    tactics: tuple[tuple[str, str], ...] = ()  # the drawn (dimension, value) pairs, recorded in world.json


@dataclass(frozen=True)
class CrowdPlan:
    """Benign look-alike crowds (hard negatives), on top of the genuine accounts: cohorts of a
    hackathon or course, customers of a tool running the same cron job, teams onboarded in a day."""

    hackathons: int = 0
    courses: int = 0
    cohort_size: tuple[int, int] = (20, 200)
    scheduled_tools: int = 0  # tools whose prompt template unrelated customers run on a schedule
    scheduled_customers: tuple[int, int] = (4, 20)  # customers (accounts) per tool
    office_bursts: int = 0
    office_size: tuple[int, int] = (10, 60)

    def scaled(self, factor: float) -> CrowdPlan:
        return replace(
            self,
            hackathons=round(self.hackathons * factor),
            courses=round(self.courses * factor),
            scheduled_tools=round(self.scheduled_tools * factor),
            office_bursts=round(self.office_bursts * factor),
        )


@dataclass(frozen=True)
class WorldConfig:
    preset: str
    seed: int
    genuine_accounts: int
    genuine_mean_exchanges: float
    app_share: float
    operations: tuple[OperationProfile, ...]
    start: str = "2026-03-02T00:00:00"
    days: int = 28
    release_day: float = 15.67  # new model released partway through (day 15, 16:00 UTC)
    part_rows: int = 500_000
    chunk_rows: int = 150_000
    inject_bad_rows: int = 0
    crowds: CrowdPlan = CrowdPlan()
    max_operation_accounts: int = 20_000
    operation_exchange_budget: int | None = None  # varied worlds: the operations' total exchange budget

    @property
    def total_accounts(self) -> int:
        """Genuine and operation accounts (the look-alike crowds come on top)."""
        return self.genuine_accounts + sum(op.accounts for op in self.operations)


TIDEWATER: Final = OperationProfile(
    name="tidewater",
    accounts=1_100,
    exchanges=150_000,
    families=("cot_math", "rubric_grading", "safe_rewrite"),
    pathways=(("direct", 0.7), ("education", 0.3)),
    countries=("US", "SG", "JP", "GB", "MY", "AU"),
    shared_card_share=0.85,
    shared_card_group=(6, 15),
    distinct_card_share=0.0,
    distinct_funding="prepaid",
    static_proxy_share=0.65,
    vpn_share=0.35,
    dedicated_cloud_share=0.0,
    isp_proxy_share=0.0,
    hydra_share=0.0,
    wave_seconds=120,
    jitter_seconds=6.0,
    shift_utc_hours=(1, 15),
    daily_rate=(25, 45),
    ban_share=0.05,
    replace_minutes=(5.0, 90.0),
    model_switch_hours=None,
    multilingual_share=0.4,
    languages=("zh",),
    creation_bursts=6,
    user_agents=("python-requests/2.32.3", "atlas-python/1.8.2"),
    email_style="webmail",
)

KESTREL: Final = OperationProfile(
    name="kestrel",
    accounts=700,
    exchanges=3_400_000,
    families=("agentic_reasoning", "tool_use", "coding", "data_analysis", "computer_use"),
    pathways=(("cloud", 0.45), ("startup", 0.35), ("direct", 0.2)),
    countries=("US", "SG", "CA", "DE", "GB"),
    shared_card_share=0.0,
    shared_card_group=(2, 2),
    distinct_card_share=0.92,
    distinct_funding="virtual",
    static_proxy_share=0.0,
    vpn_share=0.0,
    dedicated_cloud_share=0.85,
    isp_proxy_share=0.0,
    hydra_share=0.15,
    wave_seconds=60,
    jitter_seconds=20.0,
    shift_utc_hours=None,
    daily_rate=(330, 395),
    ban_share=0.02,
    replace_minutes=(10.0, 120.0),
    model_switch_hours=10.0,
    multilingual_share=0.1,
    languages=("zh",),
    creation_bursts=3,
    user_agents=("atlas-python/1.8.2", "atlas-typescript/1.6.0"),
    email_style="startup",
)

MIRAGE: Final = OperationProfile(
    name="mirage",
    accounts=22_200,
    exchanges=13_000_000,
    families=("agentic_coding", "tool_orchestration"),
    pathways=(("direct", 0.4), ("reseller", 0.3), ("education", 0.15), ("cloud", 0.15)),
    countries=("US", "GB", "BR", "IN", "ID", "VN", "PH", "MX", "TR", "PL"),
    shared_card_share=0.1,
    shared_card_group=(3, 4),
    distinct_card_share=0.75,
    distinct_funding="prepaid",
    static_proxy_share=0.0,
    vpn_share=0.0,
    dedicated_cloud_share=0.0,
    isp_proxy_share=0.3,
    hydra_share=0.7,
    wave_seconds=30,
    jitter_seconds=2.0,
    shift_utc_hours=None,
    daily_rate=(250, 390),
    ban_share=0.06,
    replace_minutes=(2.0, 60.0),
    model_switch_hours=3.0,
    multilingual_share=0.08,
    languages=("ru", "zh"),
    creation_bursts=0,  # 0 = rolling bursts across the whole window
    user_agents=("atlas-python/1.7.0", "Go-http-client/2.0"),
    email_style="throwaway",
)

_FULL_SCALE: Final = WorldConfig(
    preset="anthropic",
    seed=0,
    genuine_accounts=976_000,
    genuine_mean_exchanges=5.0,
    app_share=0.0012,
    operations=(TIDEWATER, KESTREL, MIRAGE),
    crowds=CrowdPlan(hackathons=16, courses=16, scheduled_tools=6, scheduled_customers=(10, 40), office_bursts=40),
)


def _scaled_operation(
    profile: OperationProfile, account_scale: float, exchange_scale: float, minimum_accounts: int
) -> OperationProfile:
    return replace(
        profile,
        accounts=max(minimum_accounts, round(profile.accounts * account_scale)),
        exchanges=max(200, round(profile.exchanges * exchange_scale)),
    )


def preset_config(
    preset: str,
    seed: int = 0,
    accounts: int | None = None,
    *,
    include: Mapping[str, str] | None = None,
    exclude: Mapping[str, Collection[str]] | None = None,
    scope: str = "every",
) -> WorldConfig:
    """The named preset; `accounts` rescales every population (and volumes) to that total (for
    `varied`: sets the genuine population). `include` forces tactics (dimension -> value) on every
    operation (`scope="every"`) or on at least one (`scope="any"`); `exclude` bans values everywhere."""
    if preset == "varied":
        from simulator.varied import varied_config  # varied imports this module

        return varied_config(seed, accounts, include=include, exclude=exclude, scope=scope)
    if include or exclude:
        raise ValueError("tactics can only be chosen for the varied preset")
    if preset == "anthropic":
        config = replace(_FULL_SCALE, seed=seed)
    elif preset == "demo":
        config = replace(
            _FULL_SCALE,
            preset="demo",
            seed=seed,
            genuine_accounts=48_800,
            operations=tuple(_scaled_operation(op, 0.05, 0.05, 10) for op in _FULL_SCALE.operations),
            crowds=CrowdPlan(
                hackathons=2,
                courses=2,
                cohort_size=(20, 150),
                scheduled_tools=2,
                scheduled_customers=(6, 20),
                office_bursts=3,
            ),
        )
    elif preset == "small":
        config = replace(
            _FULL_SCALE,
            preset="small",
            seed=seed,
            genuine_accounts=3_000,
            app_share=0.004,
            days=10,
            release_day=5.67,
            part_rows=20_000,
            chunk_rows=25_000,
            crowds=CrowdPlan(
                hackathons=1,
                courses=1,
                cohort_size=(20, 40),
                scheduled_tools=1,
                scheduled_customers=(4, 6),
                office_bursts=1,
                office_size=(10, 25),
            ),
            operations=(
                replace(TIDEWATER, accounts=40, exchanges=3_000),
                replace(KESTREL, accounts=12, exchanges=12_000),
                replace(MIRAGE, accounts=160, exchanges=45_000, ban_share=0.08),
            ),
        )
    else:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    if accounts is not None:
        factor = accounts / config.total_accounts
        config = replace(
            config,
            genuine_accounts=max(100, round(config.genuine_accounts * factor)),
            operations=tuple(_scaled_operation(op, factor, factor, 8) for op in config.operations),
            crowds=config.crowds.scaled(factor),
        )
    return config
