"""Exchanges of the look-alike crowds beyond their members' ordinary traffic (traffic.genuine_traffic):
cohort members working through their sheet during the event's sessions, and scheduled jobs firing
on their cron. Office bursts have only ordinary work-hours traffic."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.crowd_prompts import PERSONAL_PREFIXES, PERSONAL_SUFFIXES, render_tool
from simulator.parts import COHORT_KINDS, SCHEDULED_JOBS
from simulator.population import Population
from simulator.prompts import PromptPools
from simulator.traffic import SDK_AGENTS, USER_AGENTS, WEB_AGENTS, ExchangeBatch, empty_batch, positions_within

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]
_CRON_AGENTS = np.array(
    [USER_AGENTS.index(a) for a in ("atlas-python/1.8.2", "atlas-typescript/1.6.0", "langchain/0.3.14", "curl/8.5.0")],
    dtype=np.int64,
)


def _cohort_traffic(
    population: Population, pools: PromptPools, rows: IntArray, rng: np.random.Generator
) -> ExchangeBatch:
    """Members attend most sessions and send sheet items in order as the session goes on: 60% the
    item verbatim, 25% with a personal greeting or sign-off, 15% a prompt of their own."""
    if not len(rows):
        return empty_batch()
    profile = population.profile
    table = population.crowds
    crowd = profile["crowd"].to_numpy()[rows]
    sessions_of = np.array([len(table.session_start[c]) for c in crowd], dtype=np.int64)
    member = np.repeat(np.arange(len(rows)), sessions_of)
    session_index = positions_within(sessions_of)
    starts = np.concatenate([table.session_start[c] for c in crowd])
    ends = np.concatenate([table.session_end[c] for c in crowd])
    attended = rng.random(len(member)) < profile["attendance"].to_numpy()[rows][member]
    counts = rng.poisson(profile["session_rate"].to_numpy()[rows][member]) * attended
    pair = np.repeat(np.arange(len(member)), counts)
    if not len(pair):
        return empty_batch()
    progress = rng.random(len(pair))
    ts_s = starts[pair] + (progress * (ends - starts)[pair]).astype(np.int64)
    local = member[pair]
    account = rows[local]
    ts_s = np.maximum(ts_s, profile["created_at"].to_numpy()[account] + 60)
    keep = ts_s < population.end
    pair, progress, ts_s, local, account = pair[keep], progress[keep], ts_s[keep], local[keep], account[keep]
    total = len(ts_s)

    prompt = np.empty(total, dtype=object)
    member_crowd = crowd[local]
    for c in np.unique(member_crowd):
        selected = np.flatnonzero(member_crowd == c)
        sheet = table.sheet[c]
        through = (session_index[pair[selected]] + progress[selected]) / len(table.session_start[c])
        item = np.clip(
            (through * len(sheet) + rng.normal(0, 0.7, size=len(selected))).astype(np.int64), 0, len(sheet) - 1
        )
        prompt[selected] = sheet[item]
    style = rng.random(total)
    personal = np.flatnonzero((style >= 0.6) & (style < 0.85))
    prefixes = PERSONAL_PREFIXES[rng.integers(0, len(PERSONAL_PREFIXES), size=len(personal))]
    suffixes = PERSONAL_SUFFIXES[rng.integers(0, len(PERSONAL_SUFFIXES), size=len(personal))]
    with_prefix = rng.random(len(personal)) < 0.5
    prompt[personal] = np.where(with_prefix, prefixes + prompt[personal], prompt[personal] + suffixes)
    own = np.flatnonzero(style >= 0.85)
    prompt[own] = pools.user_texts[rng.integers(0, len(pools.user_texts), size=len(own))]

    venue = profile["ip_pool"].to_numpy()[account]
    book = population.addresses
    carrier = book.pick(profile["carrier_pool"].to_numpy()[account], rng.random(total))
    on_venue = (venue >= 0) & (rng.random(total) < 0.85)
    ip = np.where(rng.random(total) < 0.9, profile["lease0"].to_numpy()[account], carrier)
    ip[on_venue] = book.pick(venue[on_venue], rng.random(int(on_venue.sum())))
    model = profile["model_preference"].to_numpy()[account].copy()
    drift = rng.random(total) < 0.15
    model[drift] = rng.integers(0, 3, size=int(drift.sum()))
    sdk = profile["user_agent_choice"].to_numpy()[account] == 1
    user_agent = np.where(sdk, SDK_AGENTS[0], np.array(WEB_AGENTS)[account % 2]).astype(np.int64)
    keys = np.where(sdk, 0, -1).astype(np.int64)
    output_tokens = (450 * np.exp(rng.normal(0, 0.7, size=total))).astype(np.int64) + 1
    ts_ms = ts_s * 1_000 + rng.integers(0, 1_000, size=total)
    fingerprint = np.full(total, None, dtype=object)
    return ExchangeBatch(account, ts_ms, ip, prompt, model, user_agent, keys, output_tokens, fingerprint)


def _cron_traffic(
    population: Population, pools: PromptPools, rows: IntArray, rng: np.random.Generator
) -> ExchangeBatch:
    """Each run sends `cron_batch` requests a few seconds apart, starting a second or so after the
    cron time; about 3% of runs fail to fire."""
    if not len(rows):
        return empty_batch()
    profile = population.profile
    start, end = population.start, population.end
    period = profile["cron_period"].to_numpy()[rows]
    offset = profile["cron_offset"].to_numpy()[rows]
    first_time = np.maximum(start, profile["created_at"].to_numpy()[rows] + 3_600)
    first_run = -(-(first_time - start - offset) // period)
    last_run = (end - 1 - start - offset) // period
    runs = np.maximum(0, last_run - first_run + 1)
    run_member = np.repeat(np.arange(len(rows)), runs)
    run_time = start + offset[run_member] + (first_run[run_member] + positions_within(runs)) * period[run_member]
    fired = rng.random(len(run_member)) >= 0.03
    run_member, run_time = run_member[fired], run_time[fired]
    batch = profile["cron_batch"].to_numpy()[rows][run_member]
    request_run = np.repeat(np.arange(len(run_member)), batch)
    within = positions_within(batch)
    local = run_member[request_run]
    startup_ms = rng.uniform(300, 3_000, size=len(rows))[local]
    ts_ms = (
        run_time[request_run] * 1_000
        + (startup_ms * np.exp(rng.normal(0, 0.3, size=len(local)))).astype(np.int64)
        + (within * rng.uniform(1_500, 6_000, size=len(local))).astype(np.int64)
    )
    keep = ts_ms < end * 1_000
    local, ts_ms = local[keep], ts_ms[keep]
    account = rows[local]
    total = len(account)
    ip = population.addresses.pick(profile["ip_pool"].to_numpy()[account], rng.random(total))
    prompt = np.empty(total, dtype=object)
    crowd = profile["crowd"].to_numpy()[account]
    for c in np.unique(crowd):
        selected = np.flatnonzero(crowd == c)
        prompt[selected] = render_tool(pools, population.crowds.tool[c], len(selected), rng)
    model = profile["model_preference"].to_numpy()[account]
    user_agent = _CRON_AGENTS[profile["user_agent_choice"].to_numpy()[account] % len(_CRON_AGENTS)]
    keys = np.zeros(total, dtype=np.int64)
    output_tokens = (350 * np.exp(rng.normal(0, 0.6, size=total))).astype(np.int64) + 1
    fingerprint = np.full(total, None, dtype=object)
    return ExchangeBatch(account, ts_ms, ip, prompt, model, user_agent, keys, output_tokens, fingerprint)


def crowd_traffic(
    population: Population, pools: PromptPools, rows: IntArray, rng: np.random.Generator
) -> ExchangeBatch:
    """The crowd-specific exchanges of the chunk's accounts `rows` (others are ignored)."""
    crowd = population.profile["crowd"].to_numpy()[rows]
    rows, crowd = rows[crowd >= 0], crowd[crowd >= 0]
    kinds = np.array(population.crowds.kind, dtype=object)[crowd] if len(crowd) else np.zeros(0, dtype=object)
    return ExchangeBatch.concat(
        [
            _cohort_traffic(population, pools, rows[np.isin(kinds, COHORT_KINDS)], rng),
            _cron_traffic(population, pools, rows[kinds == SCHEDULED_JOBS], rng),
        ]
    )
