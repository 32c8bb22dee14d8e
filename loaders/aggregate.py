"""Turn validated chunks into aggregate rows for the graph: events in, evidence edges and features out.

Sixteen million exchanges must become far fewer edges, so an ``ExchangeAggregate`` holds one row per
distinct (account, evidence) pair and per account, never per exchange. Aggregates of chunks merge
(``merge_aggregates``) exactly: counts add, ``firstSeen`` min, ``lastSeen`` max, MinHash element-wise
min, histograms add. ``merge_aggregates(aggregate(a), aggregate(b)) == aggregate(a + b)``; the tests hold
us to it. Memory is bounded by the number of distinct pairs (and account-hours, see below).

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

Per-account activity features (``activity_rows``): volume, tokens, first/last seen, capability-hint
counts, hour-of-day histogram (UTC), rate shape (active hours/days, max and mean requests per active
hour/day, 95th percentile per active hour), the sync signature. ``docs/features.md`` says why each exists.

Rate features come from an exact (account, epoch hour) count table, so they are exact within whatever
was merged in memory (a batch). Across batches the writer can only combine them approximately (sum of
active hours, max of max) unless batches overlap in time; counts, tokens, first/last, the hour-of-day
histogram, capability counts and the sync signature combine exactly.

Timestamps: frames hold ``datetime64[ns, UTC]``; ``*_rows`` functions emit timezone-aware
``datetime.datetime`` (UTC, microsecond precision), which the neo4j driver stores as ``DateTime``.
Sketch values are stored as non-negative int64 (63-bit), so Cypher ``min`` agrees with the sketch order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sockhound.fingerprints import (
    CAPABILITIES,
    DEFAULT_CONFIG,
    KIND_EXACT,
    KIND_NEARBAND,
    KIND_TEMPLATE,
    KIND_UPSTREAM,
    U64,
    FingerprintArrays,
    FingerprintConfig,
    PromptFingerprinter,
    band_keys,
    hex_keys,
    hex_keys_128,
    minhash_segments,
    mix64,
    permutation_constants,
)
from sockhound.privacy import (
    KeyedHasher,
    hash_emails,
    hash_ips,
    hash_payment_fingerprints,
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
        when rows are written (``sent``, ``sent_rows``, ``fingerprint_rows``): a prompt's template and its
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
            "sent",
        ),
        repr=False,
    )

    @property
    def sent(self) -> pd.DataFrame:
        """(accountId, fingerprintKey) -> kind, count, firstSeen, lastSeen for every kind, keys as hex.

        Materialised on demand (inspection and tests); writers use ``sent_rows``/``fingerprint_rows``.
        """
        parts = [_hex_edges(edges) for edges in _derived_sent(self, min_accounts=1)]
        parts.append(self.upstream_sent.reset_index())
        frame = pd.concat([p for p in parts if len(p)] or [parts[-1]], ignore_index=True)
        return frame.set_index(["accountId", "fingerprintKey"]).sort_index()


def _prompt_columns(bands: int) -> dict[str, str]:
    return {
        "exactLow": "uint64",
        "templateHigh": "uint64",
        "templateLow": "uint64",
        "hasBands": "bool",
        **{f"b{i}": "uint64" for i in range(bands)},
    }


def empty_aggregate(sync_config: SyncConfig = SyncConfig(), bands: int = DEFAULT_CONFIG.bands) -> ExchangeAggregate:
    """The neutral element of ``merge_aggregates``."""
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


# --------------------------------------------------------------------------------------------------------
# Merging


def merge_aggregates(first: ExchangeAggregate, second: ExchangeAggregate) -> ExchangeAggregate:
    """Exact merge: counts add, firstSeen min, lastSeen max, sketches element-wise min."""
    return merge_many([first, second])


def merge_many(aggregates: Sequence[ExchangeAggregate]) -> ExchangeAggregate:
    """``merge_aggregates`` of any number of aggregates in one pass: frames are stacked flat (concatenating
    many MultiIndexes unions their levels piece by piece, which is quadratic) and grouped once each."""
    if len(aggregates) == 1:
        return aggregates[0]

    def stacked(name: str) -> pd.DataFrame:
        frames: list[pd.DataFrame] = [getattr(aggregate, name).reset_index() for aggregate in aggregates]
        return pd.concat(frames, ignore_index=True)

    activity = stacked("activity")
    spec = {column: "sum" for column in aggregates[0].activity.columns}
    spec.update(firstSeen="min", lastSeen="max")
    prompts = stacked("prompts")
    return ExchangeAggregate(
        seen_from=_combine_edges(stacked("seen_from"), ["accountId", "ipKey"]),
        ips=stacked("ips").groupby("ipKey", sort=True).first(),
        prompt_sent=_combine_edges(stacked("prompt_sent"), ["accountId", "promptKey"]),
        prompts=_canonical_prompts(prompts.set_index(pd.Index(prompts.pop("promptKey").to_numpy(dtype=np.uint64),
                                                              name="promptKey"))),
        upstream_sent=_combine_edges(stacked("upstream_sent"), ["accountId", "fingerprintKey"]),
        activity=activity.groupby("accountId", sort=True).agg(spec)[list(aggregates[0].activity.columns)],
        hours=stacked("hours").groupby(["accountId", "hour"], sort=True).sum(),
        models=stacked("models").groupby(["accountId", "model"], sort=True).sum(),
        sync=stacked("sync").groupby("accountId", sort=True).min(),
    )


# --------------------------------------------------------------------------------------------------------
# Rows for UNWIND $rows writers


def _python_datetimes(values: pd.Series) -> list[dt.datetime]:
    """Aware ``datetime.datetime`` (microseconds) per element, converted in one vectorised call."""
    converted: list[dt.datetime] = pd.DatetimeIndex(values).floor("us").to_pydatetime().tolist()
    return converted


def _records(frame: pd.DataFrame, *, millis: bool = False) -> list[Row]:
    """Records with native Python values; datetime columns as aware ``datetime.datetime`` (UTC), or with
    ``millis`` as epoch milliseconds (what the writers send: the driver packs datetimes slowly)."""
    flat = frame.reset_index()
    out: dict[str, list[Any]] = {}
    for column in flat.columns:
        series = flat[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype) and millis:
            out[str(column)] = (_ns(series) // 1_000_000).tolist()
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[str(column)] = _python_datetimes(series)
        else:
            out[str(column)] = series.tolist()
    names = list(out)
    return [dict(zip(names, values, strict=True)) for values in zip(*out.values(), strict=True)]


def seen_from_rows(aggregate: ExchangeAggregate, *, millis: bool = False) -> list[Row]:
    """``{accountId, ipKey, count, firstSeen, lastSeen}``"""
    return _records(aggregate.seen_from, millis=millis)


def ip_rows(aggregate: ExchangeAggregate) -> list[Row]:
    """``{ipKey, version, subnetKey}``"""
    return _records(aggregate.ips)


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


def _ns(values: pd.Series) -> I64:
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _kind_edges(
    kind: str,
    accounts: I64,
    high: U64,
    low: U64,
    stats: tuple[I64, I64, I64],
    min_accounts: int,
    account_ids: npt.NDArray[np.object_],
    max_per_account: int | None = None,
    shared: U64 | None = None,
) -> pd.DataFrame:
    """Edges of one fingerprint kind from (account code, key) rows that may repeat: combined per pair and
    restricted to keys with at least ``min_accounts`` distinct accounts. Keys stay numbers here.

    ``shared`` (sorted keys that two or more accounts of the whole batch sent) replaces the row-count
    pre-filter when the aggregate holds only some of the batch's accounts (one account shard).

    ``max_per_account`` keeps only each account's most used keys of this kind (ties: smaller key). Without
    it, chance near-duplicate collisions among tens of thousands of ordinary users' one-off prompts make
    millions of edges that link nothing meaningful; an operation's templates are among its accounts' most
    used keys, so the cap keeps them.
    """
    count, first, last = stats
    frequent: npt.NDArray[np.bool_] | None = None
    if shared is not None:
        frequent = membership(high, shared)
    elif min_accounts > 1 and len(high):
        # a key on fewer rows than min_accounts cannot reach min_accounts accounts: drop it before grouping
        codes, _ = pd.factorize(high)
        frequent = np.bincount(codes)[codes] >= min_accounts
    if frequent is not None:
        accounts, high, low = accounts[frequent], high[frequent], low[frequent]
        count, first, last = count[frequent], first[frequent], last[frequent]
    if len(high):
        order = sorting_order(accounts, high)
        accounts, high, low = accounts[order], high[order], low[order]
        count, first, last = count[order], first[order], last[order]
        new_pair = np.ones(len(high), dtype=bool)
        new_pair[1:] = (accounts[1:] != accounts[:-1]) | (high[1:] != high[:-1])
        starts = np.flatnonzero(new_pair)
        count = np.add.reduceat(count, starts)
        first = np.minimum.reduceat(first, starts)
        last = np.maximum.reduceat(last, starts)
        accounts, high, low = accounts[starts], high[starts], low[starts]
        if max_per_account is not None and len(high):
            ranked = sorting_order(accounts, -count, high)
            accounts, high, low = accounts[ranked], high[ranked], low[ranked]
            count, first, last = count[ranked], first[ranked], last[ranked]
            group_start = np.ones(len(high), dtype=bool)
            group_start[1:] = accounts[1:] != accounts[:-1]
            starts_of_group = np.maximum.accumulate(np.where(group_start, np.arange(len(high)), 0))
            kept = (np.arange(len(high)) - starts_of_group) < max_per_account
            accounts, high, low = accounts[kept], high[kept], low[kept]
            count, first, last = count[kept], first[kept], last[kept]
        if min_accounts > 1:
            codes, _ = pd.factorize(high)
            enough = np.bincount(codes)[codes] >= min_accounts
            accounts, high, low = accounts[enough], high[enough], low[enough]
            count, first, last = count[enough], first[enough], last[enough]
    return pd.DataFrame(
        {
            "accountId": account_ids[accounts],
            "keyHigh": high,
            "keyLow": low,
            "kind": kind,
            "count": count.astype(np.int64),
            "firstSeen": _utc(first),
            "lastSeen": _utc(last),
        }
    )


KindInput = tuple[str, I64, U64, U64, tuple[I64, I64, I64]]
"""(kind, account codes, key high halves, key low halves, (count, first ns, last ns)) per (account, prompt)."""


def _kind_inputs(aggregate: ExchangeAggregate) -> tuple[list[KindInput], npt.NDArray[np.object_]]:
    """Per derived kind (exact, template, nearband) the (account, key) rows of ``prompt_sent``, and the
    account ids the codes index. A template or band key may repeat for one account (several prompts)."""
    edges = aggregate.prompt_sent
    if len(edges) == 0:
        return [], np.empty(0, dtype=object)
    account_codes, account_ids = pd.factorize(edges.index.get_level_values(0))
    accounts = account_codes.astype(np.int64)
    ids = np.asarray(account_ids, dtype=object)
    prompt_keys = edges.index.get_level_values(1).to_numpy(dtype=np.uint64)
    prompts = aggregate.prompts
    position = prompts.index.get_indexer(pd.Index(prompt_keys))
    stats = (
        edges["count"].to_numpy(dtype=np.int64),
        _ns(edges["firstSeen"]),
        _ns(edges["lastSeen"]),
    )

    def column(name: str) -> U64:
        return prompts[name].to_numpy(dtype=np.uint64)[position]

    inputs: list[KindInput] = [
        (KIND_EXACT, accounts, prompt_keys, column("exactLow"), stats),
        (KIND_TEMPLATE, accounts, column("templateHigh"), column("templateLow"), stats),
    ]
    band_columns = [name for name in prompts.columns if name.startswith("b") and name[1:].isdigit()]
    with_bands = prompts["hasBands"].to_numpy(dtype=bool)[position]
    if band_columns and with_bands.any():
        inputs.append(_band_input(
            accounts[with_bands], prompts[band_columns].to_numpy(dtype=np.uint64), position[with_bands],
            tuple(values[with_bands] for values in stats),
        ))
    return inputs, ids


def _band_input(accounts: I64, band_table: U64, position: I64, stats: tuple[I64, ...]) -> KindInput:
    """Nearband rows: one per (account, band key). Prompts with the same frame have the same band keys, so
    (account, prompt) rows are first combined per (account, frame), then expanded to the frame's bands:
    an operation's thousands of prompts in one wrapper become one row per band, not thousands."""
    width = band_table.shape[1]
    frame_of_prompt = np.zeros(len(band_table), dtype=np.uint64)
    for band in range(width):
        frame_of_prompt = mix64(frame_of_prompt ^ band_table[:, band])
    frames = frame_of_prompt[position]
    order = sorting_order(accounts, frames)
    accounts, frames, position = accounts[order], frames[order], position[order]
    count, first, last = (values[order] for values in stats)
    new_group = np.ones(len(frames), dtype=bool)
    new_group[1:] = (accounts[1:] != accounts[:-1]) | (frames[1:] != frames[:-1])
    starts = np.flatnonzero(new_group)
    combined = (np.add.reduceat(count, starts), np.minimum.reduceat(first, starts), np.maximum.reduceat(last, starts))
    bands = band_table[position[starts]].ravel()
    repeated = tuple(np.repeat(values, width) for values in combined)
    return (
        KIND_NEARBAND, np.repeat(accounts[starts], width), bands, np.zeros(len(bands), dtype=np.uint64),
        (repeated[0], repeated[1], repeated[2]),
    )


