"""The textbook baseline: connected components over "any shared card or IP", components of >= 3 flagged.

This is what sockhound must beat. It reads the batch with the contract reader and validator (bad rows
never link anything), builds the bipartite account-identifier graph and runs scipy's
connected_components. No database needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from loaders.batch_files import read_batch_table
from loaders.contract import TableValidator
from sockhound.vocabulary import VERDICT_COLUMNS

MIN_COMPONENT_ACCOUNTS: Final = 3


def _validated_pairs(batch_dir: Path, table: str, left: str, right: str) -> pd.DataFrame:
    validator = TableValidator(table, table)
    pairs: list[pd.DataFrame] = []
    for raw in read_batch_table(batch_dir, table):
        good = validator.validate(raw.frame, raw.first_row_number, raw.file).good
        pairs.append(good[[left, right]].drop_duplicates())
    if not pairs:
        return pd.DataFrame(columns=[left, right])
    return pd.concat(pairs, ignore_index=True).drop_duplicates()


def baseline_verdicts(batch_dir: Path | str, min_accounts: int = MIN_COMPONENT_ACCOUNTS) -> pd.DataFrame:
    """Verdicts (account_id, verdict, risk, network_id) for every account in the batch."""
    root = Path(batch_dir)
    account_ids: list[pd.Series] = []
    validator = TableValidator("accounts", "accounts")
    for raw in read_batch_table(root, "accounts"):
        account_ids.append(validator.validate(raw.frame, raw.first_row_number, raw.file).good["account_id"])
    cards = _validated_pairs(root, "payment_methods", "account_id", "payment_fingerprint")
    addresses = _validated_pairs(root, "exchanges", "account_id", "ip")
    accounts = pd.Index(
        pd.concat([*account_ids, cards["account_id"], addresses["account_id"]], ignore_index=True).unique()
    )
    card_codes, _ = pd.factorize(cards["payment_fingerprint"])
    ip_codes, ip_values = pd.factorize(addresses["ip"])
    card_count = int(card_codes.max()) + 1 if len(card_codes) else 0
    account_count = len(accounts)
    rows = np.concatenate([accounts.get_indexer(cards["account_id"]), accounts.get_indexer(addresses["account_id"])])
    columns = np.concatenate([account_count + card_codes, account_count + card_count + ip_codes])
    node_count = account_count + card_count + len(ip_values)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, columns)), shape=(node_count, node_count))
    _, component = connected_components(graph, directed=False)
    account_component = component[:account_count]
    sizes = np.bincount(account_component, minlength=node_count)
    flagged = sizes[account_component] >= min_accounts
    # Network id: the smallest account id in the component, so it is stable across runs.
    frame = pd.DataFrame({"account_id": accounts.to_numpy(dtype=object), "component": account_component})
    first_member = frame.groupby("component")["account_id"].transform("min")
    verdicts = pd.DataFrame(
        {
            "account_id": frame["account_id"],
            "verdict": np.where(flagged, "sockpuppet", "clear"),
            "risk": flagged.astype(float),
            "network_id": np.where(flagged, "baseline-" + first_member.astype(str), ""),
        }
    )
    return verdicts.loc[:, list(VERDICT_COLUMNS)]
