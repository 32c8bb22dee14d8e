"""Evidence channels: what members of a community can have in common, and how often chance alone gives it.

A channel is one way accounts can look alike. For every account placed in a community, `x[i, c]` says
whether it shows channel `c` there, and `u[i, c]` is the probability that it would show it if its
community were `n - 1` accounts drawn at random from the graph being scored (the null model; Splink's
u-probability, in closed form instead of sampled, so rare evidence is not lost to sampling noise):

* shared-trace channels (payment, address: IP or subnet, email, prompt, sync) and the creation burst: with
  `p_i` = its distinct partners on the channel over N - 1 (the chance that one random account shares it;
  for the burst, the share of all accounts created within the window of it), `n - 1` random
  co-members would include `e = (n - 1) * p_i` sharing with it on average. `x` = the co-members that do
  share with it are more than chance gives with probability `chance_level` (Poisson tail), so `u` is
  `chance_level` for every account, community size and rarity: concentration, not mere co-occurrence.
  Co-members of the same declared organisation (`orgId`, the platform's own record) are not counted:
  a team sharing its corporate card and office NAT declares that relationship; sock puppets hide it.
* usage channels (volume, flatRate, roundTheClock, capFocus): `x` = in the top decile of the scored
  accounts that are active enough for the value to mean something and share nothing rare with anyone
  (the platform's independent customers: a quantile of this data, not a fixed number);
  prepaid and banned are facts of the account. For these `u` is the rate among all accounts of the graph.
* pair channels (linked, tightlyLinked): a member agrees with the same co-member on two (three) or more
  channels more often than chance gives anywhere in the graph (detect/pairs.py).

Nothing here was fitted to a simulated world: every rate comes from the accounts being scored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import poisson

from detect.pairs import SharedPairs, chance_of_agreeing, pair_agreement
from sockhound.vocabulary import PROMPT_KINDS, EvidenceKind, Label

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
HOUR_MS: Final = 3_600_000


class Family(StrEnum):
    """Trace: one kind of trace members leave in common. Coordination: pairs of members agreeing on several
    traces at once. Usage: how they use the platform. A network is decided on coordination and usage;
    traces shape each member's tie to it (and explain it)."""

    TRACE = "trace"
    COORDINATION = "coordination"
    USAGE = "usage"


class Channel(StrEnum):
    PAYMENT = "payment"
    ADDRESS = "address"
    EMAIL = "email"
    PROMPT = "prompt"
    SYNC = "sync"
    BURST = "burst"
    LINKED = "linked"
    TIGHTLY_LINKED = "tightlyLinked"
    VOLUME = "volume"
    FLAT_RATE = "flatRate"
    ROUND_THE_CLOCK = "roundTheClock"
    CAP_FOCUS = "capFocus"
    PREPAID = "prepaid"
    BANNED = "banned"


CHANNELS: Final[tuple[Channel, ...]] = tuple(Channel)
FAMILY_OF: Final[dict[Channel, Family]] = {
    **{channel: Family.TRACE for channel in (
        Channel.PAYMENT, Channel.ADDRESS, Channel.EMAIL, Channel.PROMPT, Channel.SYNC, Channel.BURST)},
    Channel.LINKED: Family.TRACE,
    Channel.TIGHTLY_LINKED: Family.COORDINATION,
    **{channel: Family.USAGE for channel in (
        Channel.VOLUME, Channel.FLAT_RATE, Channel.ROUND_THE_CLOCK, Channel.CAP_FOCUS, Channel.PREPAID,
        Channel.BANNED)},
}
# Evidence kinds of the graph (item kinds) per shared-trace channel.
ITEM_CHANNELS: Final[dict[Channel, tuple[str, ...]]] = {
    Channel.PAYMENT: (EvidenceKind.PAYMENT,),
    Channel.ADDRESS: (EvidenceKind.IP, EvidenceKind.SUBNET),  # an address implies its subnet: one trace
    Channel.EMAIL: (EvidenceKind.EMAIL,),
    Channel.PROMPT: PROMPT_KINDS,
    Channel.SYNC: (EvidenceKind.SYNC,),
}
CHANNEL_DESCRIPTIONS: Final[dict[Channel, str]] = {
    Channel.PAYMENT: "shares a rare payment instrument with another member",
    Channel.ADDRESS: "shares a rare IP address or subnet with another member",
    Channel.EMAIL: "shares a sign-up mailbox with another member",
    Channel.PROMPT: "sends prompt fingerprints (exact, template, near-duplicate) another member sends",
    Channel.SYNC: "active in the same fine time windows as another member",
    Channel.BURST: "created within the burst window of another member",
    Channel.LINKED: "shares two or more traces (cards, addresses, prompts, sync windows, sign-up time) with "
                    "the same other member, more often than the graph's pairs do",
    Channel.TIGHTLY_LINKED: "shares three or more traces with the same other member, more often than the "
                            "graph's pairs do",
    Channel.VOLUME: "requests per active day in the top decile of the accounts scored",
    Channel.FLAT_RATE: "hourly volume held flat, in the top decile of the accounts scored",
    Channel.ROUND_THE_CLOCK: "active across the hours of the day, in the top decile of the accounts scored",
    Channel.CAP_FOCUS: "narrow capability mix (chain-of-thought, code, tools, ...), in the top decile",
    Channel.PREPAID: "pays with a prepaid or virtual card",
    Channel.BANNED: "labelled abusive by an earlier decision",
}
CAPABILITY_COLUMNS: Final = ("capCot", "capCode", "capTool", "capMath", "capRubric", "capRewrite")
ACTIVE_EXCHANGES: Final = 20
MIN_REFERENCE: Final = 100  # fewer unlinked active accounts than this: all active accounts are the reference


