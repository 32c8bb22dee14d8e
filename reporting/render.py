"""Draw the report: PNG figures with matplotlib (Agg, no display), a static `index.html` and `summary.json`.

The figures are made with matplotlib's object API on the Agg canvas (`Figure` + `FigureCanvasAgg`: no pyplot
state, no display, no global backend switch), so rendering is safe in tests and servers. The HTML loads
nothing from the network: images are referenced by relative file name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any, Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from detect.config import EVIDENCE_KINDS
from reporting.data import HEADLINE_FIGURES, ReportData, summary_payload, top_network_records

SOCKHOUND_COLOUR: Final = "#1f77b4"
BASELINE_COLOUR: Final = "#ff7f0e"
TRUTH_COLOURS: Final = {"benign": "#2ca02c", "adversary": "#d62728", "unknown": "#7f7f7f"}
KIND_COLOURS: Final = dict(zip(EVIDENCE_KINDS, (
    "#1f77b4", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5", "#d62728", "#8c564b"
), strict=True))
DPI: Final = 110
COUNT_FORMAT: Final = FuncFormatter(lambda value, _: f"{value:,.0f}")  # whole counts on log axes: 1, 10, 1,000


@dataclass(frozen=True)
class ReportFiles:
    directory: Path
    index: Path
    summary: Path
    images: dict[str, Path]  # figure name -> PNG


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = _new_figure(width, height)
    return figure, figure.add_subplot()


def _no_data(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes, color="#555555")
    axes.set_xticks([])
    axes.set_yticks([])


def headline_figure(data: ReportData) -> Figure:
    """Precision and recall (left) and benign false-positive rate (right, its own scale), both methods."""
    figure = _new_figure(9, 4)
    left, right = figure.subplots(1, 2, width_ratios=[2, 1])
    methods = [("sockhound", data.sockhound, SOCKHOUND_COLOUR)]
    if data.baseline is not None:
        methods.append(("baseline (connected components)", data.baseline, BASELINE_COLOUR))
    width = 0.8 / len(methods)
    for axes, keys, labels in ((left, ["precision", "recall"], ["Precision", "Recall"]),
                               (right, ["benign_false_positive_rate"], ["Benign FPR"])):
        positions = np.arange(len(keys))
        for offset, (name, figures, colour) in enumerate(methods):
            values = [float(figures[key]) for key in keys]
            bars = axes.bar(positions + (offset - (len(methods) - 1) / 2) * width, values, width, label=name,
                            color=colour)
            axes.bar_label(bars, labels=[f"{value:.3f}" if key != "benign_false_positive_rate"
                                         else f"{value:.4%}" for key, value in zip(keys, values, strict=True)],
                           fontsize=8, padding=2)
        axes.set_xticks(positions, labels)
    left.set_ylim(0, 1.25)
    left.set_ylabel("share of accounts")
    left.set_title("Precision and recall of sockpuppet verdicts")
    if data.baseline is None:
        left.set_title("Precision and recall of sockpuppet verdicts\n(no baseline: --batch not given)")
    right.set_ylabel("benign accounts flagged (share)")
    right.set_title("Benign false-positive rate")
    highest = max(float(figures["benign_false_positive_rate"]) for _, figures, _ in methods)
    right.set_ylim(0.0, max(highest * 1.25, 0.01))  # a 0 rate still gets a readable axis from 0 up
    left.legend(loc="upper right", ncols=len(methods), fontsize=8)
    return figure


def network_size_figure(data: ReportData) -> Figure:
    """How many networks of each size: sockhound's networks beside the baseline's flagged components."""
    figure, axes = _figure(8, 4.5)
    series = [("sockhound networks", data.networks["size"].to_numpy(dtype=float), SOCKHOUND_COLOUR)]
    if data.baseline_sizes is not None:
        series.append(("baseline components (>= 3 accounts)", data.baseline_sizes.to_numpy(dtype=float),
                       BASELINE_COLOUR))
    values = np.concatenate([sizes for _, sizes, _ in series])
    if not len(values):
        _no_data(axes, "no networks")
        axes.set_title("Network size distribution")
        return figure
    upper = max(float(values.max()), 3.0)
    bins = np.unique(np.round(np.geomspace(1.0, upper * 1.3, num=30))).tolist()
    for name, sizes, colour in series:
        if len(sizes):
            axes.hist(sizes, bins=bins, histtype="step", linewidth=2, color=colour,
                      label=f"{name}: {len(sizes):,}, largest {int(sizes.max()):,}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_ylim(bottom=0.8)  # counts start at 1: no fractional decade below it
    axes.xaxis.set_major_formatter(COUNT_FORMAT)
    axes.yaxis.set_major_formatter(COUNT_FORMAT)
    axes.set_xlabel("accounts in the network (log scale)")
    axes.set_ylabel("networks (log scale)")
    axes.set_title("Network size distribution")
    axes.legend(fontsize=8)
    return figure


def risk_figure(data: ReportData) -> Figure:
    """Account risk, by what the truth says the account is, with the verdict thresholds."""
    figure, axes = _figure(8, 4.5)
    accounts = data.accounts
    bins = np.linspace(0.0, 1.0, 51).tolist()
    for truth, colour in TRUTH_COLOURS.items():
        risks = accounts.loc[accounts["truth"] == truth, "risk"].to_numpy(dtype=float)
        if len(risks):
            axes.hist(risks, bins=bins, histtype="stepfilled", alpha=0.55, color=colour,
                      label=f"{truth} ({len(risks):,} accounts)")
    suspect, sockpuppet = data.thresholds
    axes.axvline(suspect, color="#555555", linestyle=":", label=f"suspect threshold {suspect:g}")
    axes.axvline(sockpuppet, color="#000000", linestyle="--", label=f"sockpuppet threshold {sockpuppet:g}")
    axes.set_yscale("log")
    axes.set_ylim(bottom=0.8)
    axes.yaxis.set_major_formatter(COUNT_FORMAT)
    axes.set_xlim(0.0, 1.0)
    axes.set_xlabel("risk")
    axes.set_ylabel("accounts (log scale)")
    axes.set_title("Account risk by ground truth")
    axes.legend(fontsize=8)
    return figure


def recall_figure(data: ReportData) -> Figure:
    """Recall per adversary operation, sockhound beside the baseline."""
    recall = data.recall
    figure, axes = _figure(8, 1.2 + 0.6 * max(len(recall), 1))
    if recall.empty:
        _no_data(axes, "no adversary accounts in the truth")
        axes.set_title("Recall per operation")
        return figure
    positions = np.arange(len(recall))
    methods = [("sockhound", SOCKHOUND_COLOUR)]
    if data.baseline is not None:
        methods.append(("baseline", BASELINE_COLOUR))
    height = 0.8 / len(methods)
    for offset, (name, colour) in enumerate(methods):
        values = recall[name].to_numpy(dtype=float)
        bars = axes.barh(positions + (offset - (len(methods) - 1) / 2) * height, values, height, color=colour,
                         label=name)
        axes.bar_label(bars, labels=[f"{value:.3f}" for value in values], fontsize=8, padding=2)
    axes.set_yticks(positions, [f"{actor} ({count:,})" for actor, count in recall["accounts"].items()])
    axes.invert_yaxis()
    axes.set_xlim(0.0, 1.15)
    axes.set_xlabel("recall (share of the operation's accounts with a sockpuppet verdict)")
    axes.set_ylabel("operation (accounts)")
    axes.set_title("Recall per adversary operation")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


def evidence_mix_figure(data: ReportData) -> Figure:
    """For the top networks: each evidence kind's share of the rarity-weighted links between members."""
    mix = data.evidence_mix
    figure, axes = _figure(9, 1.5 + 0.38 * max(len(mix), 1))
    if mix.empty:
        _no_data(axes, "no networks")
        axes.set_title("Evidence mix of the top networks")
        return figure
    positions = np.arange(len(mix))
    left = np.zeros(len(mix))
    for kind in EVIDENCE_KINDS:
        shares = mix[kind].to_numpy(dtype=float)
        if shares.any():
            axes.barh(positions, shares, left=left, color=KIND_COLOURS[kind], label=kind, height=0.75)
            left += shares
    labels = [f"{network_id}  (n={int(row['size'])}, risk {float(row['risk']):.2f})"
              for network_id, row in data.top_networks.iterrows()]
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0.0, 1.0)
    axes.set_xlabel("share of the rarity-weighted links between members")
    axes.set_ylabel("network (members, risk)")
    axes.set_title(f"Evidence mix of the top {len(mix)} networks by risk")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="evidence")
    return figure


