"""Generation throughput and peak memory of `sockhound simulate` for a preset.

Run: .venv/bin/python bench/simulate.py --preset demo [--seed 0] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.config import PRESETS, preset_config
from simulator.world import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", choices=PRESETS, default="demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the batch here (default: temp dir)")
    options = parser.parse_args()
    out = options.out or Path(tempfile.mkdtemp(prefix=f"sockhound-bench-{options.preset}-"))
    try:
        summary = simulate(out, preset_config(options.preset, options.seed))
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mib = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
        print(
            f"preset={summary.preset} seed={summary.seed} accounts={summary.accounts:,} "
            f"adversary_accounts={summary.adversary_accounts:,}"
        )
        print(
            f"exchanges={summary.exchanges:,} (adversarial {summary.adversary_exchanges:,}) "
            f"in {summary.exchange_parts} parts, {size_mib:,.0f} MiB on disk"
        )
        print(
            f"seconds={summary.seconds:.1f} throughput={summary.exchanges / summary.seconds:,.0f} exchanges/s "
            f"peak_rss={peak_mib:,.0f} MiB"
        )
    finally:
        if options.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
