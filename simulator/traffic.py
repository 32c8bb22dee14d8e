"""Exchanges for a chunk of accounts: genuine sessions on daily rhythms (adversary traffic is in
simulator/operation_traffic.py, look-alike crowds' in simulator/crowd_traffic.py), the platform's rate
limit, and the contract columns.

A chunk holds whole accounts, so per-account rules (rate limits, sessions) are applied locally and
memory stays bounded however large the world is. Every random draw comes from the chunk's own
generator, so output does not depend on anything but the seed and the chunk plan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.config import NEW_MODEL, OLD_MODELS, RATE_LIMIT_PER_DAY
from simulator.identities import DAY
from simulator.parts import APP, COMPANY, FAMILY, HOME, LAB, MOBILE, POWER, RESELLER, UNIVERSITY, VPN
from simulator.population import Population
from simulator.prompts import CODE_HELP_KIND, EVAL_KIND, HOMEWORK_KIND, PromptPools, render_app, render_genuine

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]

MODELS: Final = (*OLD_MODELS, NEW_MODEL)
NEW_MODEL_INDEX: Final = len(OLD_MODELS)
EXCHANGE_COLUMNS: Final = (
    "request_id",
    "account_id",
    "ts",
    "ip",
    "prompt",
    "prompt_fingerprint",
    "api_key_id",
    "model",
    "user_agent",
    "input_tokens",
    "output_tokens",
)

USER_AGENTS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AtlasWeb/2026.3",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AtlasWeb/2026.3",
    "AtlasChat/4.12 (iPhone; iOS 19.3)",
    "AtlasChat/4.12 (Android 16)",
    "atlas-python/1.8.2",
    "atlas-typescript/1.6.0",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "langchain/0.3.14",
    "atlas-python/1.7.0",
    "Go-http-client/2.0",
)
WEB_AGENTS, MOBILE_AGENTS, SDK_AGENTS = (0, 1), (2, 3), (4, 5, 6, 7, 8)

# IP channels for genuine traffic
LEASE, CARRIER, VPN_EXIT, OFFICE, CAMPUS, PROXY, APP_CLOUD = range(7)
_CHANNEL_SHARES: Final = {
    HOME: (0.9, 0.1, 0, 0, 0, 0, 0),
    POWER: (0.85, 0.05, 0.1, 0, 0, 0, 0),
    MOBILE: (0.15, 0.85, 0, 0, 0, 0, 0),
    VPN: (0.25, 0, 0.75, 0, 0, 0, 0),
    COMPANY: (0.2, 0.1, 0, 0.7, 0, 0, 0),
    FAMILY: (0.85, 0.15, 0, 0, 0, 0, 0),
    UNIVERSITY: (0.25, 0.15, 0, 0, 0.6, 0, 0),
    RESELLER: (0, 0, 0, 0, 0, 1.0, 0),
    APP: (0, 0, 0, 0, 0, 0, 1.0),
    LAB: (0, 0, 0, 0, 1.0, 0, 0),
}
_PROMPT_KIND_SHARES: Final = {  # user, popular, homework, code help, eval harness
    UNIVERSITY: (0.6, 0.08, 0.22, 0.1, 0),
    POWER: (0.45, 0.03, 0.12, 0.4, 0),
    LAB: (0.1, 0, 0, 0, 0.9),
}
_DEFAULT_KIND_SHARES: Final = (0.82, 0.09, 0.06, 0.03, 0)
HOURLY_EVENING: Final = np.array(
    [3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 9, 8, 8, 9, 10, 12, 14, 15, 14, 10, 6], dtype=float
)
HOURLY_OFFICE: Final = np.array(
    [1, 0.5, 0.5, 0.5, 0.5, 1, 2, 5, 12, 16, 16, 14, 10, 14, 16, 15, 13, 9, 5, 3, 2, 2, 1.5, 1], dtype=float
)
HOURLY_STUDENT: Final = np.array(
    [8, 6, 3, 1, 1, 1, 1, 2, 4, 8, 11, 12, 11, 12, 13, 13, 12, 11, 11, 12, 13, 14, 13, 11], dtype=float
)
HOURLY_FLAT: Final = np.array(
    [6, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 9, 8, 8, 7, 7, 6, 6], dtype=float
)


@dataclass
class ExchangeBatch:
    """Exchanges of one chunk as parallel arrays (profile row index per exchange)."""

    account: IntArray
    ts_ms: IntArray
    ip: IntArray
    prompt: ObjectArray
    model: IntArray
    user_agent: IntArray
    key_number: IntArray  # -1: no API key (web/mobile)
    output_tokens: IntArray
    fingerprint: ObjectArray  # an upstream prompt fingerprint (then the prompt is not exported) or None

    @staticmethod
    def concat(batches: list[ExchangeBatch]) -> ExchangeBatch:
        return ExchangeBatch(
            **{name: np.concatenate([getattr(b, name) for b in batches]) for name in ExchangeBatch.__dataclass_fields__}
        )

    def take(self, order: IntArray) -> ExchangeBatch:
        return ExchangeBatch(**{name: getattr(self, name)[order] for name in ExchangeBatch.__dataclass_fields__})


def empty_batch() -> ExchangeBatch:
    empty = np.zeros(0, dtype=np.int64)
    nothing = np.zeros(0, dtype=object)
    return ExchangeBatch(empty, empty, empty, nothing, empty, empty, empty, empty, nothing)


def positions_within(counts: IntArray) -> IntArray:
    """For counts [2, 3] -> [0, 1, 0, 1, 2]."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def draw_hours(rng: np.random.Generator, curves: FloatArray, curve_index: IntArray) -> IntArray:
    cumulative = np.cumsum(curves, axis=1)
    cumulative /= cumulative[:, -1:]
    uniforms = rng.random(len(curve_index))
    hours = (cumulative[curve_index] < uniforms[:, None]).sum(axis=1)
    result: IntArray = np.minimum(hours, 23).astype(np.int64)
    return result


