"""Operation prompt styles beyond template families (simulator/prompts.py render_adversary):

- paraphrases: every request reworded from many independent slots (lead-in, ask, reasoning request,
  answer format, separator, order), so no two prompts are identical and few tokens recur;
- task lists: bare tasks walked through a large shuffled list (each account its own stretch), with
  at most a short lead-in, so tasks are rarely reused and there is no shared wrapper;
- upstream fingerprints: what an exporter that withholds text sends instead, "sha256:" strings in
  the same format as genuine zero-retention customers'; an operation reuses its template fingerprints
  across accounts (Zipf-like) and each account reuses a few task fingerprints of its own.
"""

# ruff: noqa: RUF001 - the Cyrillic and CJK text is deliberate
from __future__ import annotations

import hashlib
import zlib
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from simulator.prompts import PromptPools

ObjectArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]


def _objects(text: str) -> ObjectArray:
    """Options separated by '|' (an empty option is allowed)."""
    return np.array(text.split("|"), dtype=object)


_LEADS: Final = _objects(
    "||||Hey, |Hi there. |Okay, |So, |Quick one: |I'm stuck. |Need a hand: |Hello! |Alright - |Morning. "
    "|One more: |Next: |Here's another. |Hmm, |Right, |Please, |Could use some help. |New item. |Ok so "
)
_KIND_OF_FAMILY: Final = {
    "cot_math": "math",
    "agentic_reasoning": "math",
    "rubric_grading": "grade",
    "coding": "code",
    "agentic_coding": "code",
    "safe_rewrite": "rewrite",
    "tool_use": "tool",
    "tool_orchestration": "tool",
    "data_analysis": "data",
    "computer_use": "computer",
}
_ASKS: Final = {
    "math": _objects(
        "solve this|work this one out|figure out the answer|crack this problem|get me the answer to this|compute the "
        "result here|find the solution|tell me what the answer is|sort this question out|handle this word problem|"
        "answer the following|determine the result|tackle this|resolve this question|what comes out of this"
    ),
    "grade": _objects(
        "grade this attempt|score this student's work out of ten|mark this answer|assess whether this solution holds "
        "up|evaluate the response below and give points|judge how good this answer is|check and score this|rate this "
        "solution from 0 to 10|give this homework a mark|decide how many points this earns"
    ),
    "code": _objects(
        "write this function|implement what's described|code this up|finish the function|fill in the implementation|"
        "make this work in Python|program this|write working code for this|complete the snippet|build this out|"
        "turn this spec into code|get this function passing"
    ),
    "rewrite": _objects(
        "reword this so it avoids sensitive politics|make this passage safe to publish anywhere|soften anything "
        "politically touchy here|clean this text of sensitive references|rewrite this for a strict moderation policy|"
        "neutralise the political bits of this|give me a version of this nobody could object to"
    ),
    "tool": _objects(
        "plan the tool calls for this|work out which tools to call and in what order|solve it using the available "
        "tools|decide on function calls to answer this|sketch the API calls needed|use tools to get this done|"
        "map this request onto tool invocations"
    ),
    "data": _objects(
        "analyse this table|dig into these numbers|look at this data|crunch these figures|review this dataset|"
        "summarise what this table says|pull insights out of this"
    ),
    "computer": _objects(
        "tell me the next click|what action should I take on screen|drive the UI to finish this|operate the app to do "
        "this|pick the next UI step|say what to press next"
    ),
}
_REASONS: Final = _objects(
    "|||show how you get there|walk through your thinking|lay out each stage of your logic|explain the reasoning as "
    "you go|don't skip any steps|break it down for me|talk me through it|narrate your thought process|be explicit "
    "about every inference|go slowly and justify each move|spell out the intermediate steps|reason it out fully "
    "first|include your working|explain why at each point|leave no gaps in the argument"
)
_FORMATS: Final = _objects(
    "||final answer at the end|put the result on its own line|keep it tidy|box the final result|end with the answer|"
    "wrap up with a one-line conclusion|answer last|be thorough|markdown is fine|plain text please|use numbered "
    "steps|conclude with the answer"
)
_CONTEXTS: Final = _objects(
    "||||This is for a project. |It's for work. |My teacher set this. |Need it today. |Trying to learn here. "
    "|Second attempt at this. |Asking for a friend. |Just curious. |Got this in an interview. |For my notes. "
)
_CLOSINGS: Final = _objects("|||| Thanks!| Cheers.| Much appreciated.| Ta.| Thank you in advance.| ty| Appreciate it.")
_SEPARATORS: Final = np.array([":\n", ":\n\n", "\n\n", " - ", ": ", "\n"], dtype=object)
_FOREIGN: Final = {  # language: (openings, asks, reasoning requests)
    "zh": (
        _objects("|你好，|请帮忙：|再来一个：|急：|麻烦了，|下一题：|这是作业。|工作要用。|我卡住了。"),
        _objects(
            "请解决这个问题|帮我看看这道题|请完成下面的任务|麻烦处理一下|帮我做一下|请回答|看看这个怎么做|请处理以下内容"
        ),
        _objects("|请说明思路|写出过程|解释每一步|一步步来|把推理写清楚|不要跳步"),
    ),
    "ru": (
        _objects("|Привет! |Срочно: |Ещё одно: |Вопрос: |Для работы. |Помогите, |Задание: |Снова я. "),
        _objects("реши это|помоги с задачей|сделай, пожалуйста|разбери это|ответь на вопрос|посмотри, как это решить"),
        _objects("|объясни ход мысли|покажи шаги|распиши подробно|не пропускай шаги|поясни каждый шаг"),
    ),
}
_TASK_LEADS: Final = _objects(
    "||||||Solve: |Next: |Q: |Task: |Please answer: |Help me with this: |Another one. |Try this: |"
    "Answer this: |Can you do this? |Go: "
)
_OPEN_AFTER: Final = (". ", "! ", ": ", "- ", "\n")


