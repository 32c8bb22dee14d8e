"""Does detection depend on load order, and is it repeatable? Before (a commit's detect/) and after (this
checkout) on the same graphs, in one run.

A world (the `demo` preset, seed 0, unless --batch names one) is loaded by today's loader into a throwaway Neo4j,
and then, into the same emptied database, again with every input table's rows (and part files) in reverse:
the same graph, other store ids. On each load, `detect` of --before-commit (run from a git worktree) and of
this checkout run --runs times each. Printed per run: wall time, precision, recall, benign false-positive
rate, per-operation recall, the share of look-alike crowd members called `sockpuppet`, and a digest of the
verdicts (identical digests: identical verdicts). Then, per method, whether its verdicts were identical over
every run and both loads, and its mean wall time beside the other's (the ratio).

    .venv/bin/python bench/order.py                              # demo, 2 runs per load and method
    .venv/bin/python bench/order.py --batch var/demo --runs 1
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generalisation import figures, frozen_checkout, server  # noqa: E402
from detect.config import DetectionSettings  # noqa: E402
from detect.export import verdicts_frame  # noqa: E402
from detect.pipeline import run_detection  # noqa: E402
from loaders.load_batch import BatchLoader  # noqa: E402
from queries import load_query  # noqa: E402
from simulator.config import preset_config  # noqa: E402
from simulator.world import simulate  # noqa: E402
from sockhound.graph import Graph, connected_driver  # noqa: E402
from sockhound.settings import Settings  # noqa: E402

BEFORE_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from detect.config import DetectionSettings
from detect.export import verdicts_frame
from detect.pipeline import run_detection
from sockhound.graph import Graph, connected_driver
from sockhound.settings import Settings
settings = Settings(sockhound_allow_dev_hash_key=True)
with connected_driver(settings) as driver:
    began = time.perf_counter()
    run_detection(Graph(settings, driver), DetectionSettings())
    print(time.perf_counter() - began)
    verdicts_frame(Graph(settings, driver)).to_csv(sys.argv[2], index=False)
"""


def _reverse_csv(source: Path, target: Path) -> None:
    """The table's rows in reverse order, header first, in the same form (csv or csv.gz)."""
    opener: Any = gzip.open if source.name.endswith(".gz") else open
    with opener(source, "rb") as stream:
        frame = pd.read_csv(io.BytesIO(stream.read()), dtype=str, keep_default_na=False)
    payload = frame.iloc[::-1].to_csv(index=False).encode()
    target.write_bytes(gzip.compress(payload, mtime=0) if source.name.endswith(".gz") else payload)


def reversed_batch(batch: Path, target: Path) -> Path:
    """A copy of `batch` with every table's rows, and the order of its part files, reversed."""
    target.mkdir(parents=True)
    for entry in sorted(batch.iterdir()):
        if entry.is_dir():
            (target / entry.name).mkdir()
            parts = sorted(entry.iterdir())
            for part, name in zip(parts, reversed([p.name for p in parts]), strict=True):
                _reverse_csv(part, target / entry.name / name)
        elif entry.name.endswith((".csv", ".csv.gz")) and entry.name != "truth.csv":
            _reverse_csv(entry, target / entry.name)
        else:
            shutil.copy(entry, target / entry.name)
    return target


def digest(verdicts: pd.DataFrame) -> str:
    rows = verdicts.sort_values("account_id").loc[:, ["account_id", "verdict"]].to_csv(index=False)
    return hashlib.sha256(rows.encode()).hexdigest()[:12]


def run_once(settings: Settings, method: str, before: Path, scratch: Path) -> tuple[float, pd.DataFrame]:
    if method == "before":
        out = scratch / "before.csv"
        env = {**os.environ, "NEO4J_URI": settings.bolt_uri, "NEO4J_PASSWORD": settings.neo4j_auth()[1]}
        done = subprocess.run([sys.executable, "-c", BEFORE_SCRIPT, str(before), str(out)], check=True, env=env,
                              cwd=before, capture_output=True, text=True)
        return float(done.stdout.strip().splitlines()[-1]), pd.read_csv(out, dtype=str, keep_default_na=False)
    with connected_driver(settings) as driver:
        began = time.perf_counter()
        run_detection(Graph(settings, driver), DetectionSettings())
        wall = time.perf_counter() - began
        return wall, verdicts_frame(Graph(settings, driver))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=Path, default=None, help="a batch with truth.csv (default: simulate demo)")
    parser.add_argument("--before-commit", default="main")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sockhound-order-") as tmp:
        scratch = Path(tmp)
        batch = args.batch
        if batch is None:
            batch = scratch / "demo"
            simulate(batch, preset_config("demo", 0))
        truth = pd.read_csv(batch / "truth.csv", dtype=str, keep_default_na=False)
        loads = {"as written": batch, "reversed": reversed_batch(batch, scratch / "reversed")}
        with server(scratch) as settings, frozen_checkout(args.before_commit, scratch) as before:
            for load_name, source in loads.items():
                with connected_driver(settings) as driver:
                    Graph(settings, driver).run_statements(load_query("maintenance/delete_all_in_batches"),
                                   {"batchSize": 10_000})
                    BatchLoader(Graph(settings, driver)).load(source, scratch / "reports" / load_name.replace(" ", "-"))
                for run in range(args.runs):
                    for method in ("before", "after"):
                        wall, verdicts = run_once(settings, method, before, scratch)
                        shown = figures(verdicts, truth, [])
                        row = {"load": load_name, "run": run, "method": method, "seconds": round(wall, 1),
                               "digest": digest(verdicts), **{k: shown[k] for k in (
                                   "precision", "recall", "benign_fpr", "min_operation_recall",
                                   "lookalike_sockpuppet")},
                               "per_operation": shown["recall_per_operation"]}
                        rows.append(row)
                        print(" | ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    frame = pd.DataFrame(rows)
    print()
    for method, part in frame.groupby("method", sort=False):
        print(f"{method}: {part['digest'].nunique()} distinct verdict sets over {len(part)} runs; precision "
              f"{part['precision'].min():.4f}-{part['precision'].max():.4f}, recall {part['recall'].min():.4f}-"
              f"{part['recall'].max():.4f}; mean detect {part['seconds'].mean():.1f}s")
    means = frame.groupby("method")["seconds"].mean()
    print(f"runtime after / before: {means['after'] / means['before']:.2f}x")


if __name__ == "__main__":
    main()