def genuine_traffic(
    population: Population, pools: PromptPools, rows: IntArray, rng: np.random.Generator
) -> ExchangeBatch:
    """Sessions on local daily rhythms; IPs from the account's channels; models adopted gradually."""
    profile = population.profile
    counts = profile["exchanges"].to_numpy()[rows]
    rows, counts = rows[counts > 0], counts[counts > 0]
    if not len(rows):
        return empty_batch()
    segment = profile["segment"].to_numpy()[rows]
    is_app = segment == APP
    session_length = np.where(is_app | (segment == LAB), 1, rng.integers(1, 7, size=len(rows)))
    sessions_per_account = -(-counts // session_length)
    session_account_local = np.repeat(np.arange(len(rows)), sessions_per_account)
    session_count = len(session_account_local)

    created = profile["created_at"].to_numpy()[rows]
    first_day = np.clip((created - population.start) // DAY, 0, None)
    days = (population.end - population.start) // DAY
    day = first_day[session_account_local] + (
        rng.random(session_count) * (days - first_day[session_account_local])
    ).astype(np.int64)
    weekday = (day + 0) % 7  # the window starts on a Monday
    session_segment = segment[session_account_local]
    weekend_worker = (weekday >= 5) & np.isin(session_segment, [COMPANY, LAB]) & (rng.random(session_count) < 0.85)
    day[weekend_worker] -= weekday[weekend_worker] - rng.integers(0, 5, size=int(weekend_worker.sum()))
    day = np.clip(day, 0, days - 1)
    curve = np.select(
        [np.isin(session_segment, [COMPANY, LAB]), session_segment == UNIVERSITY, session_segment == APP], [1, 2, 3], 0
    )
    hour = draw_hours(rng, np.stack([HOURLY_EVENING, HOURLY_OFFICE, HOURLY_STUDENT, HOURLY_FLAT]), curve)
    tz_offset = profile["tz_offset"].to_numpy()[rows][session_account_local]
    session_start = (
        population.start
        + day * DAY
        + hour * 3_600
        + rng.integers(0, 3_600, size=session_count)
        - (tz_offset * 3_600).astype(np.int64)
    )

    # Channel and sticky member choice per session.
    channel_table = np.array([_CHANNEL_SHARES[s] for s in range(len(_CHANNEL_SHARES))])
    cumulative = np.cumsum(channel_table[session_segment], axis=1)
    channel = (cumulative < rng.random(session_count)[:, None]).sum(axis=1)
    channel = np.minimum(channel, APP_CLOUD)
    session_uniform = rng.random(session_count)
    key_number = rng.integers(0, 2, size=session_count)

    # Expand sessions to exchanges.
    account_local = np.repeat(np.arange(len(rows)), counts)
    position = positions_within(counts)
    first_session = np.cumsum(sessions_per_account) - sessions_per_account
    session_of = first_session[account_local] + position // session_length[account_local]
    within = position % session_length[account_local]
    total = len(account_local)
    ts_s = session_start[session_of] + within * 50 + rng.integers(0, 40, size=total)
    earliest = np.maximum(population.start, created[account_local] + 120)
    ts_s = np.clip(ts_s, earliest, population.end - 1)
    ts_ms = ts_s * 1_000 + rng.integers(0, 1_000, size=total)
    account = rows[account_local]

    # IP per exchange.
    row_channel = channel[session_of]
    ip = np.zeros(total, dtype=np.int64)
    book = population.addresses
    lease_count = profile["lease_count"].to_numpy()[account]
    lease_phase = (account * 0.6180339887) % 1.0
    lease_index = (
        ((ts_s - population.start) / (population.end - population.start) + lease_phase) * lease_count
    ).astype(np.int64) % lease_count
    leases = np.stack([profile[f"lease{i}"].to_numpy()[account] for i in range(3)], axis=1)
    on_lease = row_channel == LEASE
    ip[on_lease] = leases[on_lease, lease_index[on_lease]]
    pool_columns = {
        CARRIER: "carrier_pool",
        VPN_EXIT: "vpn_pool",
        OFFICE: "office_pool",
        CAMPUS: "campus_pool",
        PROXY: "proxy_pool",
        APP_CLOUD: "app_pool",
    }
    per_request_rotation = {PROXY, APP_CLOUD}
    request_uniform = rng.random(total)
    for channel_code, column in pool_columns.items():
        selected = np.flatnonzero(row_channel == channel_code)
        if not len(selected):
            continue
        uniforms = (
            request_uniform[selected] if channel_code in per_request_rotation else session_uniform[session_of[selected]]
        )
        ip[selected] = book.pick(profile[column].to_numpy()[account[selected]], uniforms)

    # Prompts.
    row_segment = segment[account_local]
    prompt = np.empty(total, dtype=object)
    app_rows = np.flatnonzero(row_segment == APP)
    prompt[app_rows] = render_app(pools, profile["app_template"].to_numpy()[account[app_rows]], rng)
    person_rows = np.flatnonzero(row_segment != APP)
    kind_table = np.array([_PROMPT_KIND_SHARES.get(s, _DEFAULT_KIND_SHARES) for s in range(len(_CHANNEL_SHARES))])
    kind_cumulative = np.cumsum(kind_table[row_segment[person_rows]], axis=1)
    kinds = (kind_cumulative < rng.random(len(person_rows))[:, None]).sum(axis=1).astype(np.int64)
    kinds = np.minimum(kinds, EVAL_KIND)
    countries = profile["country"].to_numpy()[account[person_rows]]
    prompt[person_rows] = render_genuine(pools, kinds, countries, rng)

    # Models: preference before the release, then gradual adoption (fast for early adopters; apps pinned).
    model = profile["model_preference"].to_numpy()[account].astype(np.int64)
    since_release = (ts_s - population.release) / DAY
    early = profile["early_adopter"].to_numpy()[account]
    tau = np.where(early, 0.4, 4.0)
    adopt = 0.85 * (1 - np.exp(-np.clip(since_release, 0, None) / tau))
    switched = (since_release > 0) & (rng.random(total) < adopt) & (row_segment != APP)
    model[switched] = NEW_MODEL_INDEX

    # Clients and output lengths.
    agent_choices = np.select(
        [np.isin(row_segment, [APP, LAB, POWER]), row_segment == MOBILE],
        [np.array(SDK_AGENTS)[account % len(SDK_AGENTS)], np.array(MOBILE_AGENTS)[account % 2]],
        np.array(WEB_AGENTS)[account % 2],
    )
    company_api = (row_segment == COMPANY) & (account % 2 == 0)
    agent_choices[company_api] = np.array(SDK_AGENTS)[account[company_api] % len(SDK_AGENTS)]
    api_user = np.isin(row_segment, [APP, LAB, POWER]) | company_api
    keys = np.where(api_user, key_number[session_of], -1)
    median_output = np.where(np.isin(row_segment, [APP]), 80, 280)
    if len(person_rows):
        reasoning = np.zeros(total, dtype=bool)
        reasoning[person_rows] = np.isin(kinds, [HOMEWORK_KIND, CODE_HELP_KIND, EVAL_KIND])
        median_output = np.where(reasoning, 650, median_output)
    output_tokens = (median_output * np.exp(rng.normal(0, 0.7, size=total))).astype(np.int64) + 1
    return ExchangeBatch(
        account,
        ts_ms,
        ip,
        prompt,
        model,
        agent_choices.astype(np.int64),
        keys,
        output_tokens,
        np.full(total, None, dtype=object),
    )


def enforce_rate_limit(batch: ExchangeBatch) -> ExchangeBatch:
    """The platform rejects requests beyond the per-account daily limit; rejected ones are not exchanges."""
    if not len(batch.account):
        return batch
    day = batch.ts_ms // (DAY * 1_000)
    order = np.lexsort((batch.ts_ms, day, batch.account))
    ordered = batch.take(order)
    day = day[order]
    group_start = np.ones(len(order), dtype=bool)
    group_start[1:] = (ordered.account[1:] != ordered.account[:-1]) | (day[1:] != day[:-1])
    group_id = np.cumsum(group_start) - 1
    first_index = np.flatnonzero(group_start)
    rank = np.arange(len(order)) - first_index[group_id]
    kept = ordered.take(np.flatnonzero(rank < RATE_LIMIT_PER_DAY))
    return kept.take(np.lexsort((kept.account, kept.ts_ms)))


def _mix64(values: npt.NDArray[np.uint64], salt: int) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: a bijection on 64-bit integers (distinct inputs, distinct outputs)."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(salt & 0xFFFFFFFFFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        result: npt.NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return result


def hex_ids(values: npt.NDArray[np.uint64], prefix: str, width: int = 16) -> pa.Array:
    raw = values.astype(">u8").tobytes().hex().encode("ascii")
    full = np.frombuffer(raw, dtype="S16")
    text = pa.array(full, type=pa.binary(16)).cast(pa.string())
    if width < 16:
        text = pc.utf8_slice_codeunits(text, 0, width)
    return pc.binary_join_element_wise(prefix, text, "")


def iso_ms(ts_ms: IntArray) -> pa.Array:
    text = np.datetime_as_string(ts_ms.astype("datetime64[ms]"), unit="ms")
    return pc.binary_join_element_wise(pa.array(text, type=pa.string()), "Z", "")


def exchanges_table(batch: ExchangeBatch, population: Population, seed: int, first_row: int) -> pa.Table:
    """Contract columns for a batch. Zero-retention customers export a fingerprint instead of text."""
    total = len(batch.account)
    profile = population.profile
    counter = np.arange(first_row, first_row + total, dtype=np.uint64)
    request_id = hex_ids(_mix64(counter, seed * 2 + 1), "req_")
    account_ids = pa.array(profile["account_id"].to_numpy()[batch.account], type=pa.string())
    ips = pa.array(population.addresses.table[batch.ip], type=pa.string())
    zero_retention = profile["zero_retention"].to_numpy()[batch.account].astype(bool)
    prompts = batch.prompt
    fingerprints = batch.fingerprint.copy()
    upstream = pd.notna(fingerprints)
    hidden = np.flatnonzero(zero_retention & ~upstream)
    fingerprints[hidden] = [
        "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40] for text in prompts[hidden]
    ]
    prompt_array = pa.array(prompts, type=pa.string())
    input_tokens = pc.add(pc.divide(pc.utf8_length(prompt_array), 4), 3)
    withheld = zero_retention | upstream
    if withheld.any():
        shown = prompts.copy()
        shown[withheld] = None
        prompt_array = pa.array(shown, type=pa.string())
    key_values = (batch.account.astype(np.uint64) << np.uint64(3)) + np.maximum(batch.key_number, 0).astype(np.uint64)
    keys = hex_ids(_mix64(key_values, seed * 2 + 2), "key_", width=12)
    keys = pc.if_else(pa.array(batch.key_number >= 0), keys, pa.scalar(None, pa.string()))
    return pa.table(
        {
            "request_id": request_id,
            "account_id": account_ids,
            "ts": iso_ms(batch.ts_ms),
            "ip": ips,
            "prompt": prompt_array,
            "prompt_fingerprint": pa.array(fingerprints, type=pa.string()),
            "api_key_id": keys,
            "model": pa.array(np.array(MODELS, dtype=object)[batch.model], type=pa.string()),
            "user_agent": pa.array(np.array(USER_AGENTS, dtype=object)[batch.user_agent], type=pa.string()),
            "input_tokens": input_tokens.cast(pa.int64()),
            "output_tokens": pa.array(batch.output_tokens, type=pa.int64()),
        }
    )
