"""Turn validated chunks into aggregate rows for the graph: events in, evidence edges and features out.

Sixteen million exchanges must become far fewer edges, so an ``ExchangeAggregate`` holds one row per
distinct (account, evidence) pair and per account, never per exchange. Aggregates of chunks merge
(``merge_aggregates``) exactly: counts add, ``firstSeen`` min, ``lastSeen`` max, MinHash element-wise
min, histograms add. ``merge_aggregates(aggregate(a), aggregate(b)) == aggregate(a + b)``; the tests hold
us to it. Memory is bounded by the number of distinct pairs (and account-hours, see below).

Evidence (account -> shared node), each an edge with ``count, firstSeen, lastSeen``:

* ``SEEN_FROM`` -> ``IpAddress {ipKey, version, subnetKey}`` (subnet /24 IPv4, /48 IPv6, keyed hash)
* ``SENT`` -> ``PromptFingerprint {key, kind}`` for kinds exact, template, nearband, upstream
  (see ``loaders.fingerprints``); per-fingerprint distinct-account counts come with the node rows so
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
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.fingerprints import (
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
from loaders.privacy import (
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
        cfg = self.sync_config
        values = sync.to_numpy(dtype=np.int64).astype(np.uint64)
        if len(values) == 0:
            return pd.DataFrame({"accountId": pd.Series(dtype=object), "bucketKey": pd.Series(dtype=object)})
        # cardinality estimate from k minima of uniform 63-bit values: n ≈ k / sum(u_i) - 1
        uniform = values.astype(np.float64) / float(2**63)
        estimated = cfg.permutations / np.maximum(uniform.sum(axis=1), 1e-12) - 1.0
        eligible = estimated >= cfg.min_windows - 0.5
        keys = band_keys(values[eligible], cfg.bands, self._sync_band_seed)
        accounts = np.repeat(sync.index.to_numpy(dtype=object)[eligible], cfg.bands)
        return pd.DataFrame({"accountId": accounts, "bucketKey": hex_keys(keys.ravel())})


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
    activity = pd.concat([first.activity, second.activity])
    spec = {column: "sum" for column in activity.columns}
    spec.update(firstSeen="min", lastSeen="max")
    return ExchangeAggregate(
        seen_from=_combine_edges(pd.concat([first.seen_from, second.seen_from]), ["accountId", "ipKey"]),
        ips=pd.concat([first.ips, second.ips]).groupby(level=0, sort=True).first(),
        prompt_sent=_combine_edges(pd.concat([first.prompt_sent, second.prompt_sent]), ["accountId", "promptKey"]),
        prompts=_canonical_prompts(pd.concat([first.prompts, second.prompts])),
        upstream_sent=_combine_edges(
            pd.concat([first.upstream_sent, second.upstream_sent]), ["accountId", "fingerprintKey"]
        ),
        activity=activity.groupby(level=0, sort=True).agg(spec)[list(first.activity.columns)],
        hours=pd.concat([first.hours, second.hours]).groupby(level=[0, 1], sort=True).sum(),
        models=pd.concat([first.models, second.models]).groupby(level=[0, 1], sort=True).sum(),
        sync=pd.concat([first.sync, second.sync]).groupby(level=0, sort=True).min(),
    )


# --------------------------------------------------------------------------------------------------------
# Rows for UNWIND $rows writers


def _python_datetimes(values: pd.Series) -> list[dt.datetime]:
    """Aware ``datetime.datetime`` (microseconds) per element, converted in one vectorised call."""
    converted: list[dt.datetime] = pd.DatetimeIndex(values).floor("us").to_pydatetime().tolist()
    return converted


def _records(frame: pd.DataFrame) -> list[Row]:
    """Records with native Python values; datetime columns as aware ``datetime.datetime`` (UTC)."""
    flat = frame.reset_index()
    out: dict[str, list[Any]] = {}
    for column in flat.columns:
        series = flat[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[str(column)] = _python_datetimes(series)
        else:
            out[str(column)] = series.tolist()
    names = list(out)
    return [dict(zip(names, values, strict=True)) for values in zip(*out.values(), strict=True)]


def seen_from_rows(aggregate: ExchangeAggregate) -> list[Row]:
    """``{accountId, ipKey, count, firstSeen, lastSeen}``"""
    return _records(aggregate.seen_from)


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
) -> pd.DataFrame:
    """Edges of one fingerprint kind from (account code, key) rows that may repeat: combined per pair and
    restricted to keys with at least ``min_accounts`` distinct accounts. Keys stay numbers here.

    ``max_per_account`` keeps only each account's most used keys of this kind (ties: smaller key). Without
    it, chance near-duplicate collisions among tens of thousands of ordinary users' one-off prompts make
    millions of edges that link nothing meaningful; an operation's templates are among its accounts' most
    used keys, so the cap keeps them.
    """
    count, first, last = stats
    if min_accounts > 1 and len(high):
        # a key on fewer rows than min_accounts cannot reach min_accounts accounts: drop it before grouping
        codes, _ = pd.factorize(high)
        frequent = np.bincount(codes)[codes] >= min_accounts
        accounts, high, low = accounts[frequent], high[frequent], low[frequent]
        count, first, last = count[frequent], first[frequent], last[frequent]
    if len(high):
        order = np.lexsort((high, accounts))
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
            ranked = np.lexsort((high, -count, accounts))
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
            shared = np.bincount(codes)[codes] >= min_accounts
            accounts, high, low = accounts[shared], high[shared], low[shared]
            count, first, last = count[shared], first[shared], last[shared]
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


def _derived_sent(
    aggregate: ExchangeAggregate, min_accounts: int, max_per_account: int | None = None
) -> list[pd.DataFrame]:
    """Exact, template and nearband edges (numeric keys) derived from ``prompt_sent`` and ``prompts``."""
    edges = aggregate.prompt_sent
    if len(edges) == 0:
        return []
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

    parts = [
        _kind_edges(KIND_EXACT, accounts, prompt_keys, column("exactLow"), stats, min_accounts, ids, max_per_account),
        _kind_edges(
            KIND_TEMPLATE, accounts, column("templateHigh"), column("templateLow"), stats, min_accounts, ids,
            max_per_account,
        ),
    ]
    band_columns = [name for name in prompts.columns if name.startswith("b") and name[1:].isdigit()]
    with_bands = prompts["hasBands"].to_numpy(dtype=bool)[position]
    if band_columns and with_bands.any():
        width = len(band_columns)
        bands = prompts[band_columns].to_numpy(dtype=np.uint64)[position[with_bands]].ravel()
        repeated = tuple(np.repeat(values[with_bands], width) for values in stats)
        parts.append(
            _kind_edges(
                KIND_NEARBAND,
                np.repeat(accounts[with_bands], width),
                bands,
                np.zeros(len(bands), dtype=np.uint64),
                (repeated[0], repeated[1], repeated[2]),
                min_accounts,
                ids,
                max_per_account,
            )
        )
    return parts


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
    sent = aggregate.upstream_sent
    if min_accounts > 1:
        accounts_per_key = sent.groupby(level=1).size()
        shared = accounts_per_key.index[accounts_per_key.to_numpy() >= min_accounts]
        sent = sent[sent.index.get_level_values(1).isin(shared)]
    return sent.reset_index()


def sent_rows(aggregate: ExchangeAggregate, min_accounts: int = 1, max_per_account: int | None = None) -> list[Row]:
    """``{accountId, fingerprintKey, kind, count, firstSeen, lastSeen}``: per kind (exact, template,
    nearband, upstream), rows sorted by account then numeric key, so the order is deterministic.

    ``min_accounts=2`` keeps only fingerprints shared by two or more accounts in this aggregate: a
    fingerprint one account sent links nothing (yet) and is most of the volume. The filter runs on numeric
    keys before any hex string is made.
    """
    parts = [_hex_edges(edges) for edges in _derived_sent(aggregate, min_accounts, max_per_account)]
    parts.append(_shared_upstream(aggregate, min_accounts))
    frame = pd.concat([p for p in parts if len(p)] or [parts[-1]], ignore_index=True)
    return _records(frame)


def fingerprint_rows(
    aggregate: ExchangeAggregate, min_accounts: int = 1, max_per_account: int | None = None
) -> list[Row]:
    """``{key, kind, accounts, count}``: distinct accounts and total exchanges per fingerprint (of the edges
    ``sent_rows`` keeps with the same arguments)."""
    parts: list[pd.DataFrame] = []
    for edges in _derived_sent(aggregate, min_accounts, max_per_account):
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
        parts.append(
            pd.DataFrame(
                {
                    "key": np.asarray(keys, dtype=object),
                    "kind": per_key["kind"].to_numpy(dtype=object),
                    "accounts": np.bincount(codes).astype(np.int64),
                    "count": np.bincount(codes, weights=edges["count"].to_numpy()).astype(np.int64),
                }
            )
        )
    upstream = aggregate.upstream_sent.groupby(level=1, sort=True).agg(
        kind=("kind", "first"), accounts=("count", "size"), count=("count", "sum")
    )
    upstream = upstream[upstream["accounts"] >= min_accounts]
    upstream.index.name = "key"
    upstream["accounts"] = upstream["accounts"].astype(np.int64)
    parts.append(upstream.reset_index())
    frame = pd.concat([p for p in parts if len(p)] or [parts[-1]], ignore_index=True)
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
    features["hourOfDay"] = [list(map(int, row)) for row in histogram.reindex(features.index).to_numpy()]
    return features


def activity_rows(aggregate: ExchangeAggregate) -> list[Row]:
    """``{accountId, exchanges, inputTokens, outputTokens, tokenReports, firstSeen, lastSeen, capCot,
    capCode, capTool, capMath, capRubric, capRewrite, activeHours, activeDays, maxPerHour,
    meanPerActiveHour, p95PerHour, maxPerDay, meanPerActiveDay, hourOfDay: list[int] (24),
    syncSignature: list[int]}``"""
    features = aggregate.activity.join(rate_features(aggregate.hours), how="left")
    signatures = aggregate.sync.reindex(features.index)
    features["syncSignature"] = [list(map(int, row)) for row in signatures.to_numpy(dtype=np.int64)]
    return _records(features)


def sync_bucket_rows(aggregator: ExchangeAggregator, aggregate: ExchangeAggregate) -> list[Row]:
    """``{accountId, bucketKey}`` for the final signatures in ``aggregate``."""
    return _records(aggregator.sync_bucket_rows(aggregate.sync).set_index("accountId"))


def sync_bucket_keys(aggregator: ExchangeAggregator, signatures: dict[str, list[int]]) -> list[Row]:
    """Same as ``sync_bucket_rows`` for signatures read back from the graph (after merging with ``min``)."""
    frame = pd.DataFrame.from_dict(signatures, orient="index")
    frame.index.name = "accountId"
    return _records(aggregator.sync_bucket_rows(frame).set_index("accountId"))


# --------------------------------------------------------------------------------------------------------
# Accounts and payment methods


def account_rows(accounts: pd.DataFrame, hasher: KeyedHasher) -> list[Row]:
    """``{accountId, createdAt, emailKey|None, emailDomain|None, country, pathway, orgId, status}``"""
    emails = accounts["email"] if "email" in accounts.columns else pd.Series(pd.NA, index=accounts.index)
    hashed = hash_emails(emails.astype("string"), hasher)
    frame = pd.DataFrame(
        {
            "accountId": accounts["account_id"].astype(str).to_numpy(),
            "createdAt": pd.to_datetime(accounts["created_at"], utc=True).array,
            "emailKey": hashed["emailKey"].to_numpy(dtype=object),
            "emailDomain": hashed["emailDomain"].to_numpy(dtype=object),
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
