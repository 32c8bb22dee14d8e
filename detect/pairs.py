"""Pairs of accounts that share rare evidence, and on how many channels at once.

One shared trace is weak evidence of a network in a community, because community detection put the
community together from exactly those traces (a VPN exit shared by strangers ends up in one community
with them). What community detection does not manufacture is agreement of the *same pair* on several
independent channels: a card and an address and a creation burst. So the coordination evidence of a
community is counted over pairs: for each member, how many co-members agree with it on two or more
channels, against how many chance gives it anywhere in the graph (independent channels: the products of
its rates). Channels that go together in a population anyway (a VPN's users and its popular prompts) are
caught by the network model's data-estimated floor on every null rate (detect/network_model.py).

Pairs are formed only within items (the graph stays bipartite until here, and rarity caps already cut
hubs); an item shared by more than `exact_up_to` accounts contributes a sample of `partners` partners per
holder instead of every pair, which bounds the table at about `partners * holders`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
EXACT_UP_TO: Final = 40
PARTNERS: Final = 20


@dataclass(frozen=True)
class SharedPairs:
    """Distinct account pairs (first < second) and how many distinct channels each shares (`traces`): an
    IP and its subnet are one channel (address), a prompt's fingerprints of every kind one (prompt)."""

    first: IntArray
    second: IntArray
    traces: IntArray
    # per account (rows) and channel (columns): how many other accounts share that channel with it
    # (distinct partners through items up to `exact_up_to` holders, plus k - 1 for each larger item)
    partners: pd.DataFrame
    # per channel: its distinct pairs (first, second), declared organisations left out
    by_channel: dict[str, tuple[IntArray, IntArray]]


def _pairs_of_groups(holders: IntArray, starts: IntArray, sizes: IntArray, rng: np.random.Generator,
                     exact_up_to: int, partners: int) -> tuple[IntArray, IntArray]:
    """Pairs within each group (`holders[starts[g]:starts[g]+sizes[g]]`): all of them for small groups, a
    cyclic sample of `partners` partners per holder (in a shuffled order) for large ones."""
    firsts: list[IntArray] = []
    seconds: list[IntArray] = []
    for size in np.unique(sizes):
        groups = np.flatnonzero(sizes == size)
        base = starts[groups][:, None]
        if size <= exact_up_to:
            left, right = np.triu_indices(int(size), k=1)
            firsts.append(holders[(base + left[None, :]).ravel()])
            seconds.append(holders[(base + right[None, :]).ravel()])
        else:
            members = holders[base + np.arange(int(size))[None, :]]
            members = rng.permuted(members, axis=1)
            step = np.arange(1, min(partners, int(size) - 1) + 1)
            position = np.arange(int(size))
            left_index = np.repeat(position, len(step))
            right_index = (left_index + np.tile(step, int(size))) % int(size)
            firsts.append(members[:, left_index].ravel())
            seconds.append(members[:, right_index].ravel())
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)


