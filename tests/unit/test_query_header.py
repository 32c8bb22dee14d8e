"""Query headers and `sockhound query` parameter binding: no database."""

from __future__ import annotations

import pytest

from cli.query import QueryInputError, bind_parameters, parse_assignments, resolve_query
from queries import CypherQuery
from queries.header import HeaderError, body_parameters, parse_header, parse_literal

QUERY = CypherQuery(name="analyst/example", text="""// Purpose: Find things. More words.
//   Still the purpose.
// Params:
//   $accountId (string) the account
//   $kind (string, default 'template') a kind
//   $ids (list, default null) optional ids
//   $limit (int, default 50) at most this many
// Example:
//   :param accountId => 'acct-1';
//   :param kind => 'template';
//   :param ids => null;
//   :param limit => 50;
MATCH (a:Account {accountId: $accountId}) // not a parameter: $commented
WHERE a.kind = $kind AND ($ids IS NULL OR a.accountId IN $ids) AND a.note <> 'costs $5'
RETURN a LIMIT $limit
""")


def test_parse_header() -> None:
    header = parse_header(QUERY.text)
    assert header.purpose == "Find things. More words. Still the purpose."
    assert header.summary == "Find things"
    assert [(p.name, p.type, p.has_default, p.default) for p in header.parameters] == [
        ("accountId", "string", False, None), ("kind", "string", True, "template"), ("ids", "list", True, None),
        ("limit", "int", True, 50)]
    assert header.example_parameters() == {"accountId": "acct-1", "kind": "template", "ids": None, "limit": 50}
    assert body_parameters(QUERY.text) == {"accountId", "kind", "ids", "limit"}


@pytest.mark.parametrize("text, problem", [
    ("MATCH (n) RETURN n", "Purpose"),
    ("// Purpose: x\n// Params:\n//   limit (int) no dollar\n// Example:\n//   :param limit => 1;\nRETURN 1", "$name"),
    ("// Purpose: x\n// Params:\n//   $limit (int, 50)\n// Example:\n//   :param limit => 1;\nRETURN 1", "default"),
])
def test_bad_headers(text: str, problem: str) -> None:
    with pytest.raises(HeaderError, match=problem.replace("$", r"\$")):
        parse_header(text)


def test_literals() -> None:
    assert [parse_literal(text) for text in ("12", "1.5", "true", "null", '["a", 2]', "'quoted'", "plain text")] == [
        12, 1.5, True, None, ["a", 2], "quoted", "plain text"]


def test_bind_parameters() -> None:
    bound = bind_parameters(QUERY, parse_assignments(["accountId=00123", "ids=[1, 2]", "$limit=5"]))
    assert bound == {"accountId": "00123", "kind": "template", "ids": [1, 2], "limit": 5}  # a string stays text
    with pytest.raises(QueryInputError, match=r"needs \$accountId \(string\): the account; pass -p accountId="):
        bind_parameters(QUERY, {})
    with pytest.raises(QueryInputError, match=r"no parameter \$acountId"):
        bind_parameters(QUERY, {"acountId": "x", "accountId": "y"})
    with pytest.raises(QueryInputError, match=r"\$limit takes a whole number, got 'true'"):
        bind_parameters(QUERY, {"accountId": "x", "limit": "true"})
    with pytest.raises(QueryInputError, match="key=value"):
        parse_assignments(["accountId"])


def test_resolve_query() -> None:
    assert resolve_query("payment_rings").name == resolve_query("analyst/payment_rings.cypher").name
    with pytest.raises(QueryInputError, match="did you mean payment_rings"):
        resolve_query("payment_ring")
    with pytest.raises(QueryInputError, match="no analyst query named 'detect/verdicts'"):
        resolve_query("detect/verdicts")
