"""Turn validated chunks into aggregate rows for the graph: events in, evidence edges and features out.

Sixteen million exchanges must become far fewer edges, so an ``ExchangeAggregate`` holds one row per
distinct (account, evidence) pair and per account, never per exchange. Chunk aggregates are merged by
the aggregation engine (``loaders.engine``: ``loaders/sql/merge_batch.sql`` on DuckDB or Spark) exactly:
counts add, ``firstSeen`` min, ``lastSeen`` max, MinHash element-wise min, histograms add; the engine's
merge of ``aggregate(a)`` and ``aggregate(b)`` equals ``aggregate(a + b)`` (tests/unit/test_aggregate.py).
Memory is bounded by the number of distinct pairs in a chunk (and account-hours, see below). Rows for the
writers are in ``loaders.rows``.

Why over 400 lines: ``ExchangeAggregator`` is one class whose per-evidence steps share the chunk's
factorised account codes and timestamps; split across modules they would pass those arrays around.

Evidence (account -> shared node), each an edge with ``count, firstSeen, lastSeen``:

* ``SEEN_FROM`` -> ``IpAddress {ipKey, version, subnetKey}`` (subnet /24 IPv4, /48 IPv6, keyed hash)
* ``SENT`` -> ``PromptFingerprint {key, kind}`` for kinds exact, template, nearband, upstream
  (see ``sockhound.fingerprints``); per-fingerprint distinct-account counts come with the node rows so
  the graph can mark very common fingerprints instead of linking thousands of accounts through them.
* ``IN_SYNC_BUCKET`` -> ``SyncBucket {key}``: LSH band keys of the MinHash over the account's set of
  active time windows (default 5 minutes). Accounts that act in the same fine windows (SynchroTrap)
  land in the same buckets. Computed from the *final* signature of an account (after merging), so a
  writer replaces an account's sync buckets rather than adding to them.
* ``USED_MODEL`` -> model name, with ``count`` (model mix).

Per-account activity features (``loaders.rows.activity_rows``): volume, tokens, first/last seen, capability-hint
counts, hour-of-day histogram (UTC), rate shape (active hours/days, max and mean requests per active
hour/day, 95th percentile per active hour), the sync signature. ``docs/features.md`` says why each exists.

Rate features come from an exact (account, epoch hour) count table, so they are exact within whatever
was merged in memory (a batch). Across batches the writer can only combine them approximately (sum of
active hours, max of max) unless batches overlap in time; counts, tokens, first/last, the hour-of-day
histogram, capability counts and the sync signature combine exactly.

Timestamps: frames hold ``datetime64[ns, UTC]``; ``loaders.rows`` functions emit timezone-aware
``datetime.datetime`` (UTC, microsecond precision), which the neo4j driver stores as ``DateTime``.
Sketch values are stored as non-negative int64 (63-bit), so Cypher ``min`` agrees with the sketch order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sockhound.fingerprints import (
    CAPABILITIES,
    DEFAULT_CONFIG,
    KIND_UPSTREAM,
    U64,
    FingerprintArrays,
    FingerprintConfig,
    PromptFingerprinter,
    band_keys,
    hex_keys,
    minhash_segments,
    mix64,
    permutation_constants,
)
from sockhound.privacy import (
    KeyedHasher,
    hash_ips,
    hash_upstream_prompt_fingerprints,
)

I64 = npt.NDArray[np.int64]
Row = dict[str, Any]

NS_PER_SECOND: Final = 1_000_000_000
NS_PER_HOUR: Final = 3600 * NS_PER_SECOND
HOURS_PER_DAY: Final = 24
UNKNOWN_MODEL: Final = "unknown"
CAPABILITY_COLUMNS: Final = tuple(f"cap{name.capitalize()}" for name in CAPABILITIES)
_SKETCH_SHIFT: Final = np.uint64(1)  # keep sketch values < 2**63 so they are valid, ordered int64s


@dataclass(frozen=True)
class SyncConfig:
    """Synchrony sketch: active windows of ``window_seconds``; MinHash with LSH ``bands``."""

    window_seconds: int = 300
    permutations: int = 32
    bands: int = 16
    min_windows: int = 4
    """Accounts with fewer (estimated) active windows get no sync buckets: 1-2 windows collide by chance."""

    @property
    def rows_per_band(self) -> int:
        return self.permutations // self.bands


def _empty_frame(index_names: list[str], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    if len(index_names) == 1:
        frame.index = pd.Index([], dtype=object, name=index_names[0])
    else:
        frame.index = pd.MultiIndex.from_arrays([[] for _ in index_names], names=index_names)
    return frame


_EDGE_COLUMNS: Final = {
    "count": "int64",
    "firstSeen": "datetime64[ns, UTC]",
    "lastSeen": "datetime64[ns, UTC]",
}
_ACTIVITY_COLUMNS: Final = {
    "exchanges": "int64",
    "inputTokens": "int64",
    "outputTokens": "int64",
    "tokenReports": "int64",
    "firstSeen": "datetime64[ns, UTC]",
    "lastSeen": "datetime64[ns, UTC]",
    **dict.fromkeys(CAPABILITY_COLUMNS, "int64"),
}


@dataclass
class ExchangeAggregate:
    """Aggregates of some exchanges. Every frame is indexed by its identity and sorted.

    seen_from: (accountId, ipKey) -> count, firstSeen, lastSeen
    ips: ipKey -> version, subnetKey
    prompt_sent: (accountId, promptKey) -> count, firstSeen, lastSeen; promptKey = high 64 bits of the
        exact key (uint64). Template and nearband evidence is derived from it through ``prompts`` only
        in the engine (``sql/fingerprint_edges.sql``): a prompt's template and its
        band keys are one row of ``prompts``, not 2 + bands edges per (account, prompt) in every chunk.
    prompts: promptKey -> exactLow, templateHigh, templateLow, hasBands, b0..b{B-1} (uint64 keys)
    upstream_sent: (accountId, fingerprintKey) -> kind, count, firstSeen, lastSeen (exporter fingerprints)
    activity: accountId -> exchanges, inputTokens, outputTokens, tokenReports, firstSeen, lastSeen, cap*
    hours: (accountId, hour) -> count, where hour = whole hours since the Unix epoch (UTC)
    models: (accountId, model) -> count
    sync: accountId -> s0..s{P-1}, the MinHash (63-bit, as int64) of the account's active windows
    """

    seen_from: pd.DataFrame
    ips: pd.DataFrame
    prompt_sent: pd.DataFrame
    prompts: pd.DataFrame
    upstream_sent: pd.DataFrame
    activity: pd.DataFrame
    hours: pd.DataFrame
    models: pd.DataFrame
    sync: pd.DataFrame
    frames: tuple[str, ...] = field(
        default=(
            "seen_from",
            "ips",
            "prompt_sent",
            "prompts",
            "upstream_sent",
            "activity",
            "hours",
            "models",
            "sync",
        ),
        repr=False,
    )


def _prompt_columns(bands: int) -> dict[str, str]:
    return {
        "exactLow": "uint64",
        "templateHigh": "uint64",
        "templateLow": "uint64",
        "hasBands": "bool",
        **{f"b{i}": "uint64" for i in range(bands)},
    }


def empty_aggregate(sync_config: SyncConfig = SyncConfig(), bands: int = DEFAULT_CONFIG.bands) -> ExchangeAggregate:
    """An aggregate of no exchanges (the neutral element of the engine's merge)."""
    prompts = _empty_frame(["promptKey"], _prompt_columns(bands))
    prompts.index = pd.Index([], dtype=np.uint64, name="promptKey")
    return ExchangeAggregate(
        seen_from=_empty_frame(["accountId", "ipKey"], _EDGE_COLUMNS),
        ips=_empty_frame(["ipKey"], {"version": "int8", "subnetKey": "object"}),
        prompt_sent=_empty_frame(["accountId", "promptKey"], _EDGE_COLUMNS),
        prompts=prompts,
        upstream_sent=_empty_frame(["accountId", "fingerprintKey"], {"kind": "object", **_EDGE_COLUMNS}),
        activity=_empty_frame(["accountId"], _ACTIVITY_COLUMNS),
        hours=_empty_frame(["accountId", "hour"], {"count": "int64"}),
        models=_empty_frame(["accountId", "model"], {"count": "int64"}),
        sync=_empty_frame(["accountId"], {f"s{i}": "int64" for i in range(sync_config.permutations)}),
    )


# --------------------------------------------------------------------------------------------------------
# Building blocks


def _pair_stats(left: I64, right: I64, ts_ns: I64) -> pd.DataFrame:
    """count / first / last per distinct (left, right) code pair; columns left, right, count, first, last."""
    if len(left) == 0:
        return pd.DataFrame({k: np.array([], dtype=np.int64) for k in ("left", "right", "count", "first", "last")})
    width = int(right.max()) + 1
    pair = left * width + right
    grouped = pd.DataFrame({"pair": pair, "ts": ts_ns}).groupby("pair", sort=True)["ts"].agg(["size", "min", "max"])
    pairs = grouped.index.to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "left": pairs // width,
            "right": pairs % width,
            "count": grouped["size"].to_numpy(dtype=np.int64),
            "first": grouped["min"].to_numpy(dtype=np.int64),
            "last": grouped["max"].to_numpy(dtype=np.int64),
        }
    )