def _pick(rng: np.random.Generator, options: ObjectArray, count: int) -> ObjectArray:
    picked: ObjectArray = options[rng.integers(0, len(options), size=count)]
    return picked


def _content(pools: PromptPools, kind: str, count: int, rng: np.random.Generator) -> ObjectArray:
    if kind == "code":
        return _pick(rng, pools.code_tasks, count)
    if kind == "rewrite":
        return _pick(rng, pools.user_texts[:427], count)
    if kind == "data":
        units = rng.integers(10, 900, size=(count, 3)).tolist()
        return np.array(
            [
                "month,units,revenue\n" + "\n".join(f"2025-0{m + 1},{u},{u * 17}" for m, u in enumerate(row))
                for row in units
            ],
            dtype=object,
        )
    tasks = _pick(rng, pools.math_tasks, count)
    if kind == "grade":
        answers = rng.integers(2, 500, size=count).astype(str).astype(object)
        labels = _pick(rng, _objects("\nTheir answer: |\nStudent wrote: |\nSubmitted: |\n(answer given) "), count)
        graded: ObjectArray = tasks + labels + answers
        return graded
    return tasks


def _cased(before: ObjectArray, texts: ObjectArray) -> ObjectArray:
    """Upper-case the first letter after nothing or a sentence break, lower-case it after a comma."""
    return np.array(
        [
            (t[:1].upper() if (not b or b.endswith(_OPEN_AFTER)) else t[:1].lower()) + t[1:]
            for b, t in zip(before, texts, strict=True)
        ],
        dtype=object,
    )


