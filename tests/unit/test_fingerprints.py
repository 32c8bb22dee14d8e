"""Prompt fingerprints on real text: GSM8K/HumanEval tasks wrapped in CoT templates vs ordinary prompts."""

from __future__ import annotations

import itertools
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

from simulator.prompts import PromptPoolsMissing, pool_path
from sockhound.fingerprints import (
    CAPABILITIES,
    PromptFingerprinter,
    capability_mask,
    capability_names,
    fingerprint_prompts,
    normalise_text,
    template_text,
)
from sockhound.privacy import KeyedHasher

KEY = b"test-key-for-fingerprints-0123456789"

# One campaign's chain-of-thought wrapper and the paraphrases it rotates through to dodge exact matching.
COT_VARIANTS = (
    "Solve the following math problem step by step. Show your reasoning clearly before giving the final "
    "answer.\n\nProblem: {task}\n\nAt the end, write the final answer on its own line as 'Answer: <number>'.",
    "Solve this math problem step by step. Show all of your reasoning clearly before you give the final "
    "answer.\n\nProblem: {task}\n\nAt the end, write your final answer on a separate line as 'Answer: <number>'.",
    "Solve the following maths problem step-by-step. Show your reasoning in detail before giving the final "
    "answer.\n\nProblem:\n{task}\n\nFinally, write the final answer on its own line as 'Answer: <number>'.",
    "Please solve the following math problem step by step, showing your reasoning clearly before giving the "
    "final answer.\n\nProblem: {task}\n\nAt the end, put the final answer on its own line as 'Answer: <number>'.",
)


@cache
def _pool(name: str) -> pd.DataFrame:
    """A prompt pool from the package (simulator/data/prompts, or SOCKHOUND_PROMPTS_DIR); missing, the test fails."""
    try:
        return pd.read_json(pool_path(name), lines=True)
    except PromptPoolsMissing as missing:
        pytest.fail(str(missing), pytrace=False)


def _math_tasks(count: int, seed: int) -> list[str]:
    tasks = _pool("tasks.jsonl.gz")
    math = tasks[tasks["capability"] == "math_reasoning"]["text"]
    return [str(t) for t in math.sample(count, random_state=seed)]


@pytest.fixture(scope="module")
def fingerprinter() -> PromptFingerprinter:
    return PromptFingerprinter(KeyedHasher(KEY))


def _band_sets(fingerprinter: PromptFingerprinter, texts: list[str]) -> list[set[str]]:
    return [set(keys) for keys in fingerprinter.fingerprint(texts)["bandKeys"]]


def test_normalisation_folds_case_width_and_whitespace() -> None:
    assert normalise_text("  Solve\tTHIS\n\n step  by \uff53\uff54\uff45\uff50 ") == "solve this step by step"


def test_exact_key_is_stable_and_keyed(fingerprinter: PromptFingerprinter) -> None:
    text = _math_tasks(1, seed=1)[0]
    first = fingerprinter.fingerprint([text, "  " + text.upper() + "\n"])
    again = PromptFingerprinter(KeyedHasher(KEY)).fingerprint([text])
    other = PromptFingerprinter(KeyedHasher(b"another-key-entirely-0123456789")).fingerprint([text])
    assert first["exactKey"][0] == first["exactKey"][1] == again["exactKey"][0]
    assert first["templateKey"][0] == again["templateKey"][0]
    assert other["exactKey"][0] != first["exactKey"][0]
    assert other["templateKey"][0] != first["templateKey"][0]
    assert not set(other["bandKeys"][0]) & set(first["bandKeys"][0])


def test_template_key_equal_across_numbers_quotes_and_code(fingerprinter: PromptFingerprinter) -> None:
    tasks = [t for t in _math_tasks(200, seed=2) if re.search(r"\d", t)][:50]
    assert len(tasks) == 50
    rng = np.random.default_rng(0)
    for task in tasks:
        renumbered = re.sub(r"\d+", lambda _: str(int(rng.integers(2, 999))), task)
        table = fingerprinter.fingerprint([task, renumbered])
        assert table["templateKey"][0] == table["templateKey"][1], task
        if renumbered != task:
            assert table["exactKey"][0] != table["exactKey"][1]
    quoted = fingerprinter.fingerprint(
        [
            'Translate "good morning" into French.\n```python\nprint(1)\n```',
            'Translate "where is the station" into French.\n```js\nconsole.log(2)\n```',
        ]
    )
    assert quoted["templateKey"][0] == quoted["templateKey"][1]
    assert template_text("Pay $1,200.50 by 3/4 at https://x.example/a?b=1") == "pay zznum by zznum at zzurl"


def test_same_template_different_tasks_share_near_buckets(fingerprinter: PromptFingerprinter) -> None:
    tasks = _math_tasks(400, seed=3)
    template = COT_VARIANTS[0]
    bands = _band_sets(fingerprinter, [template.format(task=t) for t in tasks])
    rate = np.mean([bool(bands[i] & bands[i + 1]) for i in range(0, len(bands) - 1, 2)])
    assert rate >= 0.99, rate


