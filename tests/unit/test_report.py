"""The report's data gathering and rendering, on small hand-made frames (no database)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from detect.config import EVIDENCE_KINDS
from detect.evaluation import evaluate_verdicts
from reporting.data import (
    EVIDENCE_COLUMNS,
    NO_BASELINE_NOTE,
    evidence_tables,
    gather_report_data,
    parse_networks,
    summary_payload,
)
from reporting.render import FIGURES, format_cell, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _verdicts() -> pd.DataFrame:
    rows = [
        ("a1", "sockpuppet", 0.97, "net-a"), ("a2", "sockpuppet", 0.95, "net-a"), ("a3", "suspect", 0.6, "net-a"),
        ("b1", "sockpuppet", 0.91, "net-b"), ("b2", "clear", 0.2, ""),
        ("x1", "sockpuppet", 0.85, "net-x"), ("x2", "sockpuppet", 0.83, "net-x"),
        *[(f"n{i}", "clear", 0.01 * i, "") for i in range(10)],
        ("stray", "clear", 0.0, ""),  # in the graph, not in the truth
    ]
    return pd.DataFrame(rows, columns=["account_id", "verdict", "risk", "network_id"])


def _truth() -> pd.DataFrame:
    actors = {"a1": "op-a", "a2": "op-a", "a3": "op-a", "b1": "op-b", "b2": "op-b", "x1": "benign", "x2": "benign",
              "gone": "op-b"}  # `gone` never reached the graph: it counts as clear
    actors.update({f"n{i}": "benign" for i in range(10)})
    return pd.DataFrame({"account_id": list(actors), "actor": list(actors.values())})


def _networks() -> pd.DataFrame:
    return parse_networks([
        {"networkId": "net-x", "size": 2, "risk": 0.84, "verdict": "sockpuppet",
         "features": json.dumps({"communitySize": 2, "sockpuppets": 2})},
        {"networkId": "net-a", "size": 3, "risk": 0.84, "verdict": "sockpuppet",
         "features": json.dumps({"communitySize": 4, "sockpuppets": 2})},
        {"networkId": "net-b", "size": 1, "risk": 0.91, "verdict": "sockpuppet", "features": None},
    ])


def _evidence() -> pd.DataFrame:
    rows = [
        ("net-a", "payment", 1, 2, 3.0), ("net-a", "ip", 2, 2, 1.0), ("net-a", "template", 1, 2, 0.5),
        ("net-a", "sync", 3, 4, 1.5), ("net-x", "subnet", 1, 1, 0.2),
    ]
    return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))


def _baseline() -> pd.DataFrame:
    flagged = {"a1", "a2", "b1", "b2", "n0", "n1", "n2"}
    accounts = _verdicts()["account_id"]
    return pd.DataFrame({
        "account_id": accounts,
        "verdict": ["sockpuppet" if account in flagged else "clear" for account in accounts],
        "risk": [1.0 if account in flagged else 0.0 for account in accounts],
        "network_id": ["baseline-a1" if account in flagged else "" for account in accounts],
    })


def test_networks_ordered_by_risk_and_features_spread() -> None:
    networks = _networks()
    assert networks["networkId"].tolist() == ["net-b", "net-a", "net-x"]  # tie on risk: the larger first
    assert networks.set_index("networkId").loc["net-a", "communitySize"] == 4


def test_evidence_mix_shares_sum_to_one_per_network() -> None:
    mix, items = evidence_tables(_evidence(), ["net-a", "net-b", "net-x"])
    assert list(mix.columns) == list(EVIDENCE_KINDS) and list(mix.index) == ["net-a", "net-b", "net-x"]
    assert mix.loc["net-a"].sum() == pytest.approx(1.0)
    assert mix.loc["net-a", "payment"] == pytest.approx(0.5)
    assert mix.loc["net-b"].sum() == 0.0  # shares nothing that links
    assert mix.loc["net-x", "subnet"] == pytest.approx(1.0)
    assert items.loc["net-a", "sync"] == 3 and items.loc["net-b"].sum() == 0
    empty_mix, _ = evidence_tables(pd.DataFrame(columns=list(EVIDENCE_COLUMNS)), ["net-a"])
    assert empty_mix.loc["net-a"].sum() == 0.0


def test_gather_uses_evaluate_verdicts_for_both_methods() -> None:
    data = gather_report_data(_verdicts(), _networks(), _evidence(), _truth(), _baseline(), top=2)
    assert data.sockhound == evaluate_verdicts(_verdicts(), _truth())
    assert data.baseline == evaluate_verdicts(_baseline(), _truth())
    assert data.baseline_note is None
    assert list(data.top_networks.index) == ["net-b", "net-a"]
    assert list(data.evidence_mix.index) == ["net-b", "net-a"]
    assert data.recall.loc["op-a", "sockhound"] == pytest.approx(2 / 3, abs=1e-6)
    assert data.recall.loc["op-b", "baseline"] == pytest.approx(2 / 3, abs=1e-6)
    assert data.recall.loc["op-b", "accounts"] == 3
    classes = data.accounts.set_index("account_id")["truth"].to_dict()
    assert [classes[account] for account in ("stray", "x1", "b2", "n3")] == ["unknown", "benign", "adversary", "benign"]
    assert data.baseline_sizes is not None and data.baseline_sizes.tolist() == [7]


def test_report_files_are_valid_and_carry_the_figures(tmp_path: Path) -> None:
    data = gather_report_data(_verdicts(), _networks(), _evidence(), _truth(), _baseline(), top=3)
    files = write_report(data, tmp_path / "report")
    assert set(files.images) == set(FIGURES)
    html = files.index.read_text(encoding="utf-8")
    for name, path in files.images.items():
        assert path.parent == files.directory and path.read_bytes().startswith(PNG_SIGNATURE), name
        assert path.stat().st_size > 5_000
        assert f'src="{path.name}"' in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from the network
    for figures in (data.sockhound, data.baseline):
        assert figures is not None
        for key in ("precision", "recall", "benign_false_positive_rate"):
            assert f"<td>{format_cell(figures[key])}</td>" in html
    assert "op-a" in html and "op-b" in html and "net-a" in html and "payment 50%" in html
    summary = json.loads(files.summary.read_text(encoding="utf-8"))
    assert summary["sockhound"] == evaluate_verdicts(_verdicts(), _truth())
    assert summary["baseline"] == evaluate_verdicts(_baseline(), _truth())
    assert summary == json.loads(json.dumps(summary_payload(data)))
    top = {network["networkId"]: network for network in summary["top_networks"]}
    assert top["net-a"]["evidenceMix"]["payment"] == pytest.approx(0.5)
    assert top["net-a"]["sharedItems"] == {"payment": 1, "ip": 2, "template": 1, "sync": 3}


def test_report_without_baseline_says_so(tmp_path: Path) -> None:
    data = gather_report_data(_verdicts(), _networks(), _evidence(), _truth(), None)
    assert data.baseline is None and data.baseline_note == NO_BASELINE_NOTE
    assert data.recall["baseline"].map(math.isnan).all()
    files = write_report(data, tmp_path)
    html = files.index.read_text(encoding="utf-8")
    assert NO_BASELINE_NOTE.split(":")[0] in html and "baseline recall" not in html
    assert all(path.read_bytes().startswith(PNG_SIGNATURE) for path in files.images.values())
    summary = json.loads(files.summary.read_text(encoding="utf-8"))
    assert summary["baseline"] is None and summary["baseline_note"] == NO_BASELINE_NOTE


def test_report_on_an_empty_graph(tmp_path: Path) -> None:
    verdicts = pd.DataFrame(columns=["account_id", "verdict", "risk", "network_id"])
    data = gather_report_data(verdicts, parse_networks([]), pd.DataFrame(columns=list(EVIDENCE_COLUMNS)),
                              _truth(), None)
    files = write_report(data, tmp_path)
    assert all(path.read_bytes().startswith(PNG_SIGNATURE) for path in files.images.values())
    assert json.loads(files.summary.read_text(encoding="utf-8"))["networks"]["active"] == 0