def _paraphrase_once(pools: PromptPools, kind: str, languages: ObjectArray, rng: np.random.Generator) -> ObjectArray:
    count = len(languages)
    leads = _pick(rng, _LEADS, count)
    opening = leads + _cased(leads, _pick(rng, _CONTEXTS, count))
    asks = _pick(rng, _ASKS[kind], count)
    reasons = _pick(rng, _REASONS, count)
    for language, (foreign_openings, foreign_asks, foreign_reasons) in _FOREIGN.items():
        mask = languages == language
        if mask.any():
            opening[mask] = _pick(rng, foreign_openings, int(mask.sum()))
            asks[mask] = _pick(rng, foreign_asks, int(mask.sum()))
            reasons[mask] = _pick(rng, foreign_reasons, int(mask.sum()))
    asks = opening + _cased(opening, asks)
    reasons = np.array([r[:1].upper() + r[1:] + "." if r else "" for r in reasons], dtype=object)
    formats = np.array([f[:1].upper() + f[1:] + "." if f else "" for f in _pick(rng, _FORMATS, count)], dtype=object)
    gap = np.where(rng.random(count) < 0.5, " ", "\n\n")
    tail = np.where(reasons == "", "", gap + reasons)
    tail = (
        tail + np.where(formats == "", "", np.where(reasons == "", gap, " ") + formats) + _pick(rng, _CLOSINGS, count)
    )
    content = _content(pools, kind, count, rng)
    ask_first = asks + _pick(rng, _SEPARATORS, count) + content + tail
    content_first = content + "\n\n" + asks + "." + tail
    result: ObjectArray = np.where(rng.random(count) < 0.65, ask_first, content_first)
    return result


def render_paraphrases(
    pools: PromptPools, family: str, languages: ObjectArray, rng: np.random.Generator
) -> ObjectArray:
    """Reworded prompts for one family's requests; duplicates within the batch are re-drawn."""
    kind = _KIND_OF_FAMILY[family]
    result = _paraphrase_once(pools, kind, languages, rng)
    for _ in range(3):
        duplicate = np.flatnonzero(pd.Series(result).duplicated().to_numpy())
        if not len(duplicate):
            return result
        result[duplicate] = _paraphrase_once(pools, kind, languages[duplicate], rng)
    duplicate = np.flatnonzero(pd.Series(result).duplicated().to_numpy())
    result[duplicate] = result[duplicate] + " (" + rng.integers(10, 99_999, size=len(duplicate)).astype(str) + ")"
    return result


def _task_pool(pools: PromptPools) -> ObjectArray:
    return np.concatenate([pools.math_tasks, pools.code_tasks, pools.user_texts[:427]])


def render_task_list(
    pools: PromptPools, operation: str, account_seed: IntArray, position: IntArray, rng: np.random.Generator
) -> ObjectArray:
    """Request `position` of an account takes the next task of its stretch of the operation's list."""
    pool = _task_pool(pools)
    order = np.random.default_rng(zlib.crc32(operation.encode("utf-8"))).permutation(len(pool))
    offset = (account_seed * 7_919) % len(pool)
    tasks = pool[order[(offset + position) % len(pool)]]
    result: ObjectArray = _pick(rng, _TASK_LEADS, len(tasks)) + tasks
    return result


def _fingerprint(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


def upstream_fingerprints(
    operation: str, operation_accounts: int, account_seed: IntArray, rng: np.random.Generator
) -> ObjectArray:
    """Upstream fingerprint per request: 60% one of the operation's template fingerprints (skewed:
    a few templates carry most traffic), else one of ~40 task fingerprints of the account's own."""
    count = len(account_seed)
    vocabulary = int(np.clip(operation_accounts // 2, 6, 1_500))
    template = (vocabulary * rng.random(count) ** 2.5).astype(np.int64)
    own = rng.integers(0, 40, size=count)
    shared = rng.random(count) < 0.6
    keys = np.where(
        shared,
        "t" + template.astype(str).astype(object),
        "a" + account_seed.astype(str).astype(object) + ":" + own.astype(str).astype(object),
    )
    unique, inverse = np.unique(keys.astype(str), return_inverse=True)
    hashed = np.array([_fingerprint(f"{operation}|{key}") for key in unique], dtype=object)
    result: ObjectArray = hashed[inverse.reshape(-1)]
    return result
