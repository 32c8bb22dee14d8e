"""The Cypher in queries/ spells the vocabulary (sockhound/vocabulary.py) as literals: every label, relationship
type and vocabulary-valued literal it uses must be a word defined there, and every word defined there is used."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum

import pytest

from queries import QUERY_ROOT, query_names
from sockhound.vocabulary import (
    ALLOW_LIST_KIND_OF,
    PROMPT_KINDS,
    PROPERTY_VOCABULARY,
    AllowListKind,
    EvidenceKind,
    NodeLabel,
    RelationshipType,
)

COMMENT = re.compile(r"//[^\n]*")
STRING = re.compile(r"'(?:[^'\\]|\\.)*'")
# (a:Account), (:Network {...}), FOR (n:Label), (a:Account:Other)
NODE_LABELS = re.compile(r"\(\s*[A-Za-z_]\w*\s*((?::\s*[A-Za-z_]\w*\s*)+)|\(\s*((?::\s*[A-Za-z_]\w*\s*)+)")
# [:SENT], [r:PAID_WITH|SEEN_FROM], [:MEMBER_OF*1..2]
REL_TYPES = re.compile(r"\[\s*[A-Za-z_]?\w*\s*:\s*([A-Z_][A-Z0-9_|:\s]*)")
LITERAL = r"'([^']*)'"
PROPERTY_LITERALS = (
    re.compile(rf"\b\w+\.(\w+)\s*(?:=|<>)\s*{LITERAL}"),                          # a.verdict = 'clear'
    re.compile(rf"{LITERAL}\s*(?:=|<>)\s*\w+\.(\w+)\b", re.S),                    # 'clear' = a.verdict
    re.compile(rf"\b(\w+)\s*:\s*{LITERAL}"),                                      # {status: 'complete'}
    re.compile(r"coalesce\(\s*\w+\.(\w+)\s*,\s*'([^']+)'\s*\)"),                # coalesce(n.status, 'active')
    re.compile(rf"coalesce\(\s*\w+\.(\w+)\s*,\s*'[^']*'\s*\)\s*(?:=|<>)\s*{LITERAL}"),  # coalesce(...) <> 'banned'
    re.compile(rf"{LITERAL}\s+AS\s+(\w+)\b"),                                   # 'payment' AS kind
)
REVERSED = (PROPERTY_LITERALS[1], PROPERTY_LITERALS[5])
IN_LIST = re.compile(r"\b\w+\.(\w+)\s+IN\s+\[([^\]]*)\]")


def _code(text: str) -> str:
    """The query without `//` comments (their examples are not the query), string literals kept."""
    kept: list[str] = []
    for line in text.splitlines():
        strings = [(m.start(), m.end()) for m in STRING.finditer(line)]
        for match in COMMENT.finditer(line):
            if not any(start < match.start() < end for start, end in strings):
                line = line[: match.start()]
                break
        kept.append(line)
    return "\n".join(kept)


def _without_strings(code: str) -> str:
    return STRING.sub("''", code)


def labels_and_types(text: str) -> tuple[set[str], set[str]]:
    code = _without_strings(_code(text))
    labels = {label.strip() for match in NODE_LABELS.finditer(code)
              for chain in match.groups() if chain for label in chain.split(":") if label.strip()}
    types = {kind.strip() for match in REL_TYPES.finditer(code)
             for kind in re.split(r"[|:]", match.group(1)) if kind.strip()}
    return labels, types


def vocabulary_literals(text: str) -> Iterator[tuple[str, str]]:
    """(property, literal) for every literal compared with, assigned to or defaulted for a vocabulary property."""
    code = _code(text)
    for pattern in PROPERTY_LITERALS:
        for match in pattern.finditer(code):
            first, second = match.groups()
            prop, literal = (second, first) if pattern in REVERSED else (first, second)
            if prop in PROPERTY_VOCABULARY:
                yield prop, literal
    for match in IN_LIST.finditer(code):
        if match.group(1) in PROPERTY_VOCABULARY:
            for literal in re.findall(LITERAL, match.group(2)):
                yield match.group(1), literal


def _words(enums: tuple[type[StrEnum], ...]) -> set[str]:
    return {str(member) for enum in enums for member in enum}


def _queries() -> dict[str, str]:
    return {name: (QUERY_ROOT / f"{name}.cypher").read_text(encoding="utf-8") for name in query_names()}


def undefined_words(text: str) -> list[str]:
    """What a query says that the vocabulary does not define, one line per word."""
    labels, types = labels_and_types(text)
    problems = [f"label :{label}" for label in sorted(labels - _words((NodeLabel,)))]
    problems += [f"relationship type :{kind}" for kind in sorted(types - _words((RelationshipType,)))]
    problems += [f"{prop} = '{literal}'" for prop, literal in vocabulary_literals(text)
                 if literal not in _words(PROPERTY_VOCABULARY[prop])]
    return problems


def test_every_query_speaks_the_vocabulary() -> None:
    problems = {name: found for name, text in _queries().items() if (found := undefined_words(text))}
    assert not problems, f"words used in queries/ but not defined in sockhound/vocabulary.py: {problems}"


def test_every_defined_word_is_used_by_some_query() -> None:
    queries = list(_queries().values())
    labels: set[str] = set()
    types: set[str] = set()
    literals: set[tuple[str, str]] = set()
    for text in queries:
        found_labels, found_types = labels_and_types(text)
        labels |= found_labels
        types |= found_types
        literals |= set(vocabulary_literals(text))
    assert _words((NodeLabel,)) - labels == set()
    assert _words((RelationshipType,)) - types == set()
    # the checker reads real literals of every vocabulary property (so the first test cannot pass vacuously)
    assert {prop for prop, _ in literals} == set(PROPERTY_VOCABULARY)
    assert len(literals) >= 15


@pytest.mark.parametrize(("query", "expected"), [
    ("MATCH (a:Acount) RETURN a", ["label :Acount"]),
    ("MATCH (a:Account)-[:MEMBER_0F]->(n:Network) RETURN n", ["relationship type :MEMBER_0F"]),
    ("MATCH (a:Account) WHERE a.verdict = 'sockpupet' RETURN a", ["verdict = 'sockpupet'"]),
    ("MATCH (a:Account) WHERE 'banned ' = a.status RETURN a", ["status = 'banned '"]),
    ("MATCH (n:Network {status: 'gone'}) RETURN n", ["status = 'gone'"]),
    ("MATCH (a:Account) WHERE coalesce(a.label, 'abusiv') = 'abusive' RETURN a", ["label = 'abusiv'"]),
    ("MATCH (a:Account) WHERE coalesce(a.status, 'active') <> 'baned' RETURN a", ["status = 'baned'"]),
    ("MATCH (e:PromptFingerprint) WHERE e.kind IN ['exact', 'templat'] RETURN e", ["kind = 'templat'"]),
    ("MATCH (a:Account) // (x:NotALabel) a.verdict = 'nope'\nRETURN a", []),
    ("MATCH (a:Account)-[:SENT|PAID_WITH]->(e) WHERE a.verdict IN ['clear', 'suspect'] RETURN e", []),
    ("RETURN 'see (x:Nothing) here' AS text", []),
])
def test_the_checker_finds_misspelt_words(query: str, expected: list[str]) -> None:
    assert undefined_words(query) == expected


def test_allow_list_kinds_cover_every_evidence_kind_that_can_be_listed() -> None:
    assert set(ALLOW_LIST_KIND_OF.values()) == set(AllowListKind)
    assert set(PROMPT_KINDS) <= set(ALLOW_LIST_KIND_OF)
    assert {EvidenceKind.SYNC, EvidenceKind.EMAIL}.isdisjoint(ALLOW_LIST_KIND_OF)


def test_returned_kinds_are_checked_too() -> None:
    assert undefined_words("MATCH (e:PaymentMethod) RETURN e, 'paymnet' AS kind, 'subnet' AS listKind") == [
        "kind = 'paymnet'"]
    assert undefined_words("MATCH (a:Account) WHERE coalesce(a.label, '') <> 'abusive' RETURN a") == []
