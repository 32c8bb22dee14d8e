"""Prompt text: the real pools (benign prompts, app templates, math and code tasks) and the templates
that adversary operations wrap around tasks, rendered vectorised (numpy object-array concatenation).

Each operation owns template families (its narrow capability mix). A family has independent slots
(opener, chain-of-thought instruction, answer format) with paraphrased variants, so one operation's
prompts are near-duplicates of each other without being identical, plus per-request noise.
"""

# ruff: noqa: RUF001 - the Cyrillic and CJK template text is deliberate
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

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


def _objects(values: list[str] | tuple[str, ...]) -> ObjectArray:
    return np.array(values, dtype=object)


# ---------------------------------------------------------------------------------------------------------
# Adversary template families: slot variants per language

_COT_EN: Final = _objects(
    [
        "Think step by step and write out your complete reasoning before the final answer.",
        "Explain your full chain of thought, showing every intermediate step, then state the answer.",
        "Reason through it one step at a time and do not skip any step of your thinking.",
        "Write down all of your reasoning in detail before you give the final answer.",
        "Show your complete step-by-step thought process; be exhaustive about each step.",
    ]
)
_COT_ZH: Final = _objects(
    [
        "请一步一步地思考，并在给出最终答案前写出完整的推理过程。",
        "请详细展示你的完整思维链，每一个中间步骤都不要省略。",
        "请逐步推理，写出全部思考过程，然后给出答案。",
    ]
)
_COT_RU: Final = _objects(
    [
        "Рассуждай шаг за шагом и подробно распиши весь ход рассуждений перед ответом.",
        "Покажи полную цепочку рассуждений, не пропуская ни одного шага.",
    ]
)
_COT_BY_LANGUAGE: Final = {"en": _COT_EN, "zh": _COT_ZH, "ru": _COT_RU}

_FAMILY_OPENERS: Final[dict[str, dict[str, ObjectArray]]] = {
    "cot_math": {
        "en": _objects(
            [
                "Solve the following problem.",
                "Work through this problem carefully.",
                "Here is a math word problem.",
                "Please answer the question below.",
            ]
        ),
        "zh": _objects(["请解答下面的数学题。", "请仔细解决以下问题。"]),
        "ru": _objects(["Реши следующую задачу."]),
    },
    "rubric_grading": {
        "en": _objects(
            [
                "You are grading a student's solution against a rubric.",
                "Act as a strict grader and score the answer below using the rubric.",
                "Evaluate the following response with the grading rubric provided.",
            ]
        ),
        "zh": _objects(["你是一名阅卷老师，请根据评分标准给下面的答案打分。"]),
        "ru": _objects(["Оцени ответ ученика по критериям."]),
    },
    "safe_rewrite": {
        "en": _objects(
            [
                "Rewrite the following text so that it is acceptable under strict content rules: neutralise "
                "any politically sensitive references while keeping the meaning.",
                "Produce a censorship-safe version of the passage below, removing sensitive political content "
                "but preserving the information.",
            ]
        ),
        "zh": _objects(
            [
                "请将以下内容改写为符合审查要求的安全版本，去除政治敏感内容并保留原意。",
                "请把下面这段文字改写成可以公开发布的版本，避免任何敏感表述。",
            ]
        ),
        "ru": _objects(["Перепиши текст так, чтобы он прошёл строгую цензуру, сохранив смысл."]),
    },
    "agentic_reasoning": {
        "en": _objects(
            [
                "You are an autonomous agent working towards a goal.",
                "Act as a planning agent.",
                "You are an AI agent that must complete a task.",
            ]
        ),
        "zh": _objects(["你是一个自主智能体，需要完成以下目标。"]),
        "ru": _objects(["Ты автономный агент."]),
    },
    "tool_use": {
        "en": _objects(
            [
                "You can call the tools listed below.",
                "Tools available to you are listed below.",
                "Use the following tools to answer the user.",
            ]
        ),
        "zh": _objects(["你可以调用以下工具。"]),
        "ru": _objects(["Тебе доступны следующие инструменты."]),
    },
    "coding": {
        "en": _objects(
            ["Complete the following Python function.", "Implement the function below.", "Finish this Python code."]
        ),
        "zh": _objects(["请补全下面的Python函数。"]),
        "ru": _objects(["Допиши следующую функцию на Python."]),
    },
    "data_analysis": {
        "en": _objects(
            [
                "Here is a dataset in CSV form.",
                "Analyse the following table.",
                "You are a data analyst. The data is below.",
            ]
        ),
        "zh": _objects(["下面是一份CSV格式的数据。"]),
        "ru": _objects(["Вот набор данных в формате CSV."]),
    },
    "computer_use": {
        "en": _objects(
            [
                "You are controlling a desktop computer.",
                "You operate a web browser for the user.",
                "Act as a computer-use agent.",
            ]
        ),
        "zh": _objects(["你正在操作一台电脑。"]),
        "ru": _objects(["Ты управляешь компьютером пользователя."]),
    },
    "agentic_coding": {
        "en": _objects(
            [
                "You are a coding agent working in this repository.",
                "Act as an autonomous software engineer on the task below.",
                "You are an AI developer with shell and editor access.",
            ]
        ),
        "zh": _objects(["你是一个在此代码库中工作的编程智能体。"]),
        "ru": _objects(["Ты автономный программист, работающий в этом репозитории."]),
    },
    "tool_orchestration": {
        "en": _objects(
            [
                "You orchestrate tools to complete multi-step tasks.",
                "Plan and execute a sequence of tool calls.",
                "You are the controller of several tools and sub-agents.",
            ]
        ),
        "zh": _objects(["你负责编排多个工具完成多步骤任务。"]),
        "ru": _objects(["Ты управляешь набором инструментов для многошаговых задач."]),
    },
}