def _derived_sent(
    aggregate: ExchangeAggregate, min_accounts: int, max_per_account: int | None = None,
    shared: Mapping[str, U64] | None = None,
) -> list[pd.DataFrame]:
    """Exact, template and nearband edges (numeric keys) derived from ``prompt_sent`` and ``prompts``."""
    inputs, ids = _kind_inputs(aggregate)
    return [
        _kind_edges(kind, accounts, high, low, stats, min_accounts, ids, max_per_account,
                    None if shared is None else shared.get(kind, np.empty(0, dtype=np.uint64)))
        for kind, accounts, high, low, stats in inputs
    ]


def fingerprint_key_accounts(
    aggregate: ExchangeAggregate,
) -> tuple[dict[str, tuple[U64, I64]], npt.NDArray[np.object_]]:
    """Per kind (exact, template, nearband, upstream): each (key, account) pair that occurs, keys as the
    uint64 that identifies them in aggregation (upstream: the first 16 hex digits of its keyed hash) and
    accounts as positions in the returned account ids. Pairs may repeat; what counts is which keys two or
    more accounts of the batch sent."""
    inputs, ids = _kind_inputs(aggregate)
    pairs = {kind: (high, accounts) for kind, accounts, high, _low, _stats in inputs}
    upstream = aggregate.upstream_sent.index
    if len(upstream):
        codes, upstream_ids = pd.factorize(upstream.get_level_values(0))
        pairs[KIND_UPSTREAM] = (upstream_key_numbers(upstream.get_level_values(1)), codes.astype(np.int64) + len(ids))
        ids = np.concatenate([ids, np.asarray(upstream_ids, dtype=object)])
    return pairs, ids


