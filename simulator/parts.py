"""Pieces the population builders share: segment codes, one built part of the population, and the
genuine infrastructure (carrier NATs, VPN exits, clouds, homes, proxy pools) others reuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

# Genuine segments (index the per-segment tables in traffic.py)
HOME, POWER, MOBILE, VPN, COMPANY, FAMILY, UNIVERSITY, RESELLER, APP, LAB = range(10)
SEGMENT_NAMES: Final = (
    "home",
    "power_user",
    "mobile",
    "vpn",
    "company",
    "family",
    "university",
    "reseller_customer",
    "app",
    "research_lab",
)
ADVERSARY_SEGMENT: Final = 100  # + operation index
# truth.csv `group` of genuine segments that look coordinated (shared card, NAT, template or pool)
SEGMENT_GROUPS: Final = {
    COMPANY: "company",
    FAMILY: "family",
    UNIVERSITY: "campus",
    LAB: "lab",
    APP: "app",
    RESELLER: "reseller",
}

# Adversary infrastructure modes
STATIC_PROXY, COMMERCIAL_VPN, DEDICATED_CLOUD, ISP_PROXY, HYDRA = range(5)

# Look-alike crowd kinds (CrowdTable.kind values, also their truth.csv `group`)
HACKATHON, COURSE, SCHEDULED_JOBS, OFFICE_BURST = "hackathon", "course", "scheduled_jobs", "office_burst"
COHORT_KINDS: Final = (HACKATHON, COURSE)


@dataclass
class Built:
    """One part of the population: its profile rows, payment rows and labels (by local account index)."""

    profile: pd.DataFrame
    payments: pd.DataFrame
    labels: pd.DataFrame


@dataclass
class Infrastructure:
    """Shared address space the genuine population owns and crowds and operations reuse."""

    hydra_pools: IntArray
    vpn_pools: IntArray
    carrier_pools: IntArray
    cloud_blocks: npt.NDArray[np.uint32]
    residential_blocks: npt.NDArray[np.uint32]


@dataclass
class CrowdTable:
    """Per look-alike crowd: its kind, event sessions and exercise sheet (cohorts), and the tool
    template and pinned model (scheduled jobs). Profile column `crowd` indexes these lists."""

    kind: list[str] = field(default_factory=list)
    session_start: list[IntArray] = field(default_factory=list)
    session_end: list[IntArray] = field(default_factory=list)
    sheet: list[ObjectArray] = field(default_factory=list)
    tool: list[int] = field(default_factory=list)
    sdk_share: list[float] = field(default_factory=list)

    def add(
        self,
        kind: str,
        *,
        sessions: tuple[IntArray, IntArray] | None = None,
        sheet: ObjectArray | None = None,
        tool: int = -1,
        sdk_share: float = 0.0,
    ) -> int:
        empty = np.zeros(0, dtype=np.int64)
        self.kind.append(kind)
        self.session_start.append(sessions[0] if sessions else empty)
        self.session_end.append(sessions[1] if sessions else empty)
        self.sheet.append(sheet if sheet is not None else np.zeros(0, dtype=object))
        self.tool.append(tool)
        self.sdk_share.append(sdk_share)
        return len(self.kind) - 1


def offset_account_indices(built: list[Built]) -> None:
    """Shift each part's account_index columns so they index the concatenated profile."""
    offset = 0
    for part in built:
        part.payments["account_index"] += offset
        part.labels["account_index"] += offset
        offset += len(part.profile)
