"""The phrase tables that simulated prompts are made of: per template family of an operation, slot variants
(opener, chain-of-thought instruction, answer format) per language, the objects its tasks name, and the wrappers
genuine users put around their questions. Data only; simulator/prompts.py renders with it."""

# ruff: noqa: RUF001 - the Cyrillic and CJK template text is deliberate
from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

ObjectArray = npt.NDArray[np.object_]


def objects(values: list[str] | tuple[str, ...]) -> ObjectArray:
    return np.array(values, dtype=object)


# ---------------------------------------------------------------------------------------------------------
# Adversary template families: slot variants per language

COT_EN: Final = objects(
    [
        "Think step by step and write out your complete reasoning before the final answer.",
        "Explain your full chain of thought, showing every intermediate step, then state the answer.",
        "Reason through it one step at a time and do not skip any step of your thinking.",
        "Write down all of your reasoning in detail before you give the final answer.",
        "Show your complete step-by-step thought process; be exhaustive about each step.",
    ]
)
COT_ZH: Final = objects(
    [
        "请一步一步地思考，并在给出最终答案前写出完整的推理过程。",
        "请详细展示你的完整思维链，每一个中间步骤都不要省略。",
        "请逐步推理，写出全部思考过程，然后给出答案。",
    ]
)
COT_RU: Final = objects(
    [
        "Рассуждай шаг за шагом и подробно распиши весь ход рассуждений перед ответом.",
        "Покажи полную цепочку рассуждений, не пропуская ни одного шага.",
    ]
)
COT_BY_LANGUAGE: Final = {"en": COT_EN, "zh": COT_ZH, "ru": COT_RU}

FAMILY_OPENERS: Final[dict[str, dict[str, ObjectArray]]] = {
    "cot_math": {
        "en": objects(
            [
                "Solve the following problem.",
                "Work through this problem carefully.",
                "Here is a math word problem.",
                "Please answer the question below.",
            ]
        ),
        "zh": objects(["请解答下面的数学题。", "请仔细解决以下问题。"]),
        "ru": objects(["Реши следующую задачу."]),
    },
    "rubric_grading": {
        "en": objects(
            [
                "You are grading a student's solution against a rubric.",
                "Act as a strict grader and score the answer below using the rubric.",
                "Evaluate the following response with the grading rubric provided.",
            ]
        ),
        "zh": objects(["你是一名阅卷老师，请根据评分标准给下面的答案打分。"]),
        "ru": objects(["Оцени ответ ученика по критериям."]),
    },
    "safe_rewrite": {
        "en": objects(
            [
                "Rewrite the following text so that it is acceptable under strict content rules: neutralise "
                "any politically sensitive references while keeping the meaning.",
                "Produce a censorship-safe version of the passage below, removing sensitive political content "
                "but preserving the information.",
            ]
        ),
        "zh": objects(
            [
                "请将以下内容改写为符合审查要求的安全版本，去除政治敏感内容并保留原意。",
                "请把下面这段文字改写成可以公开发布的版本，避免任何敏感表述。",
            ]
        ),
        "ru": objects(["Перепиши текст так, чтобы он прошёл строгую цензуру, сохранив смысл."]),
    },
    "agentic_reasoning": {
        "en": objects(
            [
                "You are an autonomous agent working towards a goal.",
                "Act as a planning agent.",
                "You are an AI agent that must complete a task.",
            ]
        ),
        "zh": objects(["你是一个自主智能体，需要完成以下目标。"]),
        "ru": objects(["Ты автономный агент."]),
    },
    "tool_use": {
        "en": objects(
            [
                "You can call the tools listed below.",
                "Tools available to you are listed below.",
                "Use the following tools to answer the user.",
            ]
        ),
        "zh": objects(["你可以调用以下工具。"]),
        "ru": objects(["Тебе доступны следующие инструменты."]),
    },
    "coding": {
        "en": objects(
            ["Complete the following Python function.", "Implement the function below.", "Finish this Python code."]
        ),
        "zh": objects(["请补全下面的Python函数。"]),
        "ru": objects(["Допиши следующую функцию на Python."]),
    },
    "data_analysis": {
        "en": objects(
            [
                "Here is a dataset in CSV form.",
                "Analyse the following table.",
                "You are a data analyst. The data is below.",
            ]
        ),
        "zh": objects(["下面是一份CSV格式的数据。"]),
        "ru": objects(["Вот набор данных в формате CSV."]),
    },
    "computer_use": {
        "en": objects(
            [
                "You are controlling a desktop computer.",
                "You operate a web browser for the user.",
                "Act as a computer-use agent.",
            ]
        ),
        "zh": objects(["你正在操作一台电脑。"]),
        "ru": objects(["Ты управляешь компьютером пользователя."]),
    },
    "agentic_coding": {
        "en": objects(
            [
                "You are a coding agent working in this repository.",
                "Act as an autonomous software engineer on the task below.",
                "You are an AI developer with shell and editor access.",
            ]
        ),
        "zh": objects(["你是一个在此代码库中工作的编程智能体。"]),
        "ru": objects(["Ты автономный программист, работающий в этом репозитории."]),
    },
    "tool_orchestration": {
        "en": objects(
            [
                "You orchestrate tools to complete multi-step tasks.",
                "Plan and execute a sequence of tool calls.",
                "You are the controller of several tools and sub-agents.",
            ]
        ),
        "zh": objects(["你负责编排多个工具完成多步骤任务。"]),
        "ru": objects(["Ты управляешь набором инструментов для многошаговых задач."]),
    },
}

