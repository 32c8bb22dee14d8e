"""Re-score captured detection inputs offline, to compare variants of the model on the same communities.

`bench/generalisation.py --capture DIR` keeps, per world, the inputs of `detect.pipeline.model_scores`
(profiles, shared items, community levels) with the truth. That function is pure, so a variant of the
scoring code can be judged on the very same communities in seconds instead of a bench run of many minutes
(communities are repeatable since Leiden runs on one thread over a key-ordered projection, docs/scoring.md
§7; captures made before that are one draw of several). Judge a variant
on the varied worlds *and* the demo world (`--tactic preset=demo`), never on one generator setting alone.

    .venv/bin/python bench/generalisation.py --frozen-commit '' --tactic size=large --capture var/capture
    .venv/bin/python bench/rescore.py var/capture
    .venv/bin/python bench/rescore.py var/capture --detail    # who the false positives are, what ops show
    .venv/bin/python bench/rescore.py var/capture --chosen-on size=large --chosen-on proxy=mixed

`--chosen-on TACTIC` names the worlds a variant was chosen on: their figures are printed apart from the
held-out worlds' (leave-one-tactic-out: judge a change on the worlds it was not chosen on).

`--detail` prints, per world, who is called `sockpuppet` among the genuine accounts (per look-alike crowd,
truth.csv `group`; `plain` for the rest) with the channels their own tie rests on, and per operation its
recall and the share of its members showing each channel: the table to read before changing the model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generalisation import figures  # noqa: E402

from detect.channels import CHANNELS  # noqa: E402
from detect.config import DetectionSettings  # noqa: E402
from detect.pipeline import model_scores  # noqa: E402
from detect.scoring import Scores  # noqa: E402

KEYS = ("precision", "recall", "benign_fpr", "min_operation_recall", "tactic_recall", "lookalike_sockpuppet")


def _shares(matrix: np.ndarray) -> dict[str, float]:
    """Per channel, the share of rows where it holds (only channels held by at least 5 %)."""
    if not len(matrix):
        return {}
    shares = matrix.mean(axis=0)
    return {str(channel): round(float(share), 2) for channel, share in zip(CHANNELS, shares, strict=True)
            if share >= 0.05}


def detail(scores: Scores, truth: pd.DataFrame) -> None:
    """Who the genuine accounts called `sockpuppet` are (per crowd), which channels their tie rests on
    (match weight > 0.5), and per operation: recall, and the share of members showing each channel."""
    table = scores.table
    known = truth.set_index("account_id").reindex(table.index.astype(str))
    actor = known["actor"].fillna("benign").to_numpy()
    group = known["group"].fillna("").replace("", "plain").to_numpy() if "group" in known else np.full(
        len(table), "plain", dtype=object)
    flagged = table["verdict"].to_numpy() == "sockpuppet"
    rows = scores.member_row
    fit = scores.fit
    genuine = actor == "benign"
    crowds = pd.DataFrame({"group": group[genuine], "sockpuppet": flagged[genuine]}).groupby("group")["sockpuppet"]
    print("    genuine called sockpuppet, per crowd:",
          {name: f"{int(count)}/{int(total)}" for name, count, total in
           zip(crowds.sum().index, crowds.sum(), crowds.size(), strict=True)})
    for name in sorted(set(group[genuine & flagged])):
        chosen = rows[genuine & flagged & (group == name)]
        print(f"      {name}: tie rests on {_shares(fit.tie_weights[chosen] > 0.5)}")
    for name in sorted(set(actor) - {"benign"}):
        members = actor == name
        chosen = rows[members & (rows >= 0)]
        print(f"    {name}: {int(members.sum())} accounts, recall {float(flagged[members].mean()):.3f}, "
              f"shows {_shares(fit.shows[chosen])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("captures", type=Path, help="the --capture directory of bench/generalisation.py")
    parser.add_argument("--detail", action="store_true", help="per crowd and per operation: who and why")
    parser.add_argument("--chosen-on", action="append", default=[], metavar="TACTIC",
                        help="a tactic (dimension=value) of the worlds a variant was chosen on; repeatable")
    args = parser.parse_args()
    rows = []
    for path in sorted(args.captures.glob("*.pkl")):
        captured = pd.read_pickle(path)
        started = time.perf_counter()
        scores = model_scores(captured["profiles"], captured["items"], captured["levels"], DetectionSettings())
        table = scores.table
        verdicts = pd.DataFrame({"account_id": table.index.astype(str), "verdict": table["verdict"].to_numpy()})
        shown = figures(verdicts, captured["truth"], captured["tactic_operations"])
        print(f"{path.stem}: {time.perf_counter() - started:.1f}s, recall per operation "
              f"{ {name: round(value, 3) for name, value in shown['recall_per_operation'].items()} }", flush=True)
        if args.detail:
            detail(scores, captured["truth"])
        rows.append({"world": path.stem, **{key: shown[key] for key in KEYS}})
    if not rows:
        raise SystemExit(f"no captures (*.pkl) in {args.captures}")
    frame = pd.DataFrame(rows).set_index("world")
    print(frame.round(4).to_string())
    varied = frame.drop(index=[world for world in frame.index if world.startswith("preset=")])
    tactic = pd.Series([world.rsplit("-", 1)[0] for world in varied.index], index=varied.index)
    chosen = tactic.isin(args.chosen_on)
    for name, subset in (("varied worlds", varied), ("chosen on", varied[chosen]), ("held out", varied[~chosen])):
        if not len(subset) or (name != "varied worlds" and not args.chosen_on):
            continue
        print(f"{name} ({len(subset)}), mean:", subset.mean().round(4).to_dict())
        print(f"{name} ({len(subset)}), worst:", {key: round(float(subset[key].max() if key in ("benign_fpr",
              "lookalike_sockpuppet") else subset[key].min()), 4) for key in KEYS})


if __name__ == "__main__":
    main()
