"""Capability hints: which kinds of request a prompt is (chain-of-thought elicitation, coding, tool use, math,
rubrics, rewriting), as RE2 rules over normalised text. Bit i of a mask is ``CAPABILITIES[i]``.

A table of words and phrases in nine languages, kept apart from the fingerprint machinery that applies it
(``sockhound.fingerprints.capability_masks``); see that module's docstring for what the hints are for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

_WORD_CHAR: Final = r"[\pL\pN_]"
"""RE2 spelling of Python's Unicode ``\\w`` (letters, numbers, underscore)."""
_NON_WORD_CHAR: Final = r"[^\pL\pN_]"


def _re2_literal(text: str) -> str:
    """``text`` as an RE2 literal: ASCII punctuation backslash-escaped, everything else as is."""
    return "".join(f"\\{c}" if c.isascii() and not c.isalnum() and c != " " else c for c in text)


@dataclass(frozen=True)
class CapabilityRule:
    """Whole words, substrings and one RE2 regex; a text matches the rule when any of them is found."""

    words: frozenset[str]
    phrases: tuple[str, ...]
    regex: str | None = None

    @property
    def pattern(self) -> str:
        """One RE2 pattern equivalent to the three tests (words match between non-word characters)."""
        parts: list[str] = []
        # only pure word-character words can ever be a whole word (e.g. "step-wise" never was)
        whole = sorted(w for w in self.words if w.replace("_", "a").isalnum())
        if whole:
            alternation = "|".join(_re2_literal(w) for w in whole)
            parts.append(f"(?:^|{_NON_WORD_CHAR})(?:{alternation})(?:{_NON_WORD_CHAR}|$)")
        parts.extend(_re2_literal(p) for p in self.phrases)
        if self.regex:
            parts.append(f"(?:{self.regex})")
        return "|".join(parts)


def _rule(words: str, phrases: tuple[str, ...], regex: str | None = None) -> CapabilityRule:
    return CapabilityRule(frozenset(words.split()), phrases, regex)


CAPABILITY_RULES: Final[dict[str, CapabilityRule]] = {
    "cot": _rule(
        "stepwise step-wise",
        (
            "step by step",
            "step-by-step",
            "show your work",
            "show your reasoning",
            "show all your",
            "show all of your",
            "show your steps",
            "show your thinking",
            "explain your reasoning",
            "explain your thinking",
            "walk me through",
            "walk through your",
            "justify your",
            "chain of thought",
            "chain-of-thought",
            "let's think",
            "lets think",
            "think carefully",
            "think it through",
            "think out loud",
            "think aloud",
            "reason carefully",
            "reasoning process",
            "thought process",
            "<think>",
            "before giving the final",
            "before you answer",
            "before answering",
            "逐步",
            "一步一步",
            "一步步",
            "分步",
            "思考过程",
            "推理过程",
            "详细推理",
            "paso a paso",
            "razonamiento",
            "étape par étape",
            "raisonnement",
            "schritt für schritt",
            "denkweg",
            "passo a passo",
            "шаг за шагом",
            "рассуждени",
            "ステップバイステップ",
            "段階的",
            "順を追って",
            "단계별",
            "차근차근",
        ),
    ),
    "code": _rule(
        "function python javascript typescript java rust golang sql regex code compile compiler debug "
        "refactor implement implementation",
        ("```", "c++", "unit test", "stack trace", "api endpoint", "代码", "函数", "código", "programa en"),
        r"\bdef [\pL\pN_]+\(|\bclass [\pL\pN_]+[:(]|\bimport [\pL\pN_]+|\breturn [\pL\pN_]+",
    ),
    "tool": _rule(
        "tool tools agent agentic bash shell terminal browse curl mcp scratchpad",
        (
            "function call",
            "function_call",
            "tool call",
            "tool_call",
            "json schema",
            "you have access to",
            "available tools",
            "available functions",
            "<tool",
            "execute the command",
            "execute command",
            "api call",
            "observation:",
            "action:",
            "action input",
            "工具调用",
            "调用工具",
            "智能体",
        ),
    ),
    "math": _rule(
        "solve equation equations calculate compute percent percentage probability integral derivative prove theorem",
        ("how many", "how much", "\\frac", "\\boxed", "数学", "计算", "方程", "ecuación", "calcula"),
        r"\p{Nd}\s*[-+*/\x{d7}\x{f7}^=]\s*\p{Nd}",
    ),
    "rubric": _rule(
        "rubric judge preference",
        (
            "grade the",
            "grade this",
            "grade each",
            "score the",
            "score this",
            "score each",
            "score from",
            "on a scale of",
            "rate the response",
            "rate this response",
            "rate each response",
            "rate the answer",
            "which response is better",
            "which answer is better",
            "evaluate the response",
            "evaluate this response",
            "evaluate the answer",
            "reward model",
            "评分",
            "打分",
            "评判",
        ),
    ),
    "rewrite": _rule(
        "rewrite rephrase paraphrase reword censor censored censorship sanitize sanitise neutral compliant",
        (
            "rewrit",
            "rephras",
            "paraphras",
            "politically sensitive",
            "sensitive topic",
            "sensitive content",
            "safe version",
            "safe alternative",
            "safe wording",
            "tone down",
            "neutralize",
            "neutralise",
            "改写",
            "重写",
            "敏感",
            "审查",
            "reescrib",
            "réécri",
        ),
    ),
}
CAPABILITIES: Final = tuple(CAPABILITY_RULES)
CAPABILITY_PATTERNS: Final = tuple(rule.pattern for rule in CAPABILITY_RULES.values())