def shared_pairs(items: pd.DataFrame, organisation: IntArray, *, seed: int = 0, exact_up_to: int = EXACT_UP_TO,
                 partners: int = PARTNERS) -> SharedPairs:
    """Pairs sharing at least one item, with the number of distinct channels they share. `items`: account,
    item, channel. Pairs inside one declared organisation (`organisation` codes per account; unique
    negative codes for none) are left out."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(items):
        return SharedPairs(empty, empty, empty, pd.DataFrame(), {})
    frame = items.loc[:, ["item", "account", "channel"]].drop_duplicates(["item", "account"])
    frame = frame.sort_values(["item", "account"], kind="stable")
    _, first_rows = np.unique(frame["item"].to_numpy(), return_index=True)
    sizes = np.diff(np.append(first_rows, len(frame))).astype(np.int64)
    channels = frame["channel"].to_numpy(dtype=object)[first_rows]
    holders = frame["account"].to_numpy(dtype=np.int64)
    rng = np.random.default_rng(seed)
    accounts = int(holders.max()) + 1
    keys_per_channel: list[IntArray] = []
    partner_counts: dict[str, IntArray] = {}
    by_channel: dict[str, tuple[IntArray, IntArray]] = {}
    for channel in pd.unique(channels):
        chosen = (sizes >= 2) & (channels == channel)
        if not chosen.any():
            continue
        a, b = _pairs_of_groups(holders, first_rows[chosen].astype(np.int64), sizes[chosen], rng,
                                exact_up_to, partners)
        low, high = np.minimum(a, b), np.maximum(a, b)
        exact_keys = np.unique(low * accounts + high)
        count = (np.bincount(exact_keys // accounts, minlength=accounts)
                 + np.bincount(exact_keys % accounts, minlength=accounts)).astype(np.int64)
        large = chosen & (sizes > exact_up_to)
        if large.any():  # sampled items: their partners were not all formed, count them all
            exact_count = np.zeros(accounts, dtype=np.int64)
            for start, size in zip(first_rows[large], sizes[large], strict=True):
                exact_count[holders[start:start + size]] += size - 1
            count = np.maximum(count, exact_count)
        partner_counts[str(channel)] = count
        declared = organisation[low] != organisation[high]
        channel_keys = np.unique(low[declared] * accounts + high[declared])
        keys_per_channel.append(channel_keys)
        by_channel[str(channel)] = (channel_keys // accounts, channel_keys % accounts)
    if not keys_per_channel:
        return SharedPairs(empty, empty, empty, pd.DataFrame(), {})
    keys, traces = np.unique(np.concatenate(keys_per_channel), return_counts=True)
    return SharedPairs(keys // accounts, keys % accounts, traces.astype(np.int64), pd.DataFrame(partner_counts),
                       by_channel)


def _agreement(pairs: SharedPairs, created: FloatArray, burst_window_ms: float) -> IntArray:
    """Per pair: the channels it shares, the creation burst counting as one when the two accounts were
    created within the window of each other."""
    together = np.abs(created[pairs.first] - created[pairs.second]) <= burst_window_ms
    return np.asarray(pairs.traces + together.astype(np.int64), dtype=np.int64)


def pair_agreement(pairs: SharedPairs, community: IntArray, created: FloatArray, burst_window_ms: float,
                   at_least: tuple[int, ...], counted: npt.NDArray[np.bool_] | None = None) -> dict[int, IntArray]:
    """Per threshold t: per account, how many co-members of its community agree with it on >= t channels
    (the creation burst counting as one when the two were created within the window of each other).
    `counted`: per account, whether it counts as a partner of others (None: all do)."""
    accounts = len(community)
    agreement = _agreement(pairs, created, burst_window_ms)
    same = (community[pairs.first] >= 0) & (community[pairs.first] == community[pairs.second])
    partner_ok = np.ones(accounts, dtype=bool) if counted is None else counted
    counts: dict[int, IntArray] = {}
    for threshold in at_least:
        chosen = (agreement >= threshold) & same
        to_first = chosen & partner_ok[pairs.second]
        to_second = chosen & partner_ok[pairs.first]
        counts[threshold] = (np.bincount(pairs.first[to_first], minlength=accounts)
                             + np.bincount(pairs.second[to_second], minlength=accounts)).astype(np.int64)
    return counts


def chance_of_agreeing(rates: FloatArray, at_least: tuple[int, ...]) -> dict[int, FloatArray]:
    """Per threshold t: per account, the chance that one random account agrees with it on >= t channels,
    channels independent with the account's rates (rows: accounts, columns: channels): the elementary
    symmetric polynomial of degree t of the rates, an upper bound that is tight for small rates."""
    p = np.clip(rates, 0.0, 1.0)
    degree = max(at_least)
    polynomial = np.zeros((p.shape[0], degree + 1))
    polynomial[:, 0] = 1.0
    for column in range(p.shape[1]):
        for order in range(degree, 0, -1):
            polynomial[:, order] += polynomial[:, order - 1] * p[:, column]
    return {threshold: np.clip(polynomial[:, threshold], 0.0, 1.0) for threshold in at_least}


def agreement_cores(pairs: SharedPairs, created: FloatArray, burst_window_ms: float, at_least: tuple[int, ...],
                    min_size: int) -> npt.NDArray[np.int64]:
    """Per account and threshold t (columns): the connected component of the graph of pairs that agree on
    >= t channels (the creation burst counting as one), -1 outside components of `min_size` or more.

    Modularity cannot see a ring of 12 inside a crowd of 400 that shares its proxies and cards (the
    resolution limit); agreement of the same pairs on several channels at once can. These cores are
    candidates beside Leiden's communities, tested by the same network model."""
    accounts = len(created)
    cores = np.full((accounts, len(at_least)), -1, dtype=np.int64)
    if not len(pairs.first):
        return cores
    agreement = _agreement(pairs, created, burst_window_ms)
    for column, threshold in enumerate(at_least):
        chosen = agreement >= threshold
        if not chosen.any():
            continue
        graph = coo_matrix((np.ones(int(chosen.sum())), (pairs.first[chosen], pairs.second[chosen])),
                           shape=(accounts, accounts))
        _, labels = connected_components(graph, directed=False)
        sizes = np.bincount(labels)
        cores[:, column] = np.where(sizes[labels] >= min_size, labels, -1)
    return cores
