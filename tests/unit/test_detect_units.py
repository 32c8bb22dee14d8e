"""Detection pieces that need no database: stable network ids, the risk waterfall, allow-list keys, features."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from detect.allowlist import allow_list_keys
from detect.config import DetectionSettings
from detect.explain import rarity_weight
from detect.network_ids import match_network_ids
from detect.pipeline import item_frame
from detect.scoring import verdict_of
from sockhound.fingerprints import PromptFingerprinter
from sockhound.privacy import KeyedHasher, hash_ips, hash_payment_fingerprints

KEY = b"unit-test-key-0123456789"


def fresh_ids() -> itertools.count[int]:
    return itertools.count()


def test_network_ids_survive_by_overlap_and_fresh_ids_otherwise() -> None:
    previous = {"net-a": {"a1", "a2", "a3", "a4"}, "net-b": {"b1", "b2", "b3"}, "net-gone": {"g1", "g2"}}
    counter = iter(range(100))
    communities = {
        10: {"a1", "a2", "a3", "a5"},  # lost a4, gained a5: keeps net-a
        11: {"b1", "b2", "b3"},  # unchanged
        12: {"n1", "n2", "g1"},  # one of two old members: Jaccard 0.25 < 0.3 -> fresh
    }
    ids = match_network_ids(communities, previous, 0.3, fresh_id=lambda: f"fresh-{next(counter)}")
    assert ids == {10: "net-a", 11: "net-b", 12: "fresh-0"}


def test_a_split_network_keeps_its_id_for_the_larger_part_only() -> None:
    previous = {"net-a": {f"a{i}" for i in range(10)}}
    communities = {1: {f"a{i}" for i in range(7)}, 2: {f"a{i}" for i in range(7, 10)}}
    ids = match_network_ids(communities, previous, 0.2, fresh_id=lambda: "fresh")
    assert ids == {1: "net-a", 2: "fresh"}


def test_verdict_thresholds_come_from_settings() -> None:
    settings = DetectionSettings(sockpuppet_threshold=0.9, suspect_threshold=0.5)
    assert [verdict_of(r, settings) for r in (0.95, 0.9, 0.6, 0.49)] == ["sockpuppet", "sockpuppet", "suspect",
                                                                        "clear"]


def test_rarity_weight_falls_with_sharing() -> None:
    assert rarity_weight(1.0, 2, 10_000) == pytest.approx(1.0)
    assert rarity_weight(1.0, 100, 10_000) < rarity_weight(1.0, 10, 10_000) < 1.0
    assert rarity_weight(1.0, 1, 10_000) == 0.0


def test_allow_list_keys_match_the_loaders_hashes() -> None:
    hasher = KeyedHasher(KEY)
    subnet_key = hash_ips(pd.Series(["203.0.113.77"]), hasher)["subnetKey"].iloc[0]
    assert allow_list_keys("subnet", "203.0.113.0/24", hasher) == [subnet_key]
    assert allow_list_keys("subnet", "203.0.113.5", hasher) == [subnet_key]
    v6_key = hash_ips(pd.Series(["2001:db8:1:2::9"]), hasher)["subnetKey"].iloc[0]
    assert allow_list_keys("subnet", "2001:db8:1::/48", hasher) == [v6_key]
    with pytest.raises(ValueError, match="/24"):
        allow_list_keys("subnet", "203.0.0.0/16", hasher)
    payment_key = hash_payment_fingerprints(pd.Series([" pm_corporate_card "]), hasher).iloc[0]
    assert allow_list_keys("payment", "pm_corporate_card", hasher) == [payment_key]
    prompt = "Please reason step by step: what is 17 * 23?"
    fingerprint = PromptFingerprinter(hasher).fingerprint([prompt]).iloc[0]
    assert set(allow_list_keys("prompt", prompt, hasher)) == {fingerprint["exactKey"], fingerprint["templateKey"]}
    assert allow_list_keys("payment", "0123456789abcdef0123456789abcdef", hasher) == [
        "0123456789abcdef0123456789abcdef"]
    with pytest.raises(ValueError, match="kind"):
        allow_list_keys("email", "x@example.org", hasher)


def test_item_frame_numbers_items_by_query_order_not_store_id() -> None:
    """Two loads of one graph give the items other store ids; the frame (and so the pairs sampled from it)
    must be the same, so items are numbered by first appearance in the query's key order."""
    def frame(account_ids: list[int], item_ids: list[int]) -> pd.DataFrame:
        record = {"accounts": account_ids, "items": item_ids, "kinds": ["payment", "payment", "ip", "ip"],
                  "ks": [2, 2, 2, 2]}
        node_to_index = pd.Series(np.arange(2, dtype=np.int64), index=sorted(set(account_ids)))
        return item_frame(record, node_to_index)

    first = frame([10, 11, 10, 11], [500, 500, 90, 90])  # the payment item has the higher store id
    second = frame([3, 4, 3, 4], [7, 7, 900, 900])  # the other way round
    pd.testing.assert_frame_equal(first, second)
    assert first["item"].tolist() == [0, 0, 1, 1]
