"""Benchmark `sockhound --help`: the lazy command line beside the eager one it replaced, in the same run.

The baseline imports every command module before printing the help, which is what `cli/app.py` did before the
commands became lazy (pandas, the Neo4j driver, GDS, FastAPI, matplotlib all loaded for a help page). Each run
is a fresh `python -m cli --help` process; prints the median and worst wall time and the peak RSS of each, and
the ratio. Target (issue 18, item 7): under 1 s.

Run: .venv/bin/python bench/cli_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EAGER = ("import cli.db, cli.detect, cli.hash, cli.load, cli.query, cli.report, cli.serve, cli.simulate, "
         "cli.validate\nfrom cli.app import main\nmain(['--help'])")
LAZY = "from cli.app import main\nmain(['--help'])"
MEASURE = ("import resource, subprocess, sys, time\nstart = time.perf_counter()\n"
           "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
           "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(code: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one fresh interpreter running `code`, measured by a parent of its own."""
    done = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-c", code], cwd=REPO_ROOT, check=True,
                          capture_output=True, text=True)
    seconds, rss = done.stdout.split()
    return float(seconds), int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {arguments.runs} runs each, alternating")
    figures: dict[str, list[tuple[float, int]]] = {"lazy": [], "eager (baseline)": []}
    started = time.perf_counter()
    for _ in range(arguments.runs):
        figures["lazy"].append(measure(LAZY))
        figures["eager (baseline)"].append(measure(EAGER))
    medians = {}
    for name, runs in figures.items():
        seconds = [run[0] for run in runs]
        medians[name] = statistics.median(seconds)
        print(f"{name:17} median {medians[name]:.2f} s, worst {max(seconds):.2f} s, "
              f"peak RSS {max(run[1] for run in runs) / 1024:.0f} MiB")
    verdict = "met" if medians["lazy"] < 1.0 else "MISSED"
    print(f"eager / lazy: {medians['eager (baseline)'] / medians['lazy']:.1f}x; target < 1 s: {verdict} "
          f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
