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
from sockhound.palette import EVIDENCE_COLOURS, OTHER_COLOUR

SOCKHOUND_COLOUR: Final = "#1f77b4"
BASELINE_COLOUR: Final = "#ff7f0e"
TRUTH_COLOURS: Final = {"benign": "#2ca02c", "adversary": "#d62728", "unknown": "#7f7f7f"}
KIND_COLOURS: Final = {kind: EVIDENCE_COLOURS.get(kind, OTHER_COLOUR) for kind in EVIDENCE_KINDS}  # as on the page
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


def _log_counts(axes: Axes, xlabel: str, ylabel: str, title: str) -> None:
    """Counts on a log y axis labelled in whole numbers from 1 (no fractional decade), labels, legend."""
    axes.set_yscale("log")
    axes.set_ylim(bottom=0.8)
    axes.yaxis.set_major_formatter(COUNT_FORMAT)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend(fontsize=8)


def _methods(data: ReportData) -> list[tuple[str, str, dict[str, Any], str]]:
    """(key, legend label, evaluation, colour) of sockhound and, when there is one, the baseline."""
    methods = [("sockhound", "sockhound", data.sockhound, SOCKHOUND_COLOUR)]
    if data.baseline is not None:
        methods.append(("baseline", "baseline (connected components)", data.baseline, BASELINE_COLOUR))
    return methods


def _side_by_side(groups: int) -> tuple[float, list[float]]:
    """Bar thickness and the centre offsets of `groups` bars standing side by side in one slot."""
    thickness = 0.8 / groups
    return thickness, [(index - (groups - 1) / 2) * thickness for index in range(groups)]


def _row_chart(rows: int, width: float, row_height: float, title: str, empty: str) -> tuple[Figure, Axes]:
    """A horizontal bar chart sized to its rows, titled; says `empty` when there are no rows."""
    figure, axes = _figure(width, 1.3 + row_height * max(rows, 1))
    axes.set_title(title)
    if not rows:
        _no_data(axes, empty)
    return figure, axes


def _label_rows(axes: Axes, labels: list[str], *, xmax: float, xlabel: str, ylabel: str,
                legend_title: str | None = None, fontsize: float = 10) -> None:
    """Row labels top to bottom, the x range from 0, axis labels and the legend outside on the right."""
    axes.set_yticks(np.arange(len(labels)), labels, fontsize=fontsize)
    axes.invert_yaxis()
    axes.set_xlim(0.0, xmax)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=legend_title)


def headline_figure(data: ReportData) -> Figure:
    """Precision and recall (left) and benign false-positive rate (right, its own scale), both methods."""
    figure = _new_figure(9, 4)
    left, right = figure.subplots(1, 2, width_ratios=[2, 1])
    methods = _methods(data)
    width, offsets = _side_by_side(len(methods))
    for axes, keys, labels in ((left, ["precision", "recall"], ["Precision", "Recall"]),
                               (right, ["benign_false_positive_rate"], ["Benign FPR"])):
        positions = np.arange(len(keys))
        for offset, (_, name, figures, colour) in zip(offsets, methods, strict=True):
            values = [float(figures[key]) for key in keys]
            bars = axes.bar(positions + offset, values, width, label=name, color=colour)
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
    highest = max(float(figures["benign_false_positive_rate"]) for _, _, figures, _ in methods)
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
    axes.xaxis.set_major_formatter(COUNT_FORMAT)
    _log_counts(axes, "accounts in the network (log scale)", "networks (log scale)", "Network size distribution")
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
    axes.set_xlim(0.0, 1.0)
    _log_counts(axes, "risk", "accounts (log scale)", "Account risk by ground truth")
    return figure


def recall_figure(data: ReportData) -> Figure:
    """Recall per adversary operation, sockhound beside the baseline."""
    recall = data.recall
    figure, axes = _row_chart(len(recall), 8, 0.6, "Recall per adversary operation",
                              "no adversary accounts in the truth")
    if recall.empty:
        return figure
    positions = np.arange(len(recall))
    methods = _methods(data)
    height, offsets = _side_by_side(len(methods))
    for offset, (key, _, _, colour) in zip(offsets, methods, strict=True):
        values = recall[key].to_numpy(dtype=float)
        bars = axes.barh(positions + offset, values, height, color=colour, label=key)
        axes.bar_label(bars, labels=[f"{value:.3f}" for value in values], fontsize=8, padding=2)
    _label_rows(axes, [f"{actor} ({count:,})" for actor, count in recall["accounts"].items()], xmax=1.15,
                xlabel="recall (share of the operation's accounts with a sockpuppet verdict)",
                ylabel="operation (accounts)")
    return figure


def evidence_mix_figure(data: ReportData) -> Figure:
    """For the top networks: each evidence kind's share of the rarity-weighted links between members."""
    mix = data.evidence_mix
    figure, axes = _row_chart(len(mix), 9, 0.38, f"Evidence mix of the top {len(mix)} networks by risk",
                              "no networks")
    if mix.empty:
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
    _label_rows(axes, labels, xmax=1.0, xlabel="share of the rarity-weighted links between members",
                ylabel="network (members, risk)", legend_title="evidence", fontsize=8)
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
filtered (hub caps, allow-list) exactly as the linkage graph weights it; each kind's share of those links.
It shows what <em>grouped</em> the members (the community projection), not what made them risky: a kind can
dominate the mix and carry no weight in the risk. The risk's own evidence is each network's evidence records
(<code>GET /v1/networks/{{id}}</code>) and each account's explanation.</p>
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
