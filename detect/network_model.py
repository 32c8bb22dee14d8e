"""Network-level decisions: is a community a coordinated network, and which of its members belong to it?

Each community (n >= `min_network_size` accounts) is modelled as a mixture: a share `lambda` of its
members belong to one coordinated network, in which channel `c` shows with probability `m_c`; the others
are accounts that chance put there, showing `c` with their null probability `u_ic` (detect/channels.py).
Per community, EM estimates `lambda` and `m` (Splink's m-probabilities, here per network) with `u` held
fixed; a channel only counts where `m_c > u_ic` (agreement never lowers suspicion below chance, and
sharing is never evidence against). Per member, the match weights of the Fellegi-Sunter model:

    w_ic = log(m_c / u_ic) if the member shows c, else log((1 - m_c) / (1 - u_ic))
    P(member belongs) = sigmoid(logit(lambda) + sum_c w_ic)      (in the fit)
    tie of a member   = sigmoid(sum_c w_ic - its strongest usage and its strongest trace weight)
                                                  (its verdict: its own evidence beyond one coincidence)

The network's evidence for channel c is `sum_i P(i belongs) * w_ic`: nats of evidence, the expected
log-likelihood ratio of "these accounts are one network" against "n random accounts". A coordinated
network needs both kinds of evidence: pairs of members agreeing on several traces at once (coordination;
detect/pairs.py says why single traces do not count here) *and* a way of using the platform that sets
it apart (usage, counted beyond its strongest single channel: one trait alone, a heavy user or a night
owl, is what busy genuine customers have). Offices on one card, families and a hackathon's shared
prompts have the first; busy genuine customers the second; sock-puppet operations have both. So

    network log-odds = min(coordination evidence, usage evidence) - log(K)

with K the number of communities tested (prior odds 1/K: the evidence must beat every chance the run
had to find something). Evidence is summed over members, so a larger network never scores lower for the
same per-member evidence; a network of 12 with strong evidence clears log(K) as easily as one of 20,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from detect.channels import CHANNELS, FAMILY_OF, Family

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_EPS = 1e-9


@dataclass(frozen=True)
class NetworkFit:
    """The fitted model of every tested community (rows of `networks`) and member (rows of `members`)."""

    codes: IntArray  # per member row: index into `networks`
    member_index: pd.Index  # per member row: the account (index into the profiles) it is
    weights: FloatArray  # per member row and channel: match weight w_ic (0 where the channel does not count)
    tie_weights: FloatArray  # the weights of the member's own tie: its strongest usage and trace weights set to 0
    shows: npt.NDArray[np.bool_]  # per member row and channel: x_ic
    co_members: IntArray  # per member row and channel: other members sharing it (0 for usage channels)
    null: FloatArray  # per member row and channel: u_ic
    belongs: FloatArray  # per member row: P(member belongs to the network)
    prior_log_odds: FloatArray  # per member row: logit(lambda) of its community
    networks: pd.DataFrame  # per community: community, size, lambda, m_<channel>, evidence_<channel>,
    # coordination, usage, logOdds, probability


TIE_BEYOND_STRONGEST: Final = (Family.USAGE, Family.TRACE)
"""The families whose strongest single channel a member's tie leaves out: one unusual usage trait (a heavy
user) and one shared trace (a NAT, a VPN exit, a popular prompt) are what genuine crowds have."""


def _sigmoid(values: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * values)), dtype=np.float64)


def _match_weights(m: FloatArray, u: FloatArray, x: npt.NDArray[np.bool_]) -> FloatArray:
    m = np.clip(m, _EPS, 1 - _EPS)
    u = np.clip(u, _EPS, 1 - _EPS)
    weights = np.where(x, np.log(m / u), np.log((1 - m) / (1 - u)))
    return np.where(m > u, weights, 0.0)


def _beyond_strongest(parts: FloatArray) -> FloatArray:
    """A family's evidence beyond its strongest single channel: one coincidence alone (a shared VPN exit,
    a heavy user) is what genuine crowds have; two or more at once is what a network shows."""
    return np.asarray(parts.sum(axis=1) - parts.max(axis=1), dtype=np.float64)


def fit_networks(community: IntArray, shows: pd.DataFrame, null: pd.DataFrame, members: IntArray, *,
                 min_size: int, iterations: int, pseudo_count: float, typical_weight: float = 50.0,
                 co_members: pd.DataFrame | None = None) -> NetworkFit:
    """EM per community, vectorised over all of them. One row per (candidate community, member):
    `community` its candidate id (-1: none), `members` the account it is; `shows` and `null` per row and
    channel (columns CHANNELS). `typical_weight=0` leaves `null` as given (the estimator alone)."""
    sizes_all = pd.Series(community).map(pd.Series(community).value_counts()).to_numpy()
    tested = (community >= 0) & (sizes_all >= min_size)
    rows = np.flatnonzero(tested)
    labels, codes = np.unique(community[rows], return_inverse=True)
    codes = codes.astype(np.int64)
    count = len(labels)
    x = shows.loc[:, list(CHANNELS)].to_numpy(dtype=bool)[rows]
    u = null.loc[:, list(CHANNELS)].to_numpy(dtype=np.float64)[rows]
    # The null is never below what members of the graph's communities show in general (u from the data):
    # traces that a chance model calls rare but that crowds of this graph share anyway are held against
    # how often they are shown. Each community weighs at most `typical_weight` members' worth, so a large
    # network does not make itself look typical.
    sizes = np.bincount(codes, minlength=count).astype(np.float64)
    row_weight = np.minimum(1.0, typical_weight / np.maximum(sizes, 1.0))[codes]
    typical = (row_weight[:, None] * x).sum(axis=0) / max(float(row_weight.sum()), 1.0)
    family = np.array([FAMILY_OF[channel] for channel in CHANNELS])
    # only for the traces: the channels that decide a network keep their chance null, so that many
    # networks (an operation of thousands of small rings) cannot make themselves typical
    typical = np.where(family == Family.TRACE, typical, 0.0)
    u = np.clip(np.maximum(u, typical[None, :]), _EPS, 1 - _EPS)
    n = np.bincount(codes, minlength=count).astype(np.float64)
    mean_u = np.stack([np.bincount(codes, weights=u[:, h], minlength=count) for h in range(len(CHANNELS))],
                      axis=1) / np.maximum(n, 1.0)[:, None]
    belongs = np.full(len(rows), 0.5)
    lam = np.full(count, 0.5)
    m = mean_u.copy()
    weights = np.zeros_like(u)
    for _ in range(iterations):
        mass = np.bincount(codes, weights=belongs, minlength=count)
        agree = np.stack([np.bincount(codes, weights=belongs * x[:, h], minlength=count)
                          for h in range(len(CHANNELS))], axis=1)
        m = (agree + pseudo_count * mean_u) / (mass + pseudo_count)[:, None]
        lam = (mass + 1.0) / (n + 2.0)
        weights = _match_weights(m[codes], u, x)
        logit = np.log(lam / (1 - lam))[codes] + weights.sum(axis=1)
        belongs = _sigmoid(logit)
    evidence: FloatArray = np.stack([np.bincount(codes, weights=belongs * weights[:, h], minlength=count)
                                     for h in range(len(CHANNELS))], axis=1).astype(np.float64)
    coordination = evidence[:, family == Family.COORDINATION].sum(axis=1)
    usage = _beyond_strongest(evidence[:, family == Family.USAGE])
    log_odds = np.minimum(coordination, usage) - np.log(max(count, 2))
    networks = pd.DataFrame({"community": labels, "size": n.astype(np.int64), "lambda": lam})
    for h, channel in enumerate(CHANNELS):
        networks[f"m_{channel}"] = m[:, h]
        networks[f"u_{channel}"] = mean_u[:, h]
        networks[f"agree_{channel}"] = np.bincount(codes, weights=x[:, h], minlength=count).astype(np.int64)
        networks[f"evidence_{channel}"] = evidence[:, h]
    networks["coordination"] = coordination
    networks["usage"] = usage
    networks["logOdds"] = log_odds
    networks["probability"] = _sigmoid(log_odds)
    # A member's verdict rests on its own tie: its match weights against an even prior, not on how large a
    # share of its community the model puts in the network (lambda shapes the fit, not the member); and,
    # as for the network, its single strongest usage trait and its single strongest shared trace are no
    # evidence by themselves (a campus student on the NAT everyone in its community shares)
    tie_weights = weights.copy()
    for kind in TIE_BEYOND_STRONGEST:
        columns = np.flatnonzero(family == kind)
        if len(columns) and len(rows):
            strongest = columns[np.argmax(weights[:, columns], axis=1)]
            positive = weights[np.arange(len(rows)), strongest] > 0
            tie_weights[np.arange(len(rows))[positive], strongest[positive]] = 0.0
    own_tie = _sigmoid(tie_weights.sum(axis=1))
    shared = (co_members.loc[:, list(CHANNELS)].to_numpy(dtype=np.int64)[rows] if co_members is not None
              else np.zeros(x.shape, dtype=np.int64))
    return NetworkFit(codes=codes, member_index=pd.Index(members[rows]), weights=weights, tie_weights=tie_weights,
                      shows=x,
                      co_members=shared, null=u,
                      belongs=own_tie, prior_log_odds=np.zeros(len(rows)), networks=networks)