def upstream_key_numbers(keys: pd.Index | pd.Series) -> U64:
    """The uint64 that stands for an upstream fingerprint's hex key when counting accounts per key."""
    return np.array([int(str(key)[:16], 16) for key in keys], dtype=np.uint64)


def membership(values: U64, keys: U64) -> npt.NDArray[np.bool_]:
    """``values[i] in keys`` for each i (a hash table: 8x faster than binary search on millions)."""
    if len(keys) == 0:
        return np.zeros(len(values), dtype=bool)
    return np.asarray(pd.Series(values).isin(keys).to_numpy(dtype=bool))


def sorting_order(*columns: npt.NDArray[Any]) -> I64:
    """The order that sorts rows by ``columns`` (the first most significant), as ``np.lexsort`` of the
    reversed columns would. Each column becomes sorted dense codes; when the codes fit in 63 bits together
    they are packed into one int64 and sorted once, which is 2-3x faster than a lexsort on millions."""
    coded = [pd.factorize(column, sort=True) for column in columns]
    capacity = 1
    for _codes, uniques in coded:
        capacity *= max(1, len(uniques))
    if capacity >= 2**63:
        return np.lexsort(tuple(reversed(columns))).astype(np.int64)
    packed = np.zeros(len(columns[0]), dtype=np.int64)
    for codes, uniques in coded:
        packed = packed * max(1, len(uniques)) + codes.astype(np.int64)
    return np.argsort(packed, kind="stable").astype(np.int64)


