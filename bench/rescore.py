"""Re-score captured detection inputs offline, to compare variants of the model on the same communities.

`bench/generalisation.py --capture DIR` keeps, per world, the inputs of `detect.pipeline.model_scores`
(profiles, shared items, community levels) with the truth. That function is pure, so a variant of the
scoring code can be judged on the very same communities in seconds instead of a bench run of many minutes
(Leiden with concurrency 2 is not deterministic, so a fresh run also moves the communities). Judge a variant
on the varied worlds *and* the demo world (`--tactic preset=demo`), never on one generator setting alone.

    .venv/bin/python bench/generalisation.py --frozen-commit '' --tactic size=large --capture var/capture
    .venv/bin/python bench/rescore.py var/capture
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generalisation import figures  # noqa: E402

from detect.config import DetectionSettings  # noqa: E402
from detect.pipeline import model_scores  # noqa: E402

KEYS = ("precision", "recall", "benign_fpr", "min_operation_recall", "tactic_recall", "lookalike_sockpuppet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("captures", type=Path, help="the --capture directory of bench/generalisation.py")
    args = parser.parse_args()
    rows = []
    for path in sorted(args.captures.glob("*.pkl")):
        captured = pd.read_pickle(path)
        started = time.perf_counter()
        table = model_scores(captured["profiles"], captured["items"], captured["levels"], DetectionSettings()).table
        verdicts = pd.DataFrame({"account_id": table.index.astype(str), "verdict": table["verdict"].to_numpy()})
        shown = figures(verdicts, captured["truth"], captured["tactic_operations"])
        print(f"{path.stem}: {time.perf_counter() - started:.1f}s, recall per operation "
              f"{ {name: round(value, 3) for name, value in shown['recall_per_operation'].items()} }", flush=True)
        rows.append({"world": path.stem, **{key: shown[key] for key in KEYS}})
    if not rows:
        raise SystemExit(f"no captures (*.pkl) in {args.captures}")
    frame = pd.DataFrame(rows).set_index("world")
    print(frame.round(4).to_string())
    varied = frame.drop(index=[world for world in frame.index if world.startswith("preset=")])
    if len(varied):
        print("varied worlds, mean:", varied.mean().round(4).to_dict())
        print("varied worlds, worst:", {key: round(float(varied[key].max() if key in ("benign_fpr",
              "lookalike_sockpuppet") else varied[key].min()), 4) for key in KEYS})


if __name__ == "__main__":
    main()