def _top_decile(values: pd.Series, eligible: pd.Series, reference: pd.Series) -> BoolArray:
    """True for eligible accounts (those with enough activity for the value to say something) at or above
    the 90th percentile of the eligible reference accounts. A value that a large share of the reference
    ties at is no distinction (then only values above it count) unless it is their top value and held by
    at most half; 0 never is."""
    pool = values[eligible & reference].astype(float)
    if len(pool) < MIN_REFERENCE:
        pool = values[eligible].astype(float)
    if pool.empty:
        return np.zeros(len(values), dtype=bool)
    cut = float(pool.quantile(0.9))
    tied = float((pool >= cut).mean())
    top_minority = cut >= float(pool.max()) and tied <= 0.5
    chosen = values >= cut if tied <= 0.15 or top_minority else values > cut
    return np.asarray(eligible & chosen & (values > 0), dtype=bool)


def usage_indicators(profiles: pd.DataFrame, linked: BoolArray | None = None) -> pd.DataFrame:
    """Per account (profiles' order): the usage channels as booleans, from profile facts and data quantiles.

    The quantiles are taken over the accounts that share no rare evidence with anybody (`linked` False),
    when there are enough of them: those are the platform's independent customers, so a large operation
    (all of whose accounts are linked) does not set the bar it is measured against. Most accounts of a
    platform are nearly idle, so the reference is its active accounts, not all of them."""
    exchanges = profiles["exchanges"].astype(float)
    active = exchanges >= ACTIVE_EXCHANGES
    reference = pd.Series(True, index=profiles.index) if linked is None else pd.Series(~linked,
                                                                                        index=profiles.index)
    per_day = profiles["meanPerActiveDay"].astype(float)
    flat = (profiles["p95PerHour"].astype(float) / profiles["maxPerHour"].astype(float).clip(lower=1.0)).clip(0, 1)
    hours = profiles["hourOfDay"].apply(lambda values: sum(1 for v in (values or []) if v > 0)).astype(float)
    caps = profiles.loc[:, list(CAPABILITY_COLUMNS)].astype(float)
    focus = (caps.max(axis=1) / exchanges.clip(lower=1.0)).clip(0, 1)
    fundings = profiles["fundings"].apply(
        lambda values: bool(values) and any(v in ("prepaid", "virtual") for v in values))
    flat_eligible = active & (profiles["activeHours"].astype(float) >= 24) & (
        profiles["maxPerHour"].astype(float) >= 4)
    return pd.DataFrame({
        Channel.VOLUME: _top_decile(per_day, active, reference),
        Channel.FLAT_RATE: _top_decile(flat, flat_eligible, reference),
        Channel.ROUND_THE_CLOCK: _top_decile(hours, active, reference),
        Channel.CAP_FOCUS: _top_decile(focus, active, reference),
        Channel.PREPAID: fundings.to_numpy(dtype=bool),
        Channel.BANNED: (profiles["label"] == Label.ABUSIVE).to_numpy(dtype=bool),
    }, index=profiles.index)


def _partner_rates(pairs: SharedPairs, created: FloatArray, burst_window_ms: float) -> pd.DataFrame:
    """Per account and trace channel (plus burst): `p_i`, the chance that one random other account of
    the graph shares it: its distinct partners on that channel over N - 1 (for the burst, the accounts
    created within the window of it)."""
    accounts = len(created)
    denominator = max(accounts - 1, 1)
    rates = pd.DataFrame(0.0, index=pd.RangeIndex(accounts), columns=[*ITEM_CHANNELS, Channel.BURST])
    for channel in ITEM_CHANNELS:
        if channel in pairs.partners.columns:
            counts = pairs.partners[channel].to_numpy(dtype=np.float64)
            rates.loc[: len(counts) - 1, channel] = np.clip(counts / denominator, 0.0, 1.0)
    known = np.isfinite(created)
    ordered = np.sort(created[known])
    near = (np.searchsorted(ordered, created + burst_window_ms, side="right")
            - np.searchsorted(ordered, created - burst_window_ms, side="left") - 1)
    rates[Channel.BURST] = np.where(known, np.clip(near, 0, None) / denominator, 0.0)
    return rates