def _hex_of_kind(kind: str, high: U64, low: U64) -> list[str]:
    """Written form of numeric keys: 16 hex for band keys, 32 hex (both halves) for HMAC keys."""
    return hex_keys(high) if kind == KIND_NEARBAND else hex_keys_128(high, low)


def _hex_edges(edges: pd.DataFrame) -> pd.DataFrame:
    """Numeric-key edges of one kind as ``{accountId, fingerprintKey, kind, count, firstSeen, lastSeen}``."""
    kind = str(edges["kind"].iloc[0]) if len(edges) else KIND_EXACT
    keys = _hex_of_kind(kind, edges["keyHigh"].to_numpy(dtype=np.uint64), edges["keyLow"].to_numpy(dtype=np.uint64))
    return pd.DataFrame(
        {
            "accountId": edges["accountId"].to_numpy(dtype=object),
            "fingerprintKey": np.asarray(keys, dtype=object),
            "kind": edges["kind"].to_numpy(dtype=object),
            "count": edges["count"].to_numpy(dtype=np.int64),
            "firstSeen": edges["firstSeen"],
            "lastSeen": edges["lastSeen"],
        }
    )


def _shared_upstream(aggregate: ExchangeAggregate, min_accounts: int) -> pd.DataFrame:
    return keep_shared_upstream(aggregate.upstream_sent.reset_index(), min_accounts)


