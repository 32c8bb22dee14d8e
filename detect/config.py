"""Detection settings: hub caps, algorithm knobs and verdict thresholds, in one typed place.

Every value can be overridden from the environment (`SOCKHOUND_DETECT_<FIELD>`; maps as JSON). There are
no fitted weights here: the score's parameters (null rates, m-probabilities, network shares) are estimated
from the graph being scored by every run (detect/channels.py, detect/network_model.py, docs/scoring.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sockhound.env_file import env_file
from sockhound.vocabulary import EvidenceKind

EVIDENCE_KINDS: tuple[str, ...] = tuple(EvidenceKind)


def _kind_weights() -> dict[str, float]:
    # The community projection's edge weight per kind at the rarest (k = 2); rarity scales it down to 0 at
    # k = N. These shape which accounts are grouped together, not the score.
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


class DetectionSettings(BaseSettings):
    """Knobs of `sockhound detect`. Environment: SOCKHOUND_DETECT_<FIELD> (maps as JSON)."""

    model_config = SettingsConfigDict(env_prefix="SOCKHOUND_DETECT_", env_file=env_file(), extra="ignore")

    kind_weights: dict[str, float] = Field(default_factory=_kind_weights)
    hub_caps: dict[str, int] = Field(default_factory=_hub_caps)
    # community detection on the weighted evidence graph
    community_algorithm: str = Field(default="leiden", pattern="^(leiden|louvain)$")
    # Leiden at each resolution; every level of every run is a candidate community (detect/pipeline.py):
    # gamma 1 finds networks as modularity sees them, higher ones keep small rings from being merged into
    # crowds on large graphs (the resolution limit)
    leiden_gammas: list[float] = Field(default_factory=lambda: [1.0, 8.0], min_length=1)
    leiden_max_levels: int = 10
    random_seed: int = 42
    concurrency: int = Field(default=2, ge=1, le=4)
    # Leiden/Louvain threads: above 1 the communities vary from run to run even with a fixed seed
    community_concurrency: int = Field(default=1, ge=1, le=4)
    # the network model (detect/channels.py, detect/network_model.py)
    burst_window_hours: float = Field(default=2.0, gt=0)
    # a member shows a shared trace when chance gives that much sharing with less than this probability
    chance_level: float = Field(default=0.01, gt=0, lt=0.5)
    min_network_size: int = Field(default=3, ge=2)
    em_iterations: int = Field(default=30, ge=1, le=500)
    em_pseudo_count: float = Field(default=1.0, ge=0.0)
    # verdicts: risk = P(network) * P(member belongs); labels are decisions that stand
    sockpuppet_threshold: float = Field(default=0.8, gt=0, le=1)
    suspect_threshold: float = Field(default=0.4, gt=0, le=1)
    abusive_label_risk: float = Field(default=0.95, ge=0, le=1)
    benign_label_risk: float = Field(default=0.05, ge=0, le=1)
    # stable network ids: a new community keeps an old id when their Jaccard overlap reaches this
    network_match_jaccard: float = 0.3
    # rows per transaction when a run writes its results (under its own id; published at the end in one flip)
    write_batch_rows: int = Field(default=2_000, ge=1, le=100_000)

    def linkage_parameters(self) -> dict[str, Any]:
        return {"weights": dict(self.kind_weights), "caps": dict(self.hub_caps)}


@lru_cache(maxsize=1)
def get_detection_settings() -> DetectionSettings:
    return DetectionSettings()
