"""Leave-one-tactic-out: detection on worlds whose operations use a tactic nothing here was chosen on.

For every tactic value X (simulator/tactics.py TACTICS, or those named with --tactic), worlds of the
`varied` preset are simulated with X forced on at least one operation (the others draw freely), loaded
into a real Neo4j (a throwaway local server, or the one NEO4J_URI names: its graph is wiped), and three
methods are scored against the truth in the same run:

* sockhound: `detect` as shipped (no fitted weights; its knobs were set before any of these worlds);
* frozen: the frozen-weight scorer of commit --frozen-commit (run from a git worktree on the same graph);
* baseline: the textbook peer (components over shared card or IP, hubs dropped; reporting/baseline.py);
* before (with --before-commit C): `detect` of commit C (run from a git worktree like the frozen scorer), so a
  change to detect/ is judged before/after on the very same graphs.

Leave-one-tactic-out needs any parameter chosen on worlds without X. The shipped scorer has nothing left
to choose (its settings are fixed defaults and every rate is estimated from the world being scored), so
the choice set is empty for every fold, and no world here ever feeds a setting.

Printed per tactic: precision, recall, benign false-positive rate, the lowest recall of any operation,
the recall of the operations using X, and the share of look-alike benign crowd members (truth.csv
`group`) called `sockpuppet`; then the worst tactic for each figure. `--json FILE` keeps every figure.

    .venv/bin/python bench/generalisation.py                         # every tactic value, one world each
    .venv/bin/python bench/generalisation.py --tactic size=tiny --tactic prompt=upstream_only --worlds 2
    .venv/bin/python bench/generalisation.py --tactic preset=demo --capture var/capture   # the demo world

`--tactic preset=demo` scores the `demo` preset (seed 0) instead of a varied world.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detect import pipeline  # noqa: E402
from detect.config import DetectionSettings  # noqa: E402
from detect.evaluation import evaluate_verdicts  # noqa: E402
from detect.export import verdicts_frame  # noqa: E402
from detect.pipeline import run_detection  # noqa: E402
from loaders.load_batch import BatchLoader  # noqa: E402
from queries import load_query  # noqa: E402
from reporting.baseline import baseline_verdicts  # noqa: E402
from simulator.config import preset_config  # noqa: E402
from simulator.tactics import TACTICS  # noqa: E402
from simulator.world import simulate  # noqa: E402
from sockhound.graph import Graph, connected_driver  # noqa: E402
from sockhound.hash_key import ensure_key_file  # noqa: E402
from sockhound.runtime import local_neo4j  # noqa: E402
from sockhound.settings import Settings  # noqa: E402

BENCH_HASH_KEY = ensure_key_file(ROOT / "var" / "bench" / "hash-key")
"""The benches' own random hash key (made once, 0600); the development key works only under pytest."""
FROZEN_COMMIT = "dd10b4e"
# Runs the frozen scorer of an old checkout on the graph and prints its verdicts as CSV.
FROZEN_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from detect.config import DetectionSettings
from detect.export import verdicts_frame
from detect.pipeline import run_detection
from sockhound.graph import Graph, connected_driver
from sockhound.settings import Settings
settings = Settings(sockhound_allow_dev_hash_key=True)
with connected_driver(settings) as driver:
    run_detection(Graph(settings, driver), DetectionSettings())
    verdicts_frame(Graph(settings, driver)).to_csv(sys.argv[2], index=False)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(scratch: Path) -> Iterator[Settings]:
    if os.environ.get("NEO4J_URI"):
        yield Settings(sockhound_hash_key_file=BENCH_HASH_KEY)
        return
    settings = Settings(neo4j_uri=None, sockhound_neo4j_home=scratch / "neo4j", sockhound_bolt_port=free_port(),
                        sockhound_http_port=0, sockhound_heap_size="2g", sockhound_pagecache_size="512m",
                        sockhound_hash_key_file=BENCH_HASH_KEY)
    with local_neo4j.running_server(settings):
        yield settings


@contextmanager
def frozen_checkout(commit: str, scratch: Path) -> Iterator[Path]:
    path = scratch / f"frozen-{commit}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(path), commit],
                   check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], capture_output=True)


