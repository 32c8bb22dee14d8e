"""Prompt text: the real pools (benign prompts, app templates, math and code tasks) and the templates
that adversary operations wrap around tasks, rendered vectorised (numpy object-array concatenation).

Each operation owns template families (its narrow capability mix). A family has independent slots
(opener, chain-of-thought instruction, answer format) with paraphrased variants, so one operation's
prompts are near-duplicates of each other without being identical, plus per-request noise.
"""


from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from simulator import phrases
from sockhound.errors import BadInputError

ObjectArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]


POOL_FILES: Final = ("benign.jsonl.gz", "tasks.jsonl.gz")
# The pools ship inside the package (package data), with their attribution and licences beside them.
PACKAGED_PROMPTS_DIR: Final = Path(__file__).resolve().parent / "data" / "prompts"


class PromptPoolsMissing(BadInputError, RuntimeError):
    """The prompt pool directory is missing or incomplete."""


def prompts_dir() -> Path:
    """The prompt pools: SOCKHOUND_PROMPTS_DIR when set (other pools), else the ones in the package."""
    configured = os.environ.get("SOCKHOUND_PROMPTS_DIR")
    return Path(configured) if configured else PACKAGED_PROMPTS_DIR


def pool_path(name: str, directory: Path | None = None) -> Path:
    """One pool file of `directory` (default prompts_dir()), or PromptPoolsMissing saying where to get it."""
    path = (directory or prompts_dir()) / name
    if not path.is_file():
        override = "SOCKHOUND_PROMPTS_DIR is set" if os.environ.get("SOCKHOUND_PROMPTS_DIR") else "it is not set"
        raise PromptPoolsMissing(
            f"prompt pool {path} not found: the pools ship in simulator/data/prompts (restore them with git) "
            f"and SOCKHOUND_PROMPTS_DIR overrides that directory ({override}); it needs {' and '.join(POOL_FILES)}"
        )
    return path


@dataclass(frozen=True)
class PromptPools:
    user_texts: ObjectArray  # what ordinary people send
    app_names: ObjectArray  # one per legitimate-app template
    app_text_start: IntArray
    app_text_count: IntArray
    app_texts: ObjectArray  # grouped by app
    math_tasks: ObjectArray
    code_tasks: ObjectArray
    popular: ObjectArray  # prompts thousands of people send verbatim
    popular_weights: npt.NDArray[np.float64]


def load_pools(directory: Path | None = None) -> PromptPools:
    benign_path, tasks_path = (pool_path(name, directory) for name in POOL_FILES)
    benign = pd.read_json(benign_path, lines=True)
    tasks = pd.read_json(tasks_path, lines=True)
    templated = benign[benign["source"].str.startswith("t0-template")].sort_values(["app", "text"], kind="stable")
    human = benign[~benign["source"].str.startswith("t0-template")]
    app_groups = templated.groupby("app", sort=True).size()
    starts = np.concatenate([[0], np.cumsum(app_groups.to_numpy())[:-1]]).astype(np.int64)
    human_texts = human["text"].to_numpy(dtype=object)
    # User traffic: the human-written prompts plus short (< 1,500 chars) templated ones, as people also
    # paste such tasks by hand.
    short_templated = templated[templated["text"].str.len() < 1_500]["text"].to_numpy(dtype=object)
    popular = np.concatenate([np.array(POPULAR_PROMPTS, dtype=object), human_texts[:40]])
    weights = 1.0 / np.arange(1, len(popular) + 1) ** 0.9
    return PromptPools(
        user_texts=np.concatenate([human_texts, short_templated]),
        app_names=app_groups.index.to_numpy(dtype=object),
        app_text_start=starts,
        app_text_count=app_groups.to_numpy().astype(np.int64),
        app_texts=templated["text"].to_numpy(dtype=object),
        math_tasks=tasks[tasks["capability"] == "math_reasoning"]["text"].to_numpy(dtype=object),
        code_tasks=tasks[tasks["capability"] == "coding"]["text"].to_numpy(dtype=object),
        popular=popular,
        popular_weights=weights / weights.sum(),
    )


