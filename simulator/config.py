"""World presets: how many accounts and exchanges, and how each adversary operation behaves.

Operation volumes follow the public reports on distillation campaigns (about 24,000 accounts and
16M exchanges in all: ~150k on reasoning/rubric grading/"censorship-safe" rewrites, ~3.4M on agentic
reasoning/tool use/coding/data analysis/computer use over hundreds of accounts, ~13M on agentic coding
and tool orchestration). Smaller presets scale accounts and exchanges down together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

PRESETS: Final = ("small", "demo", "anthropic")
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

    @property
    def total_accounts(self) -> int:
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
)


def _scaled_operation(
    profile: OperationProfile, account_scale: float, exchange_scale: float, minimum_accounts: int
) -> OperationProfile:
    return replace(
        profile,
        accounts=max(minimum_accounts, round(profile.accounts * account_scale)),
        exchanges=max(200, round(profile.exchanges * exchange_scale)),
    )


def preset_config(preset: str, seed: int = 0, accounts: int | None = None) -> WorldConfig:
    """The named preset; `accounts` rescales every population (and volumes) to that total."""
    if preset == "anthropic":
        config = replace(_FULL_SCALE, seed=seed)
    elif preset == "demo":
        config = replace(
            _FULL_SCALE,
            preset="demo",
            seed=seed,
            genuine_accounts=48_800,
            operations=tuple(_scaled_operation(op, 0.05, 0.05, 10) for op in _FULL_SCALE.operations),
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
        )
    return config