FAMILIES: Final = tuple(_FAMILY_OPENERS)  # every template family render_adversary knows

_TOOL_SETS: Final = _objects(
    [
        "search(query: str), calculator(expression: str), python(code: str)",
        "web_search(q), fetch_url(url), run_python(code), write_file(path, text)",
        "read_file(path), write_file(path, content), run_tests(), search_code(pattern), git_diff()",
        "sql_query(sql), plot(spec), calculator(expr)",
        "browser.open(url), browser.click(selector), browser.type(selector, text), browser.screenshot()",
    ]
)
_REPOS: Final = _objects(
    [
        "acme/payments-core",
        "open-utils/textkit",
        "lab/numerics",
        "shop/backend-api",
        "infra/deploy-tools",
        "ml/feature-store",
        "web/dashboard",
    ]
)
_FILES: Final = _objects(
    ["src/utils.py", "lib/core.py", "app/handlers.py", "pkg/helpers.py", "tests/test_core.py", "tools/cli.py"]
)
_SCREENS: Final = _objects(
    [
        "[window: Spreadsheet] cells A1:D20 filled; toolbar: File Edit View Insert; dialog: none",
        "[window: Browser] tab 'Checkout - Shop'; fields: card name, address; button 'Place order' at (812, 640)",
        "[window: Mail] inbox 32 unread; selected: 'Quarterly report'; buttons: Reply (120, 88), Forward (180, 88)",
        "[window: Terminal] $ pytest -q\\n3 failed, 41 passed; cursor at prompt",
        "[window: Settings] panel 'Network'; toggle Wi-Fi on; button 'Advanced' at (400, 512)",
    ]
)
_GOALS: Final = _objects(
    [
        "export the table as a PDF",
        "fix the failing tests",
        "book the cheapest flight",
        "archive all newsletters",
        "change the DNS server",
        "sum column C by month",
    ]
)


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
            opener[mask] = _pick(rng, _FAMILY_OPENERS[family][language], int(mask.sum()))
            cot[mask] = _pick(rng, _COT_BY_LANGUAGE[language], int(mask.sum()))
    math_task = _pick(rng, pools.math_tasks, count)
    code_task = _pick(rng, pools.code_tasks, count)
    noise = _noise(rng, count)
    if family == "cot_math":
        answer_format = _pick(
            rng,
            _objects(
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
        tools = _pick(rng, _TOOL_SETS, count)
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
            _objects(
                ["Which region grew fastest?", "What is the average revenue per unit?", "Forecast next month's units."]
            ),
            count,
        )
        body = opener + "\n" + table + "\n\n" + question + " " + cot
    elif family == "computer_use":
        screen, goal = _pick(rng, _SCREENS, count), _pick(rng, _GOALS, count)
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
        repo, path = _pick(rng, _REPOS, count), _pick(rng, _FILES, count)
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
        tools = _pick(rng, _TOOL_SETS, count)
        body = (
            opener + " Tools: " + tools + ".\nTask: " + math_task + "\n\nPlan the full sequence of tool calls. " + cot
        )
    else:
        raise ValueError(f"unknown template family {family!r}")
    result: ObjectArray = body + noise
    return result


# ---------------------------------------------------------------------------------------------------------
# Genuine prompts

_USER_PREFIXES: Final = _objects(
    ["", "", "", "", "Hi! ", "Please help: ", "Quick question. ", "Can you help me with this?\n\n", "hey, "]
)
_USER_SUFFIXES: Final = _objects(["", "", "", "", " Thanks!", "\n\nPlease be concise.", " thx", "\n\nKeep it short."])
_LOCAL_PREFIXES: Final = {
    "DE": "Bitte auf Deutsch antworten: ",
    "FR": "Réponds en français : ",
    "JP": "日本語で答えてください。\n",
    "BR": "Responda em português: ",
    "ES": "Responde en español: ",
    "KR": "한국어로 답해 주세요. ",
}
_HOMEWORK_WRAPPERS: Final = _objects(
    ["", "Can you solve this? ", "Help me with my homework: ", "Solve this and show your work step by step: "]
)
_CODE_HELP_WRAPPERS: Final = _objects(
    [
        "Can you finish this function?\n\n",
        "Why does this not work?\n\n",
        "Write this for me:\n\n",
        "Explain step by step how to implement:\n\n",
    ]
)

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
                _pick(rng, _USER_PREFIXES, size) + _pick(rng, pools.user_texts, size) + _pick(rng, _USER_SUFFIXES, size)
            )
        elif kind == POPULAR_KIND:
            texts = pools.popular[rng.choice(len(pools.popular), size=size, p=pools.popular_weights)]
        elif kind == HOMEWORK_KIND:
            texts = _pick(rng, _HOMEWORK_WRAPPERS, size) + _pick(rng, pools.math_tasks, size)
        elif kind == CODE_HELP_KIND:
            texts = _pick(rng, _CODE_HELP_WRAPPERS, size) + _pick(rng, pools.code_tasks, size)
        else:
            texts = "Question: " + _pick(rng, pools.math_tasks, size) + "\nAnswer: Let's think step by step."
        result[mask] = texts
    localised = np.flatnonzero((kinds == USER_KIND) & (rng.random(count) < 0.3))
    for country, prefix in _LOCAL_PREFIXES.items():
        chosen = localised[countries[localised] == country]
        result[chosen] = prefix + result[chosen]
    return result


def render_app(pools: PromptPools, app_template: IntArray, rng: np.random.Generator) -> ObjectArray:
    """A legitimate app's requests: its one template, filled with different inputs."""
    offsets = (rng.random(len(app_template)) * pools.app_text_count[app_template]).astype(np.int64)
    texts: ObjectArray = pools.app_texts[pools.app_text_start[app_template] + offsets]
    return texts