def organisation_codes(organisation: pd.Series) -> IntArray:
    """A code per account for its declared organisation (`orgId`); every account without one is its own."""
    declared = organisation.reset_index(drop=True).astype(object)
    declared = declared.where(declared.notna() & (declared.astype(str) != ""), None)
    codes, _ = pd.factorize(declared, use_na_sentinel=True)
    return np.asarray(np.where(codes >= 0, codes, -1 - np.arange(len(codes))), dtype=np.int64)


def _co_members(pairs: SharedPairs, community: IntArray, created: FloatArray,
                burst_window_ms: float, counted: BoolArray | None = None) -> pd.DataFrame:
    """Per account and trace channel (plus burst): how many other members of its community share it
    (distinct partners on that channel, outside its own declared organisation; for the burst, members
    created within the window)."""
    accounts = len(community)
    observed = pd.DataFrame(0, index=pd.RangeIndex(accounts), columns=[*ITEM_CHANNELS, Channel.BURST])
    for channel in ITEM_CHANNELS:
        if str(channel) not in pairs.by_channel:
            continue
        first, second = pairs.by_channel[str(channel)]
        same = (community[first] >= 0) & (community[first] == community[second])
        to_first = same if counted is None else same & counted[second]
        to_second = same if counted is None else same & counted[first]
        observed[channel] = (np.bincount(first[to_first], minlength=accounts)
                             + np.bincount(second[to_second], minlength=accounts)).astype(np.int64)[:accounts]
    placed = (community >= 0) & np.isfinite(created)
    if placed.any():
        rows = np.flatnonzero(placed)
        _, group = np.unique(community[rows], return_inverse=True)
        times = created[rows] - np.nanmin(created[rows])
        stride = float(np.nanmax(times)) + 4 * burst_window_ms + 1.0
        key = group.astype(np.float64) * stride + times
        ordered = np.sort(key)
        near = (np.searchsorted(ordered, key + burst_window_ms, side="right")
                - np.searchsorted(ordered, key - burst_window_ms, side="left") - 1)
        observed.loc[rows, Channel.BURST] = near.astype(np.int64)
    return observed


PAIR_THRESHOLDS: Final = {Channel.LINKED: 2, Channel.TIGHTLY_LINKED: 3}
TRACE_CHANNELS: Final = (*ITEM_CHANNELS, Channel.BURST)


def trace_channels(pairs: SharedPairs, community: IntArray, created: pd.Series, burst_window_hours: float,
                   chance_level: float, counted: BoolArray | None = None,
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(shows, null, co-members) per account for the trace channels, the burst and the pair-agreement
    channels; co-members: how many other members share it (agree with it, for the pair channels).

    A member shows channel c when its community holds more co-members agreeing with it on c than chance
    would give with probability `chance_level`: with `e = (n - 1) * p_i` co-members expected if the other
    n - 1 members were random accounts, it shows c when `P(Poisson(e) >= observed) < chance_level`. So under
    the null model P(show) <= chance_level whatever n, N or the rarity of its items, and that is its `u`.
    For `linked` (`tightlyLinked`), the observed are co-members agreeing with it on 2 (3) or more channels
    at once, and the expected count is over the whole graph, `(N - 1) * p2` (`p3`), with `p2` the chance
    that one random account agrees with it on two channels, channels independent (detect/pairs.py); the
    network model then holds the share shown against what the graph's communities show in general.
    `pairs`: the graph's shared pairs (detect/pairs.py). `community`: per account, -1 for none.
    """
    values = pd.to_numeric(created, errors="coerce").to_numpy(dtype=np.float64)
    window = burst_window_hours * HOUR_MS
    rates = _partner_rates(pairs, values, window)
    observed = _co_members(pairs, community, values, window, counted)
    thresholds = tuple(PAIR_THRESHOLDS.values())
    agreement = pair_agreement(pairs, community, values, window, thresholds, counted)
    chances = chance_of_agreeing(rates.loc[:, list(TRACE_CHANNELS)].to_numpy(dtype=np.float64), thresholds)
    counts = pd.Series(community).map(pd.Series(community).value_counts()).to_numpy(dtype=np.float64)
    others = np.where(community >= 0, counts - 1.0, 0.0)
    expected = others[:, None] * rates.to_numpy(dtype=np.float64)
    expected_columns = [expected]
    for channel, threshold in PAIR_THRESHOLDS.items():
        observed[channel] = agreement[threshold]
        # held against the whole graph, (N - 1) * p: community detection gathers exactly such chance
        # partners into one community, so only more of them than the whole graph gives is evidence
        expected_columns.append((max(len(community) - 1, 1) * chances[threshold])[:, None])
    expected = np.concatenate(expected_columns, axis=1)
    seen = observed.to_numpy(dtype=np.float64)
    surprise = poisson.sf(seen - 1.0, np.maximum(expected, 1e-300))
    shows = pd.DataFrame((seen >= 1) & (surprise < chance_level), index=observed.index, columns=observed.columns)
    null = pd.DataFrame(chance_level, index=observed.index, columns=observed.columns)
    return shows, null, observed
