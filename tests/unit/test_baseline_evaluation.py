"""The textbook baseline and the evaluation JSON."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from detect.evaluation import evaluate_verdicts
from reporting.baseline import baseline_verdicts


def _batch(tmp_path: Path) -> Path:
    pd.DataFrame({"account_id": list("abcdefgh"), "created_at": "2026-03-01"}).to_csv(
        tmp_path / "accounts.csv", index=False
    )
    pd.DataFrame(
        {"account_id": ["a", "b", "c", "h"], "payment_fingerprint": ["card1", "card1", "card2", "4111 1111 1111 1111"]}
    ).to_csv(tmp_path / "payment_methods.csv", index=False)
    exchanges = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(6)],
            "account_id": ["c", "d", "e", "f", "g", "h"],
            "ts": "2026-03-01T00:00:00Z",
            "ip": ["9.9.9.9", "9.9.9.9", "7.7.7.7", "7.7.7.7", "bad-ip", "1.1.1.1"],
            "prompt": "hello",
        }
    )
    exchanges.to_csv(tmp_path / "exchanges.csv", index=False)
    return tmp_path


def test_baseline_flags_components_of_three_or_more(tmp_path: Path) -> None:
    verdicts = baseline_verdicts(_batch(tmp_path)).set_index("account_id")
    assert list(verdicts.columns) == ["verdict", "risk", "network_id"]
    # a-b share card1, b... c has card2 and ip 9.9.9.9 with d: a-b and c-d are separate pairs.
    assert verdicts.loc[list("abcdefgh"), "verdict"].tolist() == ["clear"] * 8
    pd.DataFrame(
        {"account_id": ["a", "b", "c", "h"], "payment_fingerprint": ["card1", "card1", "card1", "4111 1111 1111 1111"]}
    ).to_csv(tmp_path / "payment_methods.csv", index=False)
    verdicts = baseline_verdicts(tmp_path).set_index("account_id")
    flagged = verdicts.index[verdicts["verdict"] == "sockpuppet"].tolist()
    assert sorted(flagged) == ["a", "b", "c", "d"]  # card chain a-b-c plus c-d through the shared IP
    assert verdicts.loc["a", "network_id"] == verdicts.loc["d", "network_id"] == "baseline-a"
    assert verdicts.loc["h", "verdict"] == "clear"  # a card-number-looking value links nothing
    assert verdicts.loc["g", "network_id"] == "" and verdicts.loc["g", "risk"] == 0.0


def test_evaluation_counts_and_rates() -> None:
    truth = pd.DataFrame(
        {"account_id": list("abcdefgh"), "actor": ["op1", "op1", "op2", "op2", "benign", "benign", "benign", "benign"]}
    )
    verdicts = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "e", "f", "zz"],
            "verdict": ["sockpuppet", "sockpuppet", "suspect", "sockpuppet", "suspect", "sockpuppet"],
        }
    )
    report = evaluate_verdicts(verdicts, truth)
    assert report["accounts"] == 8 and report["adversary_accounts"] == 4
    assert report["true_positives"] == 2 and report["false_positives"] == 1
    assert report["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["recall"] == 0.5
    assert report["benign_false_positive_rate"] == 0.25
    assert report["suspect"] == {"accounts": 2, "adversary": 1, "benign": 1}
    assert report["recall_per_actor"]["op1"]["recall"] == 1.0
    assert report["recall_per_actor"]["op2"] == {"accounts": 2, "sockpuppet": 0, "suspect": 1, "recall": 0.0}
    assert report["unknown_accounts"] == 1


def test_evaluation_with_no_positives_is_defined() -> None:
    truth = pd.DataFrame({"account_id": ["a", "b"], "actor": ["op", "benign"]})
    report = evaluate_verdicts(pd.DataFrame({"account_id": [], "verdict": []}), truth)
    assert report["precision"] == 0.0 and report["recall"] == 0.0 and report["benign_false_positive_rate"] == 0.0