def keep_shared_upstream(upstream: pd.DataFrame, min_accounts: int) -> pd.DataFrame:
    """Upstream edges (flat: accountId, fingerprintKey, kind, count, ...) of keys with enough accounts."""
    if min_accounts > 1 and len(upstream):
        accounts_per_key = upstream.groupby("fingerprintKey")["accountId"].transform("size")
        upstream = upstream[accounts_per_key.to_numpy() >= min_accounts]
    return upstream.reset_index(drop=True)


def keep_shared_edges(parts: Sequence[pd.DataFrame], min_accounts: int) -> list[pd.DataFrame]:
    """Per kind, the numeric-key edges of keys that at least ``min_accounts`` accounts sent. Each part
    holds distinct (account, key) pairs and no account is in two parts (parts come from account shards)."""
    kept: list[pd.DataFrame] = []
    for kind in (KIND_EXACT, KIND_TEMPLATE, KIND_NEARBAND):
        of_kind = [part for part in parts if len(part) and part["kind"].iloc[0] == kind]
        if not of_kind:
            continue
        edges = pd.concat(of_kind, ignore_index=True)
        codes, _ = pd.factorize(edges["keyHigh"].to_numpy(dtype=np.uint64))
        enough = np.bincount(codes)[codes] >= min_accounts
        account_order, _ = pd.factorize(edges["accountId"], sort=True)
        order = np.lexsort((edges["keyHigh"].to_numpy(dtype=np.uint64), account_order))
        kept.append(edges.iloc[order[enough[order]]].reset_index(drop=True))
    return kept


def sent_rows(aggregate: ExchangeAggregate, min_accounts: int = 1, max_per_account: int | None = None) -> list[Row]:
    """``{accountId, fingerprintKey, kind, count, firstSeen, lastSeen}``: per kind (exact, template,
    nearband, upstream), rows sorted by account then numeric key, so the order is deterministic.

    ``min_accounts=2`` keeps only fingerprints shared by two or more accounts in this aggregate: a
    fingerprint one account sent links nothing (yet) and is most of the volume. The filter runs on numeric
    keys before any hex string is made.
    """
    return sent_rows_of(_derived_sent(aggregate, min_accounts, max_per_account),
                        _shared_upstream(aggregate, min_accounts))


def sent_rows_of(parts: Sequence[pd.DataFrame], upstream: pd.DataFrame, *, millis: bool = False) -> list[Row]:
    """``sent_rows`` of numeric-key edge parts (``_derived_sent``) and flat upstream edges."""
    frames = [_hex_edges(edges) for edges in parts]
    frames.append(upstream)
    frame = pd.concat([p for p in frames if len(p)] or [frames[-1]], ignore_index=True)
    return _records(frame, millis=millis)


def fingerprint_rows(
    aggregate: ExchangeAggregate, min_accounts: int = 1, max_per_account: int | None = None
) -> list[Row]:
    """``{key, kind, accounts, count}``: distinct accounts and total exchanges per fingerprint (of the edges
    ``sent_rows`` keeps with the same arguments)."""
    return fingerprint_rows_of(_derived_sent(aggregate, min_accounts, max_per_account),
                               _shared_upstream(aggregate, min_accounts))