FAMILIES: Final = tuple(FAMILY_OPENERS)  # every template family render_adversary knows

TOOL_SETS: Final = objects(
    [
        "search(query: str), calculator(expression: str), python(code: str)",
        "web_search(q), fetch_url(url), run_python(code), write_file(path, text)",
        "read_file(path), write_file(path, content), run_tests(), search_code(pattern), git_diff()",
        "sql_query(sql), plot(spec), calculator(expr)",
        "browser.open(url), browser.click(selector), browser.type(selector, text), browser.screenshot()",
    ]
)
REPOS: Final = objects(
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
FILES: Final = objects(
    ["src/utils.py", "lib/core.py", "app/handlers.py", "pkg/helpers.py", "tests/test_core.py", "tools/cli.py"]
)
SCREENS: Final = objects(
    [
        "[window: Spreadsheet] cells A1:D20 filled; toolbar: File Edit View Insert; dialog: none",
        "[window: Browser] tab 'Checkout - Shop'; fields: card name, address; button 'Place order' at (812, 640)",
        "[window: Mail] inbox 32 unread; selected: 'Quarterly report'; buttons: Reply (120, 88), Forward (180, 88)",
        "[window: Terminal] $ pytest -q\\n3 failed, 41 passed; cursor at prompt",
        "[window: Settings] panel 'Network'; toggle Wi-Fi on; button 'Advanced' at (400, 512)",
    ]
)
GOALS: Final = objects(
    [
        "export the table as a PDF",
        "fix the failing tests",
        "book the cheapest flight",
        "archive all newsletters",
        "change the DNS server",
        "sum column C by month",
    ]
)



USER_PREFIXES: Final = objects(
    ["", "", "", "", "Hi! ", "Please help: ", "Quick question. ", "Can you help me with this?\n\n", "hey, "]
)
USER_SUFFIXES: Final = objects(["", "", "", "", " Thanks!", "\n\nPlease be concise.", " thx", "\n\nKeep it short."])
LOCAL_PREFIXES: Final = {
    "DE": "Bitte auf Deutsch antworten: ",
    "FR": "Réponds en français : ",
    "JP": "日本語で答えてください。\n",
    "BR": "Responda em português: ",
    "ES": "Responde en español: ",
    "KR": "한국어로 답해 주세요. ",
}
HOMEWORK_WRAPPERS: Final = objects(
    ["", "Can you solve this? ", "Help me with my homework: ", "Solve this and show your work step by step: "]
)
CODE_HELP_WRAPPERS: Final = objects(
    [
        "Can you finish this function?\n\n",
        "Why does this not work?\n\n",
        "Write this for me:\n\n",
        "Explain step by step how to implement:\n\n",
    ]
)