FIGURES: Final[dict[str, tuple[str, Callable[[ReportData], Figure]]]] = {
    "headline": ("Sockhound beside the baseline", headline_figure),
    "network_sizes": ("Network size distribution", network_size_figure),
    "risk": ("Risk histogram", risk_figure),
    "recall_per_operation": ("Recall per operation", recall_figure),
    "evidence_mix": ("Evidence mix of the top networks", evidence_mix_figure),
}


def render_figures(data: ReportData, out: Path) -> dict[str, Path]:
    """Write every figure as `<name>.png` below `out`."""
    out.mkdir(parents=True, exist_ok=True)
    images: dict[str, Path] = {}
    for name, (_, draw) in FIGURES.items():
        path = out / f"{name}.png"
        draw(data).savefig(path, format="png")
        images[name] = path
    return images


def format_cell(value: Any) -> str:
    """A table cell: floats as `sockhound evaluate` prints them (JSON), integers with thousands separators."""
    if isinstance(value, float):
        return json.dumps(value)
    return f"{value:,}" if isinstance(value, int) else escape(str(value))


def _table(header: list[str], rows: list[list[Any]], css: str = "") -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{format_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _headline_table(data: ReportData) -> str:
    header = ["", "sockhound"] + (["baseline"] if data.baseline is not None else [])
    rows = [[label, data.sockhound[key]] + ([data.baseline[key]] if data.baseline is not None else [])
            for key, label in HEADLINE_FIGURES]
    return _table(header, rows, "figures")


def _recall_table(data: ReportData) -> str:
    header = ["operation", "accounts", "sockhound recall"] + (["baseline recall"] if data.baseline else [])
    rows = [[actor, int(row["accounts"]), float(row["sockhound"])]
            + ([float(row["baseline"])] if data.baseline is not None else [])
            for actor, row in data.recall.iterrows()]
    return _table(header, rows, "figures")


def _mix_text(shares: dict[str, float]) -> str:
    ordered = sorted(shares.items(), key=lambda item: -item[1])
    return ", ".join(f"{kind} {share:.0%}" if share >= 0.005 else f"{kind} <1%" for kind, share in ordered) or "none"


def _networks_table(data: ReportData) -> str:
    rows = [[record["networkId"], record["size"], round(record["risk"], 4), record["verdict"],
             _mix_text(record["evidenceMix"])] for record in top_network_records(data)]
    return _table(["network", "members", "risk", "verdict", "evidence mix (share of weighted links)"], rows)


STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
table.figures td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0 1.5em; }
.note { background: #fff4e0; border-left: 4px solid #ff7f0e; padding: 0.5em 1em; }
"""


def render_html(data: ReportData, images: dict[str, Path], out: Path) -> Path:
    """Write `index.html`: the figures tables and every image, referenced relative to the page."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f'<p class="note">{escape(data.baseline_note)}</p>' if data.baseline_note else ""
    figures = "".join(
        f'<h3>{escape(FIGURES[name][0])}</h3><img src="{escape(path.name)}" alt="{escape(FIGURES[name][0])}">'
        for name, path in images.items()
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sockhound report</title><style>{STYLE}</style></head>
<body>
<h1>sockhound report</h1>
<p>Generated {generated}. {len(data.accounts):,} accounts in the graph, {len(data.networks):,} active networks.
A <code>sockpuppet</code> verdict counts as positive; figures are those <code>sockhound evaluate</code> prints.</p>
{note}
<h2>Headline figures</h2>
{_headline_table(data)}
<h2>Recall per operation</h2>
{_recall_table(data)}
<h2>Top {len(data.top_networks)} networks by risk</h2>
<p>Evidence mix: the evidence members share with each other (two or more members), weighted by rarity and
filtered (hub caps, allow-list) exactly as the linkage graph weights it; each kind's share of those links.</p>
{_networks_table(data)}
<h2>Figures</h2>
{figures}
</body></html>
"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_report(data: ReportData, out: Path) -> ReportFiles:
    """Figures, `index.html` and `summary.json` below `out` (created)."""
    images = render_figures(data, out)
    index = render_html(data, images, out)
    summary = out / "summary.json"
    summary.write_text(json.dumps(summary_payload(data), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return ReportFiles(directory=out, index=index, summary=summary, images=images)
