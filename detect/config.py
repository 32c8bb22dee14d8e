"""Detection settings: evidence weights, hub caps, feature weights and verdict thresholds, in one typed place.

Every value can be overridden from the environment (`SOCKHOUND_DETECT_<FIELD>`; maps as JSON). The feature
weights are log-odds (match weights): the risk of an account is `sigmoid(prior + sum(weight * value))`.
They were tuned on one simulated world (`demo`, seed 0) and frozen; see `detect/scoring.py`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EVIDENCE_KINDS: tuple[str, ...] = (
    "payment", "ip", "subnet", "exact", "template", "nearband", "upstream", "sync", "email",
)
PROMPT_KINDS: tuple[str, ...] = ("exact", "template", "nearband", "upstream")


def _kind_weights() -> dict[str, float]:
    # How much one shared node of each kind says, at the rarest (k = 2); rarity scales it down to 0 at k = N.
    return {
        "payment": 1.0, "ip": 0.6, "subnet": 0.25, "exact": 0.5, "template": 0.6, "nearband": 0.3,
        "upstream": 0.5, "sync": 0.8, "email": 1.0,
    }


def _hub_caps() -> dict[str, int]:
    # Evidence shared by more accounts than this is a hub: it is not linked through (only `common`-like).
    return {
        "payment": 60, "ip": 80, "subnet": 120, "exact": 150, "template": 150, "nearband": 150,
        "upstream": 150, "sync": 150, "email": 30,
    }


def _feature_weights() -> dict[str, float]:
    # Log-odds per unit of each feature (see detect/features.py for the units). Fitted once by a logistic
    # regression on the simulator's `demo` world, seed 0, with each operation weighted equally (so the
    # largest does not drown the others) and evidence weights bounded >= 0 (sharing never lowers risk);
    # rounded and frozen. labelAbusive is set by hand: an earlier abusive decision stands.
    return {
        "evPayment": 0.91, "evIp": 0.19, "evSubnet": 0.0, "evPrompt": 0.0, "evSync": 0.89, "evEmail": 0.0,
        "prepaidCard": 1.11, "capFocus": 2.77, "volume": 0.7, "nearLimit": 0.18, "flatRate": 2.16,
        "hourSpread": 0.0, "seedProximity": 2.18, "labelAbusive": 6.0, "labelBenign": -1.17,
        "networkSize": -1.23, "networkSync": 1.19, "networkPrompt": 0.3, "networkBurst": 0.73,
        "networkSeeds": 0.74,
    }


class DetectionSettings(BaseSettings):
    """Knobs of `sockhound detect`. Environment: SOCKHOUND_DETECT_<FIELD> (maps as JSON)."""

    model_config = SettingsConfigDict(env_prefix="SOCKHOUND_DETECT_", env_file=".env", extra="ignore")

    kind_weights: dict[str, float] = Field(default_factory=_kind_weights)
    hub_caps: dict[str, int] = Field(default_factory=_hub_caps)
    # community detection on the weighted evidence graph
    community_algorithm: str = Field(default="leiden", pattern="^(leiden|louvain)$")
    leiden_gamma: float = 1.0
    leiden_max_levels: int = 10
    random_seed: int = 42
    concurrency: int = Field(default=2, ge=1, le=4)
    # personalised PageRank from accounts labelled abusive
    pagerank_damping: float = 0.85
    pagerank_iterations: int = 30
    # network features
    burst_window_hours: float = 48.0
    rate_limit_per_day: int = 400
    min_network_size: int = 3
    # scoring
    prior_log_odds: float = -8.86
    feature_weights: dict[str, float] = Field(default_factory=_feature_weights)
    sockpuppet_threshold: float = 0.8
    suspect_threshold: float = 0.4
    # stable network ids: a new community keeps an old id when their Jaccard overlap reaches this
    network_match_jaccard: float = 0.3

    def linkage_parameters(self) -> dict[str, Any]:
        return {"weights": dict(self.kind_weights), "caps": dict(self.hub_caps)}


@lru_cache(maxsize=1)
def get_detection_settings() -> DetectionSettings:
    return DetectionSettings()
