"""Prompt text of the benign look-alike crowds: a cohort's shared exercise sheet (identical prompts
sent by dozens of unrelated people, some with chain-of-thought instructions like a campaign's), and
the templates of popular open-source tools that unrelated customers run on a schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from simulator.parts import HACKATHON
from simulator.prompts import PromptPools

ObjectArray = npt.NDArray[np.object_]
HOUR: Final = 3_600


def _objects(text: str) -> ObjectArray:
    return np.array(text.split("|"), dtype=object)


def _pick(rng: np.random.Generator, options: ObjectArray, count: int) -> ObjectArray:
    picked: ObjectArray = options[rng.integers(0, len(options), size=count)]
    return picked


_COURSE_HEADERS: Final = ("Exercise {}.", "Problem {}:", "Q{})", "Week exercise {} -", "Task {}:")
_COURSE_INSTRUCTIONS: Final = _objects(
    "Think step by step and show your reasoning.|Explain your reasoning step by step before giving the final "
    "answer.|Let's think step by step.|Solve it and explain each step.|Answer with a short justification.|Write a "
    "Python function that solves it, then explain it."
)
_HACKATHON_INSTRUCTIONS: Final = _objects(
    "Write the implementation and a few unit tests.|Explain your approach first, then write the code.|Use type "
    "hints and docstrings.|Make it fast and explain the complexity.|Give a minimal working version first."
)
PERSONAL_PREFIXES: Final = _objects("Hi! |hey, |Can you help with this? |For my class: |Okay next one: |pls help ")
PERSONAL_SUFFIXES: Final = _objects(" Thanks!| thx|\n\nI'm a beginner.|\n\nPlease be brief.| :)")


def exercise_sheet(pools: PromptPools, kind: str, rng: np.random.Generator) -> ObjectArray:
    """5-12 numbered exercises every member of one cohort sends (in order, during the sessions)."""
    items = int(rng.integers(5, 13))
    if kind == HACKATHON:
        instruction = str(_pick(rng, _HACKATHON_INSTRUCTIONS, 1)[0])
        tasks = _pick(rng, pools.code_tasks, items)
        return np.array([f"Challenge {k + 1}: {task}\n\n{instruction}" for k, task in enumerate(tasks)], dtype=object)
    header = _COURSE_HEADERS[int(rng.integers(len(_COURSE_HEADERS)))]
    instruction = str(_pick(rng, _COURSE_INSTRUCTIONS, 1)[0])
    tasks = _pick(rng, pools.code_tasks if rng.random() < 0.3 else pools.math_tasks, items)
    return np.array([f"{header.format(k + 1)} {task}\n\n{instruction}" for k, task in enumerate(tasks)], dtype=object)


_COMMIT_VERBS: Final = _objects("fix|add|update|remove|refactor|bump|improve|document|rename|drop support for")
_COMMIT_THINGS: Final = _objects(
    "login redirect|CSV export|retry logic|dark mode|pagination|cache invalidation|search index|rate limiter|"
    "webhook signatures|date parsing|memory leak in worker|README examples|dependency versions|flaky test"
)
_TICKET_STATES: Final = _objects("blocked on review|in progress|done|waiting for QA|reopened|needs design input")


def _item_lists(
    rng: np.random.Generator,
    count: int,
    items: tuple[int, int],
    ids: tuple[int, int],
    template: str,
    first: ObjectArray,
    second: ObjectArray,
) -> ObjectArray:
    """`count` texts of `items[0]` to `items[1] - 1` lines, each line `template` filled with a random
    id in `ids` and one option of `first` and of `second`."""
    low, high = ids
    lines = [
        "\n".join(
            template.format(rng.integers(low, high), a, b)
            for a, b in zip(_pick(rng, first, n), _pick(rng, second, n), strict=True)
        )
        for n in rng.integers(*items, size=count)
    ]
    return np.array(lines, dtype=object)


def _commits(pools: PromptPools, count: int, rng: np.random.Generator) -> ObjectArray:
    return _item_lists(rng, count, (3, 9), (0x1000000, 0xFFFFFFF), "- {:07x} {} {}", _COMMIT_VERBS, _COMMIT_THINGS)


def _tickets(pools: PromptPools, count: int, rng: np.random.Generator) -> ObjectArray:
    return _item_lists(rng, count, (3, 8), (100, 9999), "PROJ-{} {}: {}", _COMMIT_THINGS, _TICKET_STATES)


def _reviews(pools: PromptPools, count: int, rng: np.random.Generator) -> ObjectArray:
    texts = pools.user_texts[:427]
    return np.array(
        ["\n".join(f"{k + 1}. {str(t)[:160]}" for k, t in enumerate(_pick(rng, texts, 3))) for _ in range(count)],
        dtype=object,
    )


def _code(pools: PromptPools, count: int, rng: np.random.Generator) -> ObjectArray:
    result: ObjectArray = "```python\n" + _pick(rng, pools.code_tasks, count) + "\n```"
    return result


def _page(pools: PromptPools, count: int, rng: np.random.Generator) -> ObjectArray:
    return _pick(rng, pools.user_texts[:427], count)


def _homework(pools: PromptPools, count: int, rng: np.random.Generator) -> ObjectArray:
    answers = rng.integers(2, 500, size=count).astype(str).astype(object)
    result: ObjectArray = _pick(rng, pools.math_tasks, count) + "\nStudent answer: " + answers
    return result


@dataclass(frozen=True)
class Tool:
    """A popular tool's prompt template and its documented default schedule (cron, UTC)."""

    name: str
    preamble: str
    fill: Callable[[PromptPools, int, np.random.Generator], ObjectArray]
    period: int  # seconds between runs
    offset: int  # seconds into the period the default cron fires


TOOLS: Final = (
    Tool(
        "release-notes-bot",
        "You are ReleaseNotesBot. Turn the commit messages below into release notes grouped under Added, Changed "
        "and Fixed. Use markdown bullets and do not invent changes.\n\nCommits:\n",
        _commits,
        HOUR,
        0,
    ),
    Tool(
        "pr-review-action",
        "You are an automated code reviewer. Review the change below: list bugs, risky edge cases and missing "
        "tests, then reply APPROVE or REQUEST_CHANGES.\n\n",
        _code,
        HOUR,
        0,
    ),
    Tool(
        "review-sentiment",
        'Classify the sentiment of each customer review as positive, negative or neutral. Reply with JSON: [{"id": '
        '<n>, "sentiment": "..."}].\n\nReviews:\n',
        _reviews,
        HOUR,
        0,
    ),
    Tool(
        "standup-digest",
        "Summarise these ticket updates into a stand-up digest: blockers first, then progress, then next steps. "
        "Keep it under 120 words.\n\n",
        _tickets,
        24 * HOUR,
        9 * HOUR,
    ),
    Tool(
        "seo-meta-writer",
        "Write an SEO title (max 60 characters) and meta description (max 155 characters) for the page below. "
        'Return JSON with keys "title" and "description".\n\nPage:\n',
        _page,
        24 * HOUR,
        2 * HOUR,
    ),
    Tool(
        "homework-checker",
        "Check the student's solution. Think step by step, find the first mistake if there is one, and give the "
        "corrected final answer.\n\nProblem: ",
        _homework,
        HOUR,
        0,
    ),
)


def render_tool(pools: PromptPools, tool: int, count: int, rng: np.random.Generator) -> ObjectArray:
    result: ObjectArray = TOOLS[tool].preamble + TOOLS[tool].fill(pools, count, rng)
    return result