POPULAR_PROMPTS: Final = (
    "Write a short poem about spring.",
    "Summarize this in one sentence: the meeting has been moved to Thursday at 3pm.",
    "What should I cook for dinner tonight?",
    "Explain quantum computing in simple terms.",
    "Write a cover letter for a software engineering internship.",
    "Give me 5 ideas for a birthday party.",
    "Translate 'good morning' into French, Spanish and German.",
    "What is the difference between a virus and a bacterium?",
    "Help me write a polite email declining a meeting.",
    "Tell me a joke about cats.",
)


def _pick(rng: np.random.Generator, options: ObjectArray, count: int) -> ObjectArray:
    return options[rng.integers(0, len(options), size=count)]


def _noise(rng: np.random.Generator, count: int) -> ObjectArray:
    """Per-request noise a scripted campaign leaves: ids, stray whitespace, counters."""
    kind = rng.integers(0, 6, size=count)
    numbers = rng.integers(1_000, 999_999, size=count)
    result = np.full(count, "", dtype=object)
    result[kind == 1] = " "
    result[kind == 2] = "\n"
    with_number = np.flatnonzero(kind >= 3)
    formats = ("\n[ref {}]", " (#{})", "\n\nID: {:x}")
    result[with_number] = [
        formats[k - 3].format(n) for k, n in zip(kind[with_number], numbers[with_number], strict=True)
    ]
    return result


def _csv_snippets(rng: np.random.Generator, count: int) -> ObjectArray:
    months = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
    snippets = []
    for _ in range(count):
        rows = ["month,region,units,revenue"]
        for month in months[: int(rng.integers(3, 7))]:
            units = int(rng.integers(10, 900))
            rows.append(
                f"{month},{rng.choice(['north', 'south', 'east', 'west'])},{units},{units * int(rng.integers(5, 60))}"
            )
        snippets.append("\n".join(rows))
    return np.array(snippets, dtype=object)


def render_adversary(
    pools: PromptPools,
    family: str,
    languages: ObjectArray,
    rng: np.random.Generator,
) -> ObjectArray:
    """Prompts for `len(languages)` requests of one template family (languages: 'en', 'zh', 'ru')."""
    count = len(languages)
    opener = np.empty(count, dtype=object)
    cot = np.empty(count, dtype=object)
    for language in ("en", "zh", "ru"):
        mask = languages == language
        if mask.any():
            opener[mask] = _pick(rng, phrases.FAMILY_OPENERS[family][language], int(mask.sum()))
            cot[mask] = _pick(rng, phrases.COT_BY_LANGUAGE[language], int(mask.sum()))
    math_task = _pick(rng, pools.math_tasks, count)
    code_task = _pick(rng, pools.code_tasks, count)
    noise = _noise(rng, count)
    if family == "cot_math":
        answer_format = _pick(
            rng,
            phrases.objects(
                [
                    "Put the final answer after 'Answer:'.",
                    "End with: Final answer: <number>",
                    "Give the final answer on its own line.",
                ]
            ),
            count,
        )
        body = opener + "\n\nProblem: " + math_task + "\n\n" + cot + " " + answer_format
    elif family == "rubric_grading":
        claimed = np.array([str(v) for v in rng.integers(2, 500, size=count)], dtype=object)
        body = (
            opener
            + "\n\nQuestion: "
            + math_task
            + "\nStudent answer: "
            + claimed
            + "\n\nRubric:\n1. Correct final answer (4 points)\n2. Valid reasoning steps (4 points)\n"
            "3. Clear presentation (2 points)\n\n" + cot + " Then give the total score out of 10."
        )
    elif family == "safe_rewrite":
        passage = _pick(rng, pools.user_texts[:427], count)
        body = opener + "\n\nText: " + passage + "\n\n" + cot + " Then give the rewritten text."
    elif family == "agentic_reasoning":
        body = opener + "\nGoal: " + math_task + "\n\n" + cot + " Then list the actions you would take."
    elif family == "tool_use":
        tools = _pick(rng, phrases.TOOL_SETS, count)
        body = (
            opener
            + "\nTools: "
            + tools
            + "\n\nUser request: "
            + math_task
            + "\n\n"
            + cot
            + " Then output the tool calls as JSON."
        )
    elif family == "coding":
        body = opener + "\n\n" + code_task + "\n\n" + cot + " Then write the full implementation and tests."
    elif family == "data_analysis":
        table = _pick(rng, _csv_snippets(rng, 300), count)
        question = _pick(
            rng,
            phrases.objects(
                ["Which region grew fastest?", "What is the average revenue per unit?", "Forecast next month's units."]
            ),
            count,
        )
        body = opener + "\n" + table + "\n\n" + question + " " + cot
    elif family == "computer_use":
        screen, goal = _pick(rng, phrases.SCREENS, count), _pick(rng, phrases.GOALS, count)
        body = (
            opener
            + "\nScreen: "
            + screen
            + "\nGoal: "
            + goal
            + "\n\n"
            + cot
            + " Then give the next action as click(x, y) or type(text)."
        )
    elif family == "agentic_coding":
        repo, path = _pick(rng, phrases.REPOS, count), _pick(rng, phrases.FILES, count)
        body = (
            "<task>\nRepository: "
            + repo
            + "\nFile: "
            + path
            + "\n\n"
            + code_task
            + "\n</task>\n\n"
            + opener
            + " "
            + cot
            + " Then produce the patch.\nTools: read_file, write_file, run_tests."
        )
    elif family == "tool_orchestration":
        tools = _pick(rng, phrases.TOOL_SETS, count)
        body = (
            opener + " Tools: " + tools + ".\nTask: " + math_task + "\n\nPlan the full sequence of tool calls. " + cot
        )
    else:
        raise ValueError(f"unknown template family {family!r}")
    result: ObjectArray = body + noise
    return result