def fingerprint_rows_of(parts: Sequence[pd.DataFrame], upstream: pd.DataFrame) -> list[Row]:
    """``fingerprint_rows`` of numeric-key edge parts and flat upstream edges."""
    frames: list[pd.DataFrame] = []
    for edges in parts:
        high = edges["keyHigh"].to_numpy(dtype=np.uint64)
        codes, _ = pd.factorize(high)
        if len(codes) == 0:
            continue
        firsts = np.unique(codes, return_index=True)[1]
        per_key = pd.DataFrame(
            {
                "keyHigh": high[firsts],
                "keyLow": edges["keyLow"].to_numpy(dtype=np.uint64)[firsts],
                "kind": edges["kind"].to_numpy(dtype=object)[firsts],
            }
        )
        keys = _hex_of_kind(
            str(per_key["kind"].iloc[0]),
            per_key["keyHigh"].to_numpy(dtype=np.uint64),
            per_key["keyLow"].to_numpy(dtype=np.uint64),
        )
        frames.append(
            pd.DataFrame(
                {
                    "key": np.asarray(keys, dtype=object),
                    "kind": per_key["kind"].to_numpy(dtype=object),
                    "accounts": np.bincount(codes).astype(np.int64),
                    "count": np.bincount(codes, weights=edges["count"].to_numpy()).astype(np.int64),
                }
            )
        )
    by_key = upstream.groupby("fingerprintKey", sort=True).agg(
        kind=("kind", "first"), accounts=("count", "size"), count=("count", "sum")
    )
    by_key.index.name = "key"
    by_key["accounts"] = by_key["accounts"].astype(np.int64)
    by_key["count"] = by_key["count"].astype(np.int64)
    frames.append(by_key.reset_index())
    frame = pd.concat([p for p in frames if len(p)] or [frames[-1]], ignore_index=True)
    return _records(frame.sort_values("key", kind="stable").reset_index(drop=True))


def model_rows(aggregate: ExchangeAggregate) -> list[Row]:
    """``{accountId, model, count}``"""
    return _records(aggregate.models)


def sync_signature_list(aggregate: ExchangeAggregate, account_id: str) -> list[int]:
    """The stored form of one account's sync signature (non-negative int64 list)."""
    return [int(v) for v in aggregate.sync.loc[account_id].to_numpy()]


def rate_features(hours: pd.DataFrame) -> pd.DataFrame:
    """Per account from the (account, hour) count table: activeHours, activeDays, maxPerHour,
    meanPerActiveHour, p95PerHour, maxPerDay, meanPerActiveDay, hourOfDay (list of 24 counts, UTC)."""
    if len(hours) == 0:
        return pd.DataFrame(
            columns=[
                "activeHours",
                "activeDays",
                "maxPerHour",
                "meanPerActiveHour",
                "p95PerHour",
                "maxPerDay",
                "meanPerActiveDay",
                "hourOfDay",
            ],
            index=pd.Index([], name="accountId"),
        )
    flat = hours.reset_index()
    flat["day"] = flat["hour"] // HOURS_PER_DAY
    flat["hourOfDay"] = flat["hour"] % HOURS_PER_DAY
    per_hour = flat.groupby("accountId", sort=True)["count"]
    per_day = flat.groupby(["accountId", "day"], sort=False)["count"].sum().groupby(level=0, sort=True)
    histogram = flat.pivot_table(
        index="accountId", columns="hourOfDay", values="count", aggfunc="sum", fill_value=0
    ).reindex(columns=range(HOURS_PER_DAY), fill_value=0)
    features = pd.DataFrame(
        {
            "activeHours": per_hour.size().astype(np.int64),
            "activeDays": per_day.size().astype(np.int64),
            "maxPerHour": per_hour.max().astype(np.int64),
            "meanPerActiveHour": per_hour.mean().astype(np.float64),
            "p95PerHour": per_hour.quantile(0.95).astype(np.float64),
            "maxPerDay": per_day.max().astype(np.int64),
            "meanPerActiveDay": per_day.mean().astype(np.float64),
        }
    )
    features["hourOfDay"] = histogram.reindex(features.index).to_numpy(dtype=np.int64).tolist()
    return features