def figures(verdicts: pd.DataFrame, truth: pd.DataFrame, tactic_ops: list[str]) -> dict[str, Any]:
    report = evaluate_verdicts(verdicts, truth)
    per_actor = {actor: float(values["recall"]) for actor, values in report["recall_per_actor"].items()}
    joined = truth.merge(verdicts.loc[:, ["account_id", "verdict"]], on="account_id", how="left")
    crowd = joined[(joined["actor"] == "benign") & (joined.get("group", pd.Series("", index=joined.index)) != "")]
    return {
        "precision": report["precision"], "recall": report["recall"],
        "benign_fpr": report["benign_false_positive_rate"],
        "min_operation_recall": min(per_actor.values(), default=0.0),
        "tactic_recall": min((per_actor[name] for name in tactic_ops if name in per_actor), default=0.0),
        "lookalike_sockpuppet": round(float((crowd["verdict"] == "sockpuppet").mean()), 6) if len(crowd) else 0.0,
        "recall_per_operation": per_actor,
    }


@contextmanager
def capturing(target: Path | None, truth: pd.DataFrame, tactic_ops: list[str]) -> Iterator[None]:
    """While detection runs, keep the inputs of `model_scores` (pure) in `target` (pickle), with the truth,
    so variants of the model can be re-scored offline on the same communities. Ids are the simulator's."""
    if target is None:
        yield
        return
    original = pipeline.model_scores

    def keep(profiles: pd.DataFrame, items: pd.DataFrame, levels: Any, detection: DetectionSettings) -> Any:
        target.parent.mkdir(parents=True, exist_ok=True)
        pd.to_pickle({"profiles": profiles, "items": items, "levels": levels, "truth": truth,
                      "tactic_operations": tactic_ops}, target)
        return original(profiles, items, levels, detection)

    pipeline.model_scores = keep  # type: ignore[assignment]
    try:
        yield
    finally:
        pipeline.model_scores = original  # type: ignore[assignment]


def _checkout_verdicts(settings: Settings, checkout: Path, out: Path, truth: pd.DataFrame,
                       tactic_ops: list[str]) -> dict[str, Any]:
    """Figures of the `detect` of another checkout, run on the loaded graph."""
    env = {**os.environ, "NEO4J_URI": settings.bolt_uri, "NEO4J_PASSWORD": settings.neo4j_auth()[1]}
    subprocess.run([sys.executable, "-c", FROZEN_SCRIPT, str(checkout), str(out)], check=True, env=env,
                   cwd=checkout, capture_output=True)
    return figures(pd.read_csv(out, dtype=str, keep_default_na=False), truth, tactic_ops)


