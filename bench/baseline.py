"""Score the textbook baseline (connected components over any shared card or IP, >= 3 accounts flagged).

Run: .venv/bin/python bench/baseline.py --preset demo        (simulates into a temp dir first)
     .venv/bin/python bench/baseline.py --batch DIR          (an existing simulated batch with truth.csv)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detect.evaluation import evaluate_verdicts
from reporting.baseline import baseline_verdicts
from simulator.config import PRESETS, preset_config
from simulator.world import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", choices=PRESETS, default="demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=Path, default=None)
    options = parser.parse_args()
    batch = options.batch
    temporary = None
    if batch is None:
        temporary = Path(tempfile.mkdtemp(prefix="sockhound-baseline-"))
        simulate(temporary, preset_config(options.preset, options.seed))
        batch = temporary
    try:
        began = time.perf_counter()
        verdicts = baseline_verdicts(batch)
        report = evaluate_verdicts(verdicts, pd.read_csv(batch / "truth.csv"))
        print(json.dumps(report, indent=2))
        print(
            f"baseline on {batch}: precision={report['precision']:.3f} recall={report['recall']:.3f} "
            f"benign_false_positive_rate={report['benign_false_positive_rate']:.3f} "
            f"({time.perf_counter() - began:.1f}s)"
        )
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