def activity_rows(aggregate: ExchangeAggregate, *, millis: bool = False) -> list[Row]:
    """``{accountId, exchanges, inputTokens, outputTokens, tokenReports, firstSeen, lastSeen, capCot,
    capCode, capTool, capMath, capRubric, capRewrite, activeHours, activeDays, maxPerHour,
    meanPerActiveHour, p95PerHour, maxPerDay, meanPerActiveDay, hourOfDay: list[int] (24),
    syncSignature: list[int]}``"""
    features = aggregate.activity.join(rate_features(aggregate.hours), how="left")
    signatures = aggregate.sync.reindex(features.index)
    features["syncSignature"] = signatures.to_numpy(dtype=np.int64).tolist()
    return _records(features, millis=millis)


def sync_bucket_rows(aggregator: ExchangeAggregator, aggregate: ExchangeAggregate) -> list[Row]:
    """``{accountId, bucketKey}`` for the final signatures in ``aggregate``."""
    return _records(aggregator.sync_bucket_rows(aggregate.sync).set_index("accountId"))


# --------------------------------------------------------------------------------------------------------
# Accounts and payment methods


def account_rows(accounts: pd.DataFrame, hasher: KeyedHasher) -> list[Row]:
    """``{accountId, createdAt, emailKey|None, country, pathway, orgId, status}`` (no clear e-mail domain)."""
    emails = accounts["email"] if "email" in accounts.columns else pd.Series(pd.NA, index=accounts.index)
    hashed = hash_emails(emails.astype("string"), hasher)
    frame = pd.DataFrame(
        {
            "accountId": accounts["account_id"].astype(str).to_numpy(),
            "createdAt": pd.to_datetime(accounts["created_at"], utc=True).array,
            "emailKey": hashed["emailKey"].to_numpy(dtype=object),
        }
    )
    for source, target, default in (
        ("country", "country", None),
        ("pathway", "pathway", None),
        ("org_id", "orgId", None),
        ("status", "status", "active"),
    ):
        column = accounts[source] if source in accounts.columns else pd.Series(pd.NA, index=accounts.index)
        values = column.astype("string").fillna(default) if default else column.astype("string")
        frame[target] = values.to_numpy(dtype=object)
    return _none_for_na(_records(frame.set_index("accountId")))


def payment_rows(payment_methods: pd.DataFrame, hasher: KeyedHasher) -> list[Row]:
    """``{accountId, paymentKey, brand, funding, bin, country, addedAt|None}`` (one per input row)."""
    keys = hash_payment_fingerprints(payment_methods["payment_fingerprint"], hasher)
    frame = pd.DataFrame(
        {
            "accountId": payment_methods["account_id"].astype(str).to_numpy(),
            "paymentKey": keys.to_numpy(dtype=object),
        }
    )
    for source, target in (
        ("brand", "brand"),
        ("funding", "funding"),
        ("bin", "bin"),
        ("country", "country"),
    ):
        column = (
            payment_methods[source]
            if source in payment_methods.columns
            else pd.Series(pd.NA, index=payment_methods.index)
        )
        frame[target] = column.astype("string").to_numpy(dtype=object)
    if "added_at" in payment_methods.columns:
        frame["addedAt"] = pd.to_datetime(payment_methods["added_at"], utc=True).array
    rows = _records(frame.set_index("accountId"))
    return _none_for_na(rows)


def _none_for_na(rows: list[Row]) -> list[Row]:
    for row in rows:
        for name, value in row.items():
            if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
                row[name] = None
    return rows


def shared_capped_edges(
    aggregate: ExchangeAggregate, shared: Mapping[str, U64], max_per_account: int | None
) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """One account shard's fingerprint edges: numeric-key parts of keys that two or more accounts of the
    batch sent (``shared``), each account's ``max_per_account`` most used per kind; and its upstream edges
    (flat) of shared keys. ``keep_shared_edges`` then drops keys the cap left to a single account."""
    parts = _derived_sent(aggregate, 1, max_per_account, shared)
    upstream = aggregate.upstream_sent.reset_index()
    if len(upstream):
        numbers = upstream_key_numbers(upstream["fingerprintKey"])
        upstream = upstream[membership(numbers, shared.get(KIND_UPSTREAM, np.empty(0, np.uint64)))]
    return [part for part in parts if len(part)], upstream.reset_index(drop=True)
