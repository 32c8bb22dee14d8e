"""One palette for the network page and the report (issue 18, item 5): suspect and sync no longer look alike."""

from __future__ import annotations

from detect.config import EVIDENCE_KINDS
from reporting.render import KIND_COLOURS
from sockhound import palette


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def distance(one: str, other: str) -> float:
    return float(sum((a - b) ** 2 for a, b in zip(rgb(one), rgb(other), strict=True)) ** 0.5)


def test_the_report_draws_evidence_kinds_in_the_page_colours() -> None:
    assert {kind: palette.EVIDENCE_COLOURS[kind] for kind in EVIDENCE_KINDS} == KIND_COLOURS
    assert set(palette.EVIDENCE_COLOURS) == set(EVIDENCE_KINDS)


def test_colours_that_meet_on_the_page_are_far_apart() -> None:
    colours = [*palette.VERDICT_COLOURS.values(), *palette.EVIDENCE_COLOURS.values(), palette.OTHER_COLOUR]
    assert len(set(colours)) == len(colours)
    assert distance(palette.VERDICT_COLOURS["suspect"], palette.EVIDENCE_COLOURS["sync"]) > 120  # was 52
    for verdict in palette.VERDICT_COLOURS.values():
        for evidence in palette.EVIDENCE_COLOURS.values():
            assert distance(verdict, evidence) > 60, (verdict, evidence)


def test_the_pages_stylesheet_uses_the_palette_for_verdicts() -> None:
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "api" / "static" / "ui.css").read_text()
    for verdict, colour in palette.VERDICT_COLOURS.items():
        assert f".verdict.{verdict} {{ color: {colour}; }}" in css