def one_world(settings: Settings, dimension: str, value: str, seed: int, genuine: int, scratch: Path,
              frozen: Path | None, capture: Path | None = None, before: Path | None = None) -> dict[str, Any]:
    batch = scratch / f"world-{dimension}-{value}-{seed}"
    config = (preset_config("demo", seed) if dimension == "preset" else
              preset_config("varied", seed, genuine, include={dimension: value}, scope="any"))
    simulate(batch, config)
    world = json.loads((batch / "world.json").read_text())
    tactics = world.get("operation_tactics", {})
    tactic_ops = [name for name, drawn in tactics.items() if drawn.get(dimension) == value]
    truth = pd.read_csv(batch / "truth.csv", dtype=str, keep_default_na=False)
    with connected_driver(settings) as driver:
        Graph(settings, driver).run_statements(load_query("maintenance/delete_all_in_batches"), {"batchSize": 10_000})
        started = time.perf_counter()
        BatchLoader(Graph(settings, driver)).load(batch, scratch / "reports" / batch.name)
        load_seconds = time.perf_counter() - started
        results: dict[str, Any] = {}
        if frozen is not None:
            results["frozen"] = _checkout_verdicts(settings, frozen, scratch / "frozen.csv", truth, tactic_ops)
        if before is not None:
            started = time.perf_counter()
            results["before"] = _checkout_verdicts(settings, before, scratch / "before.csv", truth, tactic_ops)
            results["before"]["detect_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        with capturing(capture / f"{dimension}={value}-{seed}.pkl" if capture else None, truth, tactic_ops):
            run_detection(Graph(settings, driver), DetectionSettings())
        detect_seconds = time.perf_counter() - started
        results["sockhound"] = figures(verdicts_frame(Graph(settings, driver)), truth, tactic_ops)
    results["baseline"] = figures(baseline_verdicts(batch), truth, tactic_ops)
    return {"tactic": f"{dimension}={value}", "seed": seed, "accounts": len(truth),
            "operations": {name: drawn for name, drawn in tactics.items()},
            "tactic_operations": tactic_ops, "load_seconds": round(load_seconds, 1),
            "detect_seconds": round(detect_seconds, 1), "methods": results}


def table(rows: list[dict[str, Any]], methods: list[str]) -> str:
    keys = ("precision", "recall", "benign_fpr", "min_operation_recall", "tactic_recall", "lookalike_sockpuppet")
    header = "| tactic | method | " + " | ".join(keys) + " |"
    lines = [header, "|" + "---|" * (len(keys) + 2)]
    frame = pd.DataFrame([{"tactic": row["tactic"], "method": method, **{k: row["methods"][method][k] for k in keys}}
                          for row in rows for method in methods if method in row["methods"]])
    grouped = frame.groupby(["tactic", "method"], sort=False)
    summary = grouped.agg({k: ("max" if k in ("benign_fpr", "lookalike_sockpuppet") else "min") for k in keys})
    for (tactic, method), values in summary.iterrows():
        lines.append(f"| {tactic} | {method} | " + " | ".join(f"{values[k]:.4f}" for k in keys) + " |")
    lines.append("")
    lines.append("worst tactic per figure (over every world; lowest, or highest for the two rates):")
    for method in methods:
        part = frame[frame["method"] == method]
        if part.empty:
            continue
        worst = []
        for key in keys:
            row = part.loc[part[key].idxmax() if key in ("benign_fpr", "lookalike_sockpuppet") else part[key].idxmin()]
            worst.append(f"{key} {row[key]:.4f} ({row['tactic']})")
        lines.append(f"  {method}: " + "; ".join(worst))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tactic", action="append", default=[], help="dimension=value (default: every one)")
    parser.add_argument("--worlds", type=int, default=1, help="worlds per tactic value")
    parser.add_argument("--genuine", type=int, default=6_000, help="genuine accounts per world")
    parser.add_argument("--seed", type=int, default=1_000)
    parser.add_argument("--frozen-commit", default=FROZEN_COMMIT, help="'' to leave the frozen scorer out")
    parser.add_argument("--before-commit", default="", help="also score `detect` of this commit (method 'before')")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--capture", type=Path, default=None,
                        help="keep each world's model inputs here (for offline re-scoring; var/ is git-ignored)")
    args = parser.parse_args()
    wanted = [tuple(item.split("=", 1)) for item in args.tactic] or [
        (dimension, value) for dimension, values in TACTICS.items() for value in values]
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sockhound-generalisation-") as tmp:
        scratch = Path(tmp)
        with server(scratch) as settings, (
            frozen_checkout(args.frozen_commit, scratch) if args.frozen_commit else _none()
        ) as frozen, (frozen_checkout(args.before_commit, scratch) if args.before_commit else _none()) as before:
            for index, (dimension, value) in enumerate(wanted):
                for world in range(args.worlds):
                    seed = 0 if dimension == "preset" else args.seed + 97 * index + world
                    row = one_world(settings, dimension, value, seed, args.genuine, scratch, frozen, args.capture,
                                    before)
                    rows.append(row)
                    shown = row["methods"]["sockhound"]
                    print(f"{row['tactic']} seed {seed}: {row['accounts']} accounts, load {row['load_seconds']}s,"
                          f" detect {row['detect_seconds']}s; sockhound precision {shown['precision']:.3f} "
                          f"recall {shown['recall']:.3f} per operation {shown['recall_per_operation']}", flush=True)
                    if "before" in row["methods"]:
                        then = row["methods"]["before"]
                        print(f"  before ({args.before_commit}, detect {then['detect_seconds']}s): precision "
                              f"{then['precision']:.3f} recall {then['recall']:.3f} per operation "
                              f"{then['recall_per_operation']}", flush=True)
                    if args.json:
                        args.json.write_text(json.dumps(rows, indent=1))
    print(f"\n{len(rows)} worlds in {time.perf_counter() - began:.0f}s\n")
    print(table(rows, ["sockhound", "before", "frozen", "baseline"]))


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
