"""An operation's exchanges: timestamps from its clock, addresses from its slots' pools, prompts in
its prompt style.

Clocks: `waves` is a shared load-balancing clock: each account answers every `stride`-th wave with a
phase, so accounts fire in the same seconds (plus `jitter_seconds`), within the operator's shift if
any. The reported operations round the stride up (which rounds their rate down); `exact_rate` ones
step a fractional stride and keep their daily rate. `sessions` has no shared clock at all: each
account sends in sessions on a diurnal curve in its own country's time, like a genuine user.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.config import OperationProfile
from simulator.identities import DAY
from simulator.population import Population
from simulator.prompt_styles import render_paraphrases, render_task_list, upstream_fingerprints
from simulator.prompts import PromptPools, render_adversary
from simulator.traffic import (
    HOURLY_EVENING,
    HOURLY_OFFICE,
    NEW_MODEL_INDEX,
    USER_AGENTS,
    ExchangeBatch,
    draw_hours,
    empty_batch,
    positions_within,
)

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


def _wave_times(
    population: Population, operation: OperationProfile, rows: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    profile = population.profile
    wave = operation.wave_seconds
    shift = operation.shift_utc_hours
    duty = 1.0 if shift is None else (shift[1] - shift[0]) / 24
    rate = profile["daily_rate"].to_numpy()[rows]
    spacing = np.maximum(1.0, DAY * duty / (rate * wave))  # waves between an account's requests
    stride = spacing if operation.exact_rate else np.ceil(spacing)
    phase = profile["phase_seed"].to_numpy()[rows] % np.ceil(stride).astype(np.int64)
    active_start = profile["active_start"].to_numpy()[rows]
    active_end = profile["active_end"].to_numpy()[rows]
    first_wave = -(-(active_start - population.start) // wave) + phase
    last_wave = (active_end - population.start) // wave
    counts = np.maximum(0, np.floor((last_wave - first_wave) / stride).astype(np.int64) + 1)
    account_local = np.repeat(np.arange(len(rows)), counts)
    steps = np.floor(positions_within(counts) * stride[account_local]).astype(np.int64)
    waves = first_wave[account_local] + steps
    ts_s = population.start + waves * wave
    keep = rng.random(len(ts_s)) >= rng.uniform(0.02, 0.12, size=len(rows))[account_local]
    if shift is not None:
        hour = (ts_s % DAY) // 3_600
        keep &= (hour >= shift[0]) & (hour < shift[1])
    return account_local[keep], ts_s[keep]


def _session_times(population: Population, rows: IntArray, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """Sessions of 4-30 requests a minute or so apart, on evening or office-hour curves in local time,
    on random days of the account's active span (a start outside the span is drawn again, at last
    uniformly inside it; requests running past the span's end are dropped)."""
    profile = population.profile
    counts = profile["exchanges"].to_numpy()[rows]
    active_start = profile["active_start"].to_numpy()[rows]
    active_end = profile["active_end"].to_numpy()[rows]
    session_length = rng.integers(4, 31, size=len(rows))
    sessions = -(-counts // session_length)
    session_account = np.repeat(np.arange(len(rows)), sessions)
    first_day = active_start // DAY
    span_days = np.maximum(1, -(-(active_end - first_day * DAY) // DAY))
    curve = (profile["phase_seed"].to_numpy()[rows] % 2)[session_account]
    tz_shift = (profile["tz_offset"].to_numpy()[rows][session_account] * 3_600).astype(np.int64)
    low, high = active_start[session_account], active_end[session_account]
    session_start = np.full(len(session_account), -1, dtype=np.int64)
    for _ in range(4):
        todo = np.flatnonzero(session_start < 0)
        if not len(todo):
            break
        day = first_day[session_account[todo]] + (rng.random(len(todo)) * span_days[session_account[todo]]).astype(
            np.int64
        )
        hour = draw_hours(rng, np.stack([HOURLY_EVENING, HOURLY_OFFICE]), curve[todo])
        candidate = day * DAY + hour * 3_600 + rng.integers(0, 3_600, size=len(todo)) - tz_shift[todo]
        inside = (candidate >= low[todo]) & (candidate < high[todo])
        session_start[todo[inside]] = candidate[inside]
    todo = np.flatnonzero(session_start < 0)
    session_start[todo] = low[todo] + (rng.random(len(todo)) * (high[todo] - low[todo])).astype(np.int64)

    done = positions_within(sessions) * session_length[session_account]
    per_session = np.minimum(session_length[session_account], counts[session_account] - done)
    session_of = np.repeat(np.arange(len(session_account)), per_session)
    gap_mean = rng.uniform(25.0, 150.0, size=len(rows))[session_account[session_of]]
    gaps = rng.exponential(1.0, size=len(session_of)) * gap_mean + 4.0
    cumulative = np.cumsum(gaps)
    first = np.cumsum(per_session) - per_session
    offset = cumulative - cumulative[first][session_of] if len(session_of) else cumulative
    ts_s = session_start[session_of] + offset.astype(np.int64)
    account_local = session_account[session_of]
    keep = (ts_s >= active_start[account_local]) & (ts_s < active_end[account_local])
    return account_local[keep], ts_s[keep]


def _positions_in_account(account_local: IntArray) -> IntArray:
    """Index of each request within its account (`account_local` is non-decreasing)."""
    starts = np.searchsorted(account_local, account_local, side="left")
    positions: IntArray = np.arange(len(account_local), dtype=np.int64) - starts
    return positions


def _prompts(
    population: Population,
    pools: PromptPools,
    operation: OperationProfile,
    account: IntArray,
    account_local: IntArray,
    rng: np.random.Generator,
) -> tuple[ObjectArray, ObjectArray]:
    """Prompt text per request, plus the upstream fingerprint (None unless the style is upstream_only)."""
    profile = population.profile
    total = len(account)
    families = np.where(
        rng.random(total) < 0.75,
        profile["primary_family"].to_numpy()[account],
        profile["secondary_family"].to_numpy()[account],
    )
    languages = profile["language"].to_numpy()[account]
    prompt = np.empty(total, dtype=object)
    fingerprint = np.full(total, None, dtype=object)
    if operation.prompt_style == "task_lists":
        seeds = profile["phase_seed"].to_numpy()[account]
        prompt[:] = render_task_list(pools, operation.name, seeds, _positions_in_account(account_local), rng)
        return prompt, fingerprint
    render = render_paraphrases if operation.prompt_style == "paraphrases" else render_adversary
    for family_index, family in enumerate(operation.families):
        selected = np.flatnonzero(families == family_index)
        if len(selected):
            prompt[selected] = render(pools, family, languages[selected], rng)
    if operation.prompt_style == "upstream_only":
        seeds = profile["phase_seed"].to_numpy()[account]
        fingerprint = upstream_fingerprints(operation.name, operation.accounts, seeds, rng)
    return prompt, fingerprint


def adversary_traffic(
    population: Population, pools: PromptPools, operation: OperationProfile, rows: IntArray, rng: np.random.Generator
) -> ExchangeBatch:
    """The operation's requests for the chunk's accounts `rows` (profile row indices)."""
    if not len(rows):
        return empty_batch()
    profile = population.profile
    if operation.clock == "sessions":
        account_local, ts_s = _session_times(population, rows, rng)
        jitter_ms = rng.integers(0, 1_000, size=len(ts_s))
    else:
        account_local, ts_s = _wave_times(population, operation, rows, rng)
        jitter_ms = (rng.random(len(ts_s)) * operation.jitter_seconds * 1_000).astype(np.int64)
    total = len(ts_s)
    ts_ms = ts_s * 1_000 + jitter_ms
    account = rows[account_local]

    book = population.addresses
    ip = book.pick(profile["ip_pool"].to_numpy()[account], rng.random(total))
    prompt, fingerprint = _prompts(population, pools, operation, account, account_local, rng)

    model = np.where(rng.random(total) < 0.85, 2, 1).astype(np.int64)
    if operation.model_switch_hours is not None:
        switch_at = (
            population.release
            + (operation.model_switch_hours * 3_600 * rng.uniform(0.6, 1.4, size=len(rows)))[account_local]
        )
        model[(ts_s > switch_at) & (rng.random(total) < 0.95)] = NEW_MODEL_INDEX
    agents = np.array([USER_AGENTS.index(a) for a in operation.user_agents], dtype=np.int64)
    user_agent = agents[profile["user_agent_choice"].to_numpy()[account]]
    keys = rng.integers(0, 2, size=total)
    output_tokens = (2_200 * np.exp(rng.normal(0, 0.45, size=total))).astype(np.int64) + 1
    return ExchangeBatch(account, ts_ms, ip, prompt, model, user_agent, keys, output_tokens, fingerprint)
