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
   shard is written (IPs, SEEN_FROM, USED_MODEL, activity), and its capped fingerprint edges kept.
3. **Batch-wide.** Fingerprint edges of keys still shared after the cap, and sync buckets, are written.

Memory: one chunk, one shard's aggregate, and the per-key counter (17 bytes per distinct fingerprint key
still in the counter) — not the batch. Each edge is still written once per batch, so the `$seq` guards make
a replayed load exact, as before.
"""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.aggregate import ExchangeAggregate, fingerprint_key_accounts, merge_many, sorting_order
from loaders.fingerprints import FINGERPRINT_KINDS

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


class ShardSpill:
    """Chunk aggregates split by account shard into one append-only pickle stream per shard."""

    def __init__(self, directory: Path, shards: int) -> None:
        self.directory = directory
        self.shards = shards
        directory.mkdir(parents=True, exist_ok=True)
        self._files: list[BinaryIO] = [open(self._path(shard), "wb") for shard in range(shards)]  # noqa: SIM115
        self.bytes_written = 0

    def _path(self, shard: int) -> Path:
        return self.directory / f"shard-{shard:04d}.pickle"

    def add(self, aggregate: ExchangeAggregate) -> None:
        for shard, piece in split_by_shard(aggregate, self.shards).items():
            data = pickle.dumps(piece, protocol=pickle.HIGHEST_PROTOCOL)
            self._files[shard].write(data)
            self.bytes_written += len(data)

    def finish_writing(self) -> None:
        for handle in self._files:
            handle.close()

    def pieces(self, shard: int) -> Iterator[ExchangeAggregate]:
        with open(self._path(shard), "rb") as handle:
            while True:
                try:
                    yield pickle.load(handle)  # our own spill file, written above
                except EOFError:
                    return

    def merged(self, shard: int) -> ExchangeAggregate | None:
        """The shard's exact aggregate (None when no account of the batch falls in it)."""
        pieces = list(self.pieces(shard))
        return merge_many(pieces) if pieces else None

    def remove(self) -> None:
        for handle in self._files:
            handle.close()
        shutil.rmtree(self.directory, ignore_errors=True)


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
