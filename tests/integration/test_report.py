"""`sockhound report` end to end on a small real graph: the detection world (two rings, a company, benign
accounts) loaded through the real loader, detection run, then the report command through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from neo4j import Driver
from typer.testing import CliRunner

from cli.app import app
from detect.evaluation import evaluate_verdicts
from detect.export import verdicts_frame
from detect.pipeline import run_detection
from reporting.baseline import baseline_verdicts
from reporting.data import NO_BASELINE_NOTE
from reporting.render import FIGURES
from sockhound.graph import Graph
from sockhound.settings import Settings
from tests.detection_world import RING_A, RING_B, detection_settings, load, write_world
from tests.unit.test_report import PNG_SIGNATURE


def test_report_command_end_to_end(neo4j_settings: Settings, empty_graph: Driver, tmp_path: Path,
                                   cli_env: None) -> None:
    world = write_world(tmp_path / "world", {"a": RING_A, "b": RING_B})
    load(neo4j_settings, empty_graph, world, tmp_path / "load-report")
    result = run_detection(Graph(neo4j_settings, empty_graph), detection_settings())
    truth = pd.read_csv(world / "truth.csv", dtype=str, keep_default_na=False)
    out = tmp_path / "report"

    shown = CliRunner().invoke(app, ["report", "--truth", str(world / "truth.csv"), "--batch", str(world),
                                     "--out", str(out), "--top", "5"])
    assert shown.exit_code == 0, shown.output
    assert "sockhound precision 1.0000" in shown.output and "baseline  precision" in shown.output

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["sockhound"] == evaluate_verdicts(verdicts_frame(Graph(neo4j_settings, empty_graph)), truth)
    assert summary["baseline"] == evaluate_verdicts(baseline_verdicts(world), truth)
    assert summary["networks"]["active"] == len(result.networks)
    html = (out / "index.html").read_text(encoding="utf-8")
    for name in FIGURES:
        assert (out / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)
        assert f'src="{name}.png"' in html
    ring_a = result.accounts.loc[RING_A[0], "networkId"]
    top = {network["networkId"]: network for network in summary["top_networks"]}
    assert ring_a in top and ring_a in html
    # ring a shares prepaid cards (4 members each), proxies and a scheduler: all of it shows in its mix
    assert {"payment", "ip", "sync"} <= set(top[ring_a]["evidenceMix"])
    assert sum(top[ring_a]["evidenceMix"].values()) == pytest.approx(1.0)
    assert top[ring_a]["sharedItems"]["payment"] == len(RING_A) // 4

    bare = CliRunner().invoke(app, ["report", "--truth", str(world / "truth.csv"), "--out", str(tmp_path / "bare")])
    assert bare.exit_code == 0, bare.output
    assert "--batch" in bare.output
    bare_summary = json.loads((tmp_path / "bare" / "summary.json").read_text(encoding="utf-8"))
    assert bare_summary["baseline"] is None and bare_summary["baseline_note"] == NO_BASELINE_NOTE
    assert bare_summary["sockhound"] == summary["sockhound"]

    missing = CliRunner().invoke(app, ["report", "--truth", str(tmp_path / "nope.csv"), "--out", str(out)])
    assert missing.exit_code == 2