# ---------------------------------------------------------------------------------------------------------
# Genuine prompts

# Genuine prompt kinds
USER_KIND, POPULAR_KIND, HOMEWORK_KIND, CODE_HELP_KIND, EVAL_KIND = 0, 1, 2, 3, 4


def render_genuine(
    pools: PromptPools, kinds: IntArray, countries: ObjectArray, rng: np.random.Generator
) -> ObjectArray:
    """Prompts people send: everyday tasks, popular verbatim prompts, homework, coding help, and a
    research lab's chain-of-thought evaluation harness (a benign look-alike of campaign templates)."""
    count = len(kinds)
    result = np.empty(count, dtype=object)
    for kind in (USER_KIND, POPULAR_KIND, HOMEWORK_KIND, CODE_HELP_KIND, EVAL_KIND):
        mask = kinds == kind
        size = int(mask.sum())
        if not size:
            continue
        if kind == USER_KIND:
            texts = (
                _pick(rng, phrases.USER_PREFIXES, size) + _pick(rng, pools.user_texts, size)
                + _pick(rng, phrases.USER_SUFFIXES, size)
            )
        elif kind == POPULAR_KIND:
            texts = pools.popular[rng.choice(len(pools.popular), size=size, p=pools.popular_weights)]
        elif kind == HOMEWORK_KIND:
            texts = _pick(rng, phrases.HOMEWORK_WRAPPERS, size) + _pick(rng, pools.math_tasks, size)
        elif kind == CODE_HELP_KIND:
            texts = _pick(rng, phrases.CODE_HELP_WRAPPERS, size) + _pick(rng, pools.code_tasks, size)
        else:
            texts = "Question: " + _pick(rng, pools.math_tasks, size) + "\nAnswer: Let's think step by step."
        result[mask] = texts
    localised = np.flatnonzero((kinds == USER_KIND) & (rng.random(count) < 0.3))
    for country, prefix in phrases.LOCAL_PREFIXES.items():
        chosen = localised[countries[localised] == country]
        result[chosen] = prefix + result[chosen]
    return result


def render_app(pools: PromptPools, app_template: IntArray, rng: np.random.Generator) -> ObjectArray:
    """A legitimate app's requests: its one template, filled with different inputs."""
    offsets = (rng.random(len(app_template)) * pools.app_text_count[app_template]).astype(np.int64)
    texts: ObjectArray = pools.app_texts[pools.app_text_start[app_template] + offsets]
    return texts