def test_paraphrased_templates_share_near_buckets(fingerprinter: PromptFingerprinter) -> None:
    """Each paraphrase pair, with *different* tasks on each side, shares a band key in >=90% of pairs."""
    tasks = _math_tasks(600, seed=4)
    per_variant = [
        _band_sets(fingerprinter, [variant.format(task=t) for t in tasks[i * 150 : (i + 1) * 150]])
        for i, variant in enumerate(COT_VARIANTS)
    ]
    rates = {
        (a, b): float(np.mean([bool(x & y) for x, y in zip(per_variant[a], per_variant[b], strict=True)]))
        for a, b in itertools.combinations(range(len(COT_VARIANTS)), 2)
    }
    assert np.mean(list(rates.values())) >= 0.9, rates
    assert min(rates.values()) >= 0.5, rates


def test_unrelated_prompts_rarely_share_near_buckets(fingerprinter: PromptFingerprinter) -> None:
    """Ordinary prompts from different sources/apps collide rarely; wrapped tasks never look ordinary."""
    benign = _pool("benign.jsonl.gz").sample(3000, random_state=5).reset_index(drop=True)
    bands = _band_sets(fingerprinter, benign["text"].tolist())
    sources = benign["source"].tolist()
    rng = np.random.default_rng(6)
    pairs = [
        (int(i), int(j))
        for i, j in zip(rng.integers(0, len(bands), 30000), rng.integers(0, len(bands), 30000), strict=True)
        if sources[i] != sources[j]
    ]
    cross_rate = np.mean([bool(bands[i] & bands[j]) for i, j in pairs])
    assert cross_rate <= 0.01, cross_rate

    wrapped = _band_sets(fingerprinter, [COT_VARIANTS[0].format(task=t) for t in _math_tasks(300, seed=7)])
    wrapped_vs_benign = np.mean([bool(wrapped[i % 300] & bands[j]) for i, j in pairs[:20000]])
    assert wrapped_vs_benign <= 0.01, wrapped_vs_benign


def test_short_texts_get_no_near_buckets(fingerprinter: PromptFingerprinter) -> None:
    table = fingerprinter.fingerprint(["hi", "hello there", ""])
    assert [len(b) for b in table["bandKeys"]] == [0, 0, 0]
    assert table["exactKey"].str.len().eq(32).all()


def test_fingerprint_prompts_works_on_distinct_texts_and_hides_text(fingerprinter: PromptFingerprinter) -> None:
    texts = pd.Series(["Solve 2+2 step by step", None, "Solve 2+2 step by step", "Write a poem"], dtype="string")
    table = fingerprint_prompts(texts, fingerprinter)
    assert len(table) == 2
    serialised = repr(table.reset_index(drop=True).to_dict("records"))
    assert "poem" not in serialised and "Solve" not in serialised


def test_capability_hints_on_real_tasks() -> None:
    tasks = _pool("tasks.jsonl.gz")
    coding = tasks[tasks["capability"] == "coding"]["text"]
    math = tasks[tasks["capability"] == "math_reasoning"]["text"].sample(500, random_state=8)
    code_bit = 1 << CAPABILITIES.index("code")
    math_bit = 1 << CAPABILITIES.index("math")
    cot_bit = 1 << CAPABILITIES.index("cot")
    code_rate = np.mean([bool(capability_mask(normalise_text(t)) & code_bit) for t in coding])
    math_rate = np.mean([bool(capability_mask(normalise_text(t)) & math_bit) for t in math])
    assert code_rate >= 0.95, code_rate
    assert math_rate >= 0.8, math_rate
    wrapped = [v.format(task=t) for v in COT_VARIANTS for t in math[:20]]
    assert all(capability_mask(normalise_text(t)) & cot_bit for t in wrapped)
    benign = _pool("benign.jsonl.gz")["text"].sample(1000, random_state=9)
    cot_benign = np.mean([bool(capability_mask(normalise_text(t)) & cot_bit) for t in benign])
    assert cot_benign <= 0.05, cot_benign


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请一步一步地思考并给出推理过程。", "cot"),
        ("Resuelve el problema paso a paso.", "cot"),
        ("Résous ce problème étape par étape.", "cot"),
        ("Löse die Aufgabe Schritt für Schritt.", "cot"),
        ("Реши задачу шаг за шагом.", "cot"),
        ("ステップバイステップで考えてください。", "cot"),
        ("You have access to the following tools: search, calculator. Respond with a tool call.", "tool"),
        ("Score the response on a scale of 1 to 10 using the rubric below.", "rubric"),
        ("Rewrite this paragraph so it avoids politically sensitive wording.", "rewrite"),
        ("Write a Python function that parses ISO dates.", "code"),
    ],
)
def test_capability_hints_cover_languages_and_kinds(text: str, expected: str) -> None:
    assert expected in capability_names(capability_mask(normalise_text(text)))


def test_scalar_helpers_agree_with_the_batch_path(fingerprinter: PromptFingerprinter) -> None:
    """The vectorised pipeline hashes exactly what ``normalise_text``/``template_text`` return."""
    texts = [
        "  Solve\tTHIS: \u201cquoted\u201d and 'single' and \"double\" 42 at https://x.example ",
        "Ünïcödé e\u0301tape par e\u0301tape, ```code``` `inline` a@b.example 3.5%",
        "",
    ]
    table = fingerprinter.fingerprint(texts)
    hasher = fingerprinter.hasher
    for text, exact, template in zip(texts, table["exactKey"], table["templateKey"], strict=True):
        assert exact == hasher.hash_one("prompt-exact", normalise_text(text))
        assert template == hasher.hash_one("prompt-template", template_text(text))
    assert template_text(texts[0]) == "solve this: zzquote and zzquote and zzquote zznum at zzurl"
