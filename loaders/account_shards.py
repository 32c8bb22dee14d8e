"""Bounded memory for large batches: chunk aggregates spilled to disk by account shard.

A batch's exchanges arrive in file order, but what the graph needs is per account (activity, rate shape,
sync sketch, the per-account cap on prompt fingerprints) and per (account, evidence) pair. Holding the whole
batch's aggregate in memory grows with the batch (16M exchanges make tens of millions of pairs), so:

1. **Scan.** Each validated chunk is aggregated as before, then split by account shard (a stable hash of
   the account id) and appended to that shard's spill file: numbers and keyed hashes only, never a raw
   value. What the batch-wide decisions need is kept on the side in compact form: for every prompt
   fingerprint key, whether two or more accounts sent it (``SharedKeyCounter``).
2. **Per shard.** A shard's pieces are merged into one exact aggregate: every exchange of an account is in
   its shard, so per-account features and per-pair aggregates are exactly those of the whole batch. The
   shard is written (IPs, SEEN_FROM, USED_MODEL, activity), and its capped fingerprint edges are spilled
   again, this time by key shard (``FingerprintEdgeSpill``).
3. **Per key shard.** Every capped edge of a key is in its key shard, so keys still shared after the cap
   are found there, and their nodes and SENT edges written, one key shard at a time. Sync buckets last.

Memory: one chunk, one account shard's aggregate or one key shard's edges, and the per-key counter
(17 bytes per distinct fingerprint key still in the counter) — not the batch. Each edge is still written
once per batch, so the `$seq` guards make a replayed load exact, as before.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.aggregate import (
    ExchangeAggregate,
    fingerprint_key_accounts,
    merge_many,
    sorting_order,
    upstream_key_numbers,
)
from sockhound.fingerprints import FINGERPRINT_KINDS

U64 = npt.NDArray[np.uint64]
SPILL_PREFIX: Final = "spill-"
MAX_SHARDS: Final = 256
"""One open spill file per shard while scanning."""
COMPACT_EVERY_ENTRIES: Final = 8_000_000
"""The counter folds pending per-chunk entries into its state once this many are waiting."""


def account_hashes(account_ids: npt.NDArray[np.object_] | pd.Index) -> U64:
    """A stable 64-bit hash per account id (pandas' fixed-key SipHash: the same in every process)."""
    values = np.asarray(account_ids, dtype=object)
    return pd.util.hash_array(values).astype(np.uint64)


def shard_of(account_ids: npt.NDArray[np.object_] | pd.Index, shards: int) -> npt.NDArray[np.int64]:
    """The shard (0..shards-1) of each account id; stable across processes and runs."""
    return (account_hashes(account_ids) % np.uint64(shards)).astype(np.int64)


class SharedKeyCounter:
    """For each fingerprint kind, which keys two or more distinct accounts sent, over a whole batch.

    State per kind: sorted unique keys, one account hash each (the first seen), and whether a second
    account was seen. Chunks add (key, account) pairs; pending pairs are folded in by sorting, so the state
    holds each distinct key once.
    """

    def __init__(self) -> None:
        empty = np.empty(0, dtype=np.uint64)
        self._keys: dict[str, U64] = dict.fromkeys(FINGERPRINT_KINDS, empty)
        self._owners: dict[str, U64] = dict.fromkeys(FINGERPRINT_KINDS, empty)
        self._multi: dict[str, npt.NDArray[np.bool_]] = dict.fromkeys(FINGERPRINT_KINDS, np.empty(0, dtype=bool))
        self._pending: dict[str, list[tuple[U64, U64, npt.NDArray[np.bool_]]]] = {k: [] for k in FINGERPRINT_KINDS}
        self._pending_entries = 0

    def add_aggregate(self, aggregate: ExchangeAggregate) -> None:
        pairs, account_ids = fingerprint_key_accounts(aggregate)
        hashes = account_hashes(account_ids)
        for kind, (keys, accounts) in pairs.items():
            if len(keys):
                self.add(kind, keys, hashes[accounts])

    def add(self, kind: str, keys: U64, owners: U64) -> None:
        """(key, account hash) pairs, repeats allowed."""
        folded = _fold(keys, owners, np.zeros(len(keys), dtype=bool))
        self._pending[kind].append(folded)
        self._pending_entries += len(folded[0])
        if self._pending_entries >= COMPACT_EVERY_ENTRIES:
            self._compact()

    def _compact(self) -> None:
        for kind, pending in self._pending.items():
            if not pending:
                continue
            keys = np.concatenate([self._keys[kind], *(p[0] for p in pending)])
            owners = np.concatenate([self._owners[kind], *(p[1] for p in pending)])
            multi = np.concatenate([self._multi[kind], *(p[2] for p in pending)])
            self._keys[kind], self._owners[kind], self._multi[kind] = _fold(keys, owners, multi)
            pending.clear()
        self._pending_entries = 0

    def shared(self) -> dict[str, U64]:
        """Per kind, the sorted keys that two or more accounts sent."""
        self._compact()
        return {kind: self._keys[kind][self._multi[kind]] for kind in FINGERPRINT_KINDS}

    @property
    def distinct_keys(self) -> int:
        return sum(len(keys) for keys in self._keys.values())


def _fold(keys: U64, owners: U64, multi: npt.NDArray[np.bool_]) -> tuple[U64, U64, npt.NDArray[np.bool_]]:
    """One entry per key: its smallest owner, and whether it has two owners (or was already marked)."""
    if len(keys) == 0:
        return keys, owners, multi
    order = sorting_order(keys, owners)
    keys, owners, multi = keys[order], owners[order], multi[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    lowest = owners[starts]
    highest = np.maximum.reduceat(owners, starts)
    marked = np.logical_or.reduceat(multi, starts)
    return keys[starts], lowest, marked | (highest != lowest)


class PickleShards:
    """One append-only pickle stream per shard, in one directory (removed with ``remove``)."""

    def __init__(self, directory: Path, shards: int) -> None:
        self.directory = directory
        self.shards = shards
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)  # the owner's only: account ids sit beside the keyed hashes
        self._files: list[BinaryIO] = [
            os.fdopen(os.open(self._path(shard), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
            for shard in range(shards)
        ]
        self.bytes_written = 0

    def _path(self, shard: int) -> Path:
        return self.directory / f"shard-{shard:04d}.pickle"

    def append(self, shard: int, value: object) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._files[shard].write(data)
        self.bytes_written += len(data)

    def finish_writing(self) -> None:
        for handle in self._files:
            handle.close()

    def pieces(self, shard: int) -> Iterator[Any]:
        with open(self._path(shard), "rb") as handle:
            while True:
                try:
                    yield pickle.load(handle)  # our own spill file, written above
                except EOFError:
                    return

    def remove(self) -> None:
        for handle in self._files:
            handle.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class ShardSpill(PickleShards):
    """Chunk aggregates split by account shard."""

    def add(self, aggregate: ExchangeAggregate) -> None:
        for shard, piece in split_by_shard(aggregate, self.shards).items():
            self.append(shard, piece)

    def merged(self, shard: int) -> ExchangeAggregate | None:
        """The shard's exact aggregate (None when no account of the batch falls in it)."""
        pieces = list(self.pieces(shard))
        return merge_many(pieces) if pieces else None


class FingerprintEdgeSpill(PickleShards):
    """Capped fingerprint edges of all account shards, regrouped by key shard (a key's number modulo the
    shard count: the keys are keyed hashes, so evenly spread).

    Whether a key is still shared after the per-account cap, and its node row, need every edge of that key:
    a key shard holds all of them, so each key shard is decided and written alone, and each (account, key)
    edge is still written once per batch.
    """

    def __init__(self, directory: Path, shards: int, empty_upstream: pd.DataFrame) -> None:
        super().__init__(directory, shards)
        self._empty_upstream = empty_upstream

    def add(self, parts: Sequence[pd.DataFrame], upstream: pd.DataFrame) -> None:
        """One account shard's numeric-key edge parts (one kind each) and flat upstream edges."""
        pieces: dict[int, tuple[list[pd.DataFrame], list[pd.DataFrame]]] = {}
        for part in parts:
            for shard, rows in _rows_by_key_shard(part["keyHigh"].to_numpy(dtype=np.uint64), self.shards):
                pieces.setdefault(shard, ([], []))[0].append(part.iloc[rows].reset_index(drop=True))
        if len(upstream):
            numbers = upstream_key_numbers(upstream["fingerprintKey"])
            for shard, rows in _rows_by_key_shard(numbers, self.shards):
                pieces.setdefault(shard, ([], []))[1].append(upstream.iloc[rows].reset_index(drop=True))
        for shard, piece in pieces.items():
            self.append(shard, piece)

    def edges(self, shard: int) -> tuple[list[pd.DataFrame], pd.DataFrame]:
        """Every capped edge of the shard's keys: one frame per kind, and the upstream edges."""
        by_kind: dict[str, list[pd.DataFrame]] = {}
        upstream: list[pd.DataFrame] = [self._empty_upstream]
        for parts, upstream_parts in self.pieces(shard):
            for part in parts:
                by_kind.setdefault(str(part["kind"].iloc[0]), []).append(part)
            upstream.extend(upstream_parts)
        return ([pd.concat(frames, ignore_index=True) for frames in by_kind.values()],
                pd.concat(upstream, ignore_index=True))


def _rows_by_key_shard(keys: U64, shards: int) -> Iterator[tuple[int, npt.NDArray[np.int64]]]:
    """(key shard, row positions) for each key shard that some of ``keys`` fall in."""
    if len(keys) == 0:
        return
    shard_of_row = (keys % np.uint64(shards)).astype(np.int64)
    order = np.argsort(shard_of_row, kind="stable")
    bounds = np.searchsorted(shard_of_row[order], np.arange(shards + 1))
    for shard in range(shards):
        if bounds[shard] < bounds[shard + 1]:
            yield shard, order[bounds[shard]:bounds[shard + 1]]


def remove_stale_spills(report_dir: Path) -> None:
    """Spill directories a killed load left behind (a resumed load recomputes everything)."""
    if report_dir.is_dir():
        for stale in report_dir.glob(f"{SPILL_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)


def split_by_shard(aggregate: ExchangeAggregate, shards: int) -> dict[int, ExchangeAggregate]:
    """The aggregate's rows per account shard; each piece keeps the IPs and prompts its rows refer to."""
    accounts = aggregate.activity.index
    if shards == 1 or len(accounts) == 0:
        return {0: aggregate} if len(accounts) else {}
    shard_by_account = pd.Series(shard_of(accounts, shards), index=accounts)

    def rows_of(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
        return shard_by_account.reindex(frame.index.get_level_values(0)).to_numpy(dtype=np.int64)

    frames = {name: getattr(aggregate, name) for name in
              ("seen_from", "prompt_sent", "upstream_sent", "activity", "hours", "models", "sync")}
    shard_rows = {name: rows_of(frame) for name, frame in frames.items()}
    pieces: dict[int, ExchangeAggregate] = {}
    for shard in np.unique(shard_by_account.to_numpy()).tolist():
        own = {name: frame[shard_rows[name] == shard] for name, frame in frames.items()}
        ip_keys = own["seen_from"].index.get_level_values(1).unique()
        prompt_keys = own["prompt_sent"].index.get_level_values(1).unique()
        pieces[int(shard)] = ExchangeAggregate(
            ips=aggregate.ips[aggregate.ips.index.isin(ip_keys)],
            prompts=aggregate.prompts[aggregate.prompts.index.isin(prompt_keys)],
            **own,
        )
    return pieces


def shard_count(total_bytes: int, bytes_per_shard: int) -> int:
    """How many account shards a batch of ``total_bytes`` of exchange files gets."""
    return min(MAX_SHARDS, max(1, -(-total_bytes // max(1, bytes_per_shard))))


SharedKeys = Mapping[str, U64]