def _utc(ns: I64) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype("datetime64[ns]"), tz="UTC")


def _edge_frame(
    accounts: npt.NDArray[np.object_],
    keys: npt.NDArray[np.object_],
    stats: pd.DataFrame,
    key_name: str,
    extra: dict[str, npt.NDArray[Any]] | None = None,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "accountId": accounts,
            key_name: keys,
            **(extra or {}),
            "count": stats["count"].to_numpy(),
            "firstSeen": _utc(stats["first"].to_numpy()),
            "lastSeen": _utc(stats["last"].to_numpy()),
        }
    )
    return _combine_edges(frame, ["accountId", key_name])


def _combine_edges(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Collapse rows with the same identity: count add, firstSeen min, lastSeen max, other columns first."""
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    spec: dict[str, str] = {"count": "sum", "firstSeen": "min", "lastSeen": "max"}
    for column in frame.columns:
        if column not in spec and column not in keys:
            spec[column] = "first"
    combined = frame.groupby(keys, sort=True).agg(spec)
    combined["count"] = combined["count"].astype(np.int64)
    return combined


def sketch_windows(window_ids: I64, owners: I64, n_owners: int, xors: U64, mults: U64) -> U64:
    """MinHash (63-bit values) of each owner's set of window ids; owners are 0..n_owners-1, each present."""
    order = np.lexsort((window_ids, owners))
    owners_sorted = owners[order]
    hashed = mix64(window_ids[order].astype(np.uint64))
    starts = np.searchsorted(owners_sorted, np.arange(n_owners, dtype=np.int64)).astype(np.int64)
    return minhash_segments(hashed, starts, xors, mults) >> _SKETCH_SHIFT


# --------------------------------------------------------------------------------------------------------
# The aggregator


class ExchangeAggregator:
    """Aggregates validated exchange chunks with one secret and fixed sketch parameters."""

    def __init__(
        self,
        hasher: KeyedHasher,
        fingerprint_config: FingerprintConfig | None = None,
        sync_config: SyncConfig = SyncConfig(),
    ) -> None:
        self.hasher = hasher
        self.fingerprinter = (
            PromptFingerprinter(hasher)
            if fingerprint_config is None
            else PromptFingerprinter(hasher, fingerprint_config)
        )
        self.sync_config = sync_config
        self._sync_xors, self._sync_mults = permutation_constants(
            hasher.derive_seed("sync-minhash"), sync_config.permutations
        )
        self._sync_band_seed = hasher.derive_seed("sync-bands")

    def empty(self) -> ExchangeAggregate:
        return empty_aggregate(self.sync_config, self.fingerprinter.config.bands)

    def aggregate(self, exchanges: pd.DataFrame) -> ExchangeAggregate:
        """Aggregate one validated chunk (columns per the brief; request ids already de-duplicated)."""
        if len(exchanges) == 0:
            return self.empty()
        account_codes, account_ids = pd.factorize(exchanges["account_id"])
        accounts = np.asarray(account_ids, dtype=object)
        codes = account_codes.astype(np.int64)
        ts_ns = _ts_ns(exchanges["ts"])
        prompt_codes, prompt_uniques = pd.factorize(exchanges["prompt"])
        table = self.fingerprinter.fingerprint_arrays(np.asarray(prompt_uniques, dtype=object))
        seen_from, ips = self._seen_from(exchanges["ip"], codes, accounts, ts_ns)
        prompt_sent, prompts = self._prompt_sent(prompt_codes.astype(np.int64), table, codes, accounts, ts_ns)
        return ExchangeAggregate(
            seen_from=seen_from,
            ips=ips,
            prompt_sent=prompt_sent,
            prompts=prompts,
            upstream_sent=self._upstream_sent(exchanges, codes, accounts, ts_ns),
            activity=self._activity(exchanges, prompt_codes.astype(np.int64), table, codes, accounts, ts_ns),
            hours=self._hours(codes, accounts, ts_ns),
            models=self._models(exchanges, codes, accounts),
            sync=self._sync(codes, accounts, ts_ns),
        )

    # -- evidence ----------------------------------------------------------------------------------------

    def _seen_from(
        self, ips: pd.Series, codes: I64, accounts: npt.NDArray[np.object_], ts_ns: I64
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        ip_codes, ip_uniques = pd.factorize(ips)
        facts = hash_ips(pd.Series(np.asarray(ip_uniques, dtype=object)), self.hasher)
        stats = _pair_stats(codes, ip_codes.astype(np.int64), ts_ns)
        ip_keys = facts["ipKey"].to_numpy(dtype=object)
        seen = _edge_frame(accounts[stats["left"].to_numpy()], ip_keys[stats["right"].to_numpy()], stats, "ipKey")
        nodes = facts.drop_duplicates("ipKey").set_index("ipKey").sort_index()
        return seen, nodes

    def _prompt_sent(
        self, prompt_codes: I64, table: FingerprintArrays, codes: I64, accounts: npt.NDArray[np.object_], ts_ns: I64
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(account, prompt) edges keyed by the exact key's high half, and the prompts' fingerprint table."""
        present = prompt_codes >= 0
        if not present.any():
            empty = self.empty()
            return empty.prompt_sent, empty.prompts
        stats = _pair_stats(codes[present], prompt_codes[present], ts_ns[present])
        prompt_keys = table.exact[:, 0]
        edges = _edge_frame(
            accounts[stats["left"].to_numpy()], prompt_keys[stats["right"].to_numpy()], stats, "promptKey"
        )
        columns: dict[str, Any] = {
            "exactLow": table.exact[:, 1],
            "templateHigh": table.template[:, 0],
            "templateLow": table.template[:, 1],
            "hasBands": table.has_bands,
        }
        for band in range(table.bands.shape[1]):
            columns[f"b{band}"] = table.bands[:, band]
        prompts = pd.DataFrame(columns, index=pd.Index(prompt_keys, name="promptKey"))
        return edges, _canonical_prompts(prompts)

    def _upstream_sent(
        self, exchanges: pd.DataFrame, codes: I64, accounts: npt.NDArray[np.object_], ts_ns: I64
    ) -> pd.DataFrame:
        if "prompt_fingerprint" not in exchanges.columns:
            return self.empty().upstream_sent
        up_codes, up_uniques = pd.factorize(exchanges["prompt_fingerprint"])
        up_present = up_codes >= 0
        if not up_present.any():
            return self.empty().upstream_sent
        up_keys = hash_upstream_prompt_fingerprints(
            pd.Series(np.asarray(up_uniques, dtype=object)), self.hasher
        ).to_numpy(dtype=object)
        stats = _pair_stats(codes[up_present], up_codes[up_present].astype(np.int64), ts_ns[up_present])
        part = _sent_part(accounts[stats["left"].to_numpy()], up_keys[stats["right"].to_numpy()], KIND_UPSTREAM, stats)
        return _combine_edges(part, ["accountId", "fingerprintKey"])

    # -- per-account features ----------------------------------------------------------------------------

    def _activity(
        self,
        exchanges: pd.DataFrame,
        prompt_codes: I64,
        table: FingerprintArrays,
        codes: I64,
        accounts: npt.NDArray[np.object_],
        ts_ns: I64,
    ) -> pd.DataFrame:
        n = len(accounts)
        volume = np.bincount(codes, minlength=n).astype(np.int64)
        columns: dict[str, Any] = {"exchanges": volume}
        reports = np.zeros(len(codes), dtype=bool)
        for source, target in (("input_tokens", "inputTokens"), ("output_tokens", "outputTokens")):
            if source in exchanges.columns:
                tokens = pd.to_numeric(exchanges[source], errors="coerce")
                known = tokens.notna().to_numpy()
                reports |= known
                values = tokens.fillna(0).to_numpy(dtype=np.int64)
                columns[target] = np.bincount(codes, weights=values, minlength=n).astype(np.int64)
            else:
                columns[target] = np.zeros(n, dtype=np.int64)
        columns["tokenReports"] = np.bincount(codes, weights=reports, minlength=n).astype(np.int64)
        first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(first, codes, ts_ns)
        np.maximum.at(last, codes, ts_ns)
        columns["firstSeen"] = _utc(first)
        columns["lastSeen"] = _utc(last)
        masks = np.zeros(len(codes), dtype=np.int64)
        present = prompt_codes >= 0
        masks[present] = table.capabilities[prompt_codes[present]]
        for bit, column in enumerate(CAPABILITY_COLUMNS):
            hit = (masks >> bit) & 1
            columns[column] = np.bincount(codes, weights=hit, minlength=n).astype(np.int64)
        frame = pd.DataFrame(columns, index=pd.Index(accounts, name="accountId"))
        return frame.sort_index()

    def _hours(self, codes: I64, accounts: npt.NDArray[np.object_], ts_ns: I64) -> pd.DataFrame:
        hour = ts_ns // NS_PER_HOUR
        stats = _pair_stats(codes, hour - hour.min(), ts_ns)
        frame = pd.DataFrame(
            {
                "accountId": accounts[stats["left"].to_numpy()],
                "hour": stats["right"].to_numpy() + hour.min(),
                "count": stats["count"].to_numpy(),
            }
        )
        return frame.set_index(["accountId", "hour"]).sort_index()

    def _models(self, exchanges: pd.DataFrame, codes: I64, accounts: npt.NDArray[np.object_]) -> pd.DataFrame:
        models = exchanges["model"] if "model" in exchanges.columns else pd.Series(pd.NA, index=exchanges.index)
        model_codes, model_names = pd.factorize(models.astype("string").fillna(UNKNOWN_MODEL))
        stats = _pair_stats(codes, model_codes.astype(np.int64), np.zeros(len(codes), dtype=np.int64))
        frame = pd.DataFrame(
            {
                "accountId": accounts[stats["left"].to_numpy()],
                "model": np.asarray(model_names, dtype=object)[stats["right"].to_numpy()],
                "count": stats["count"].to_numpy(),
            }
        )
        return frame.set_index(["accountId", "model"]).sort_index()

    def _sync(self, codes: I64, accounts: npt.NDArray[np.object_], ts_ns: I64) -> pd.DataFrame:
        window = ts_ns // (self.sync_config.window_seconds * NS_PER_SECOND)
        signatures = sketch_windows(window, codes, len(accounts), self._sync_xors, self._sync_mults)
        frame = pd.DataFrame(
            signatures.astype(np.int64),
            index=pd.Index(accounts, name="accountId"),
            columns=[f"s{i}" for i in range(self.sync_config.permutations)],
        )
        return frame.sort_index()

    # -- sync buckets ------------------------------------------------------------------------------------

    def sync_bucket_rows(self, sync: pd.DataFrame) -> pd.DataFrame:
        """``accountId, bucketKey`` rows from final (merged) signatures; see ``SyncConfig.min_windows``."""
        accounts, keys = self.sync_bucket_numbers(sync)
        return pd.DataFrame({"accountId": accounts, "bucketKey": hex_keys(keys)})

    def sync_bucket_numbers(self, sync: pd.DataFrame) -> tuple[npt.NDArray[np.object_], U64]:
        """(account id, bucket key) pairs as arrays, the keys as uint64 (written as 16 hex digits)."""
        cfg = self.sync_config
        values = sync.to_numpy(dtype=np.int64).astype(np.uint64)
        if len(values) == 0:
            return np.empty(0, dtype=object), np.empty(0, dtype=np.uint64)
        # cardinality estimate from k minima of uniform 63-bit values: n ≈ k / sum(u_i) - 1
        uniform = values.astype(np.float64) / float(2**63)
        estimated = cfg.permutations / np.maximum(uniform.sum(axis=1), 1e-12) - 1.0
        eligible = estimated >= cfg.min_windows - 0.5
        keys = band_keys(values[eligible], cfg.bands, self._sync_band_seed)
        accounts = np.repeat(sync.index.to_numpy(dtype=object)[eligible], cfg.bands)
        return accounts, keys.ravel()


def _ts_ns(ts: pd.Series) -> I64:
    values = pd.to_datetime(ts, utc=True)
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _sent_part(
    accounts: npt.NDArray[np.object_], keys: npt.NDArray[np.object_], kind: str, stats: pd.DataFrame
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "accountId": accounts,
            "fingerprintKey": keys,
            "kind": kind,
            "count": stats["count"].to_numpy(),
            "firstSeen": _utc(stats["first"].to_numpy()),
            "lastSeen": _utc(stats["last"].to_numpy()),
        }
    )


def _canonical_prompts(prompts: pd.DataFrame) -> pd.DataFrame:
    """One row per promptKey, sorted. Two raw texts with one exact key (same normalised text) may still
    mask differently; the smallest template key wins, so the choice does not depend on chunk order."""
    keys = prompts.index.to_numpy(dtype=np.uint64)
    order = np.lexsort((prompts["templateLow"].to_numpy(), prompts["templateHigh"].to_numpy(), keys))
    ordered = prompts.iloc[order]
    sorted_keys = keys[order]
    first = np.ones(len(sorted_keys), dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return ordered[first] if not first.all() else ordered
