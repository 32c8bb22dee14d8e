"""`sockhound query` output without a database: the Browser script (`--browser`), tables that never cut ids,
paging arithmetic, and `sockhound hash` refusals (issue 18, item 4)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from queries import load_query, query_names
from queries.browser_script import browser_script, cypher_literal, statement
from queries.header import body_parameters, parse_header, parse_literal
from sockhound.table_format import Page, fitted_columns, print_table

ANALYST_QUERIES = query_names("analyst")
PARAM_LINE = re.compile(r"^:param (?P<name>\w+) => (?P<value>.+);$")


def invoke(*arguments: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(arguments), input=stdin,
                              env={"NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "x"})


@pytest.mark.parametrize("name", ANALYST_QUERIES)
def test_browser_script_sets_exactly_the_parameters_the_query_uses(name: str) -> None:
    query = load_query(name)
    example = parse_header(query.text).example_parameters()
    required = [p.name for p in parse_header(query.text).parameters if not p.has_default]
    arguments = [f"{key}={example[key]}" for key in required]
    result = invoke("query", name, "--browser", *(item for argument in arguments for item in ("-p", argument)))
    assert result.exit_code == 0, result.output  # nothing is run: the database address is a dead one
    lines = result.output.splitlines()
    params = [PARAM_LINE.match(line) for line in lines if line.startswith(":param")]
    assert all(params) and lines[: len(params)] == [match.string for match in params if match]
    set_here = {match["name"]: parse_literal(match["value"]) for match in params if match}
    assert set(set_here) == body_parameters(query.text)
    assert set_here == {**parse_header(query.text).defaults(), **example}
    body = "\n".join(lines[len(params):])
    assert body == statement(query) + ";" and not body.startswith("//") and "// Example" not in body


def test_browser_script_takes_the_command_line_values_and_limit() -> None:
    result = invoke("query", "evidence_between_accounts", "--browser", "-p", "accountId=o'brien",
                    "-p", "otherId=123", "--limit", "7")
    assert result.exit_code == 0, result.output
    assert ":param accountId => 'o\\'brien';" in result.output
    assert ":param otherId => '123';" in result.output  # documented as a string: stays text
    assert ":param limit => 7;" in result.output
    missing = invoke("query", "evidence_between_accounts", "--browser", "-p", "accountId=a")
    assert missing.exit_code == 2 and "$otherId" in missing.output


def test_cypher_literals() -> None:
    assert cypher_literal({"a b": [1, 2.5, None, True], "k": "it's \\ odd\n"}) == \
        "{`a b`: [1, 2.5, null, true], k: 'it\\'s \\\\ odd\\n'}"
    with pytest.raises(KeyError, match=r"\$accountId"):
        browser_script(load_query("analyst/network_of_account"), {"limit": 3})


def test_a_narrow_table_keeps_every_id_whole_and_says_what_it_left_out() -> None:
    ids = [f"acct_{i:02d}_{'x' * 30}" for i in range(4)]
    columns = ["accountId", "status", "label", "verdict", "risk", "networkIds", "createdAt"]
    rows = [[ids[i], "active", "", "sockpuppet", "0.987", f"net-{i}aaaaaaaaaaaa, net-bbbbbbbbbbbbbbbb",
             "2026-03-01T00:00:00"] for i in range(4)]
    out = io.StringIO()
    print_table(columns, rows, "4 rows", width=80, file=out)
    text = out.getvalue()
    assert all(account in text for account in ids)
    assert "net-bbbbbbbbbbbbbbbb" in text and "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "left out for width:" in text and "createdAt" in text.split("left out for width:")[1]
    kept = fitted_columns(columns, rows, 80)
    assert {0, 5} <= set(kept) and len(kept) < len(columns)
    wide = io.StringIO()
    print_table(columns, rows, "4 rows", width=None, file=wide)
    assert "left out" not in wide.getvalue() and all(row[6] in wide.getvalue() for row in rows)


def test_ids_wider_than_the_terminal_still_print_whole() -> None:
    long_id = "k" * 120
    out = io.StringIO()
    print_table(["key", "sharedBy"], [[long_id, "3"]], "1 row", width=60, file=out)
    assert long_id in out.getvalue()


def test_pages() -> None:
    page = Page(size=10, number=3)
    assert page.fetch == 30 and page.rows(list(range(100))) == list(range(20, 30))
    assert page.caption(30, capped_by_query=True) == "rows 21-30, page 3; --page 4 for more"
    assert page.caption(25, capped_by_query=True) == "rows 21-25, page 3"
    assert page.caption(12, capped_by_query=False) == "no rows on page 3 (12 in all)"
    assert Page(10, 1).caption(40, capped_by_query=False) == "rows 1-10, page 1; --page 2 for more"
    with pytest.raises(ValueError):
        Page(0)
    refused = invoke("query", "payment_rings", "--page", "2")
    assert refused.exit_code == 2 and "--page needs --limit" in refused.output


@pytest.mark.parametrize(("kind", "value", "problem"), [
    ("ip", "300.1.2.3", "not an IPv4 or IPv6 address"),
    ("subnet", "10.1.0.0/16", "/24"),
    ("payment", "4111 1111 1111 1111", "card number"),
    ("payment", "pm_4111-1111-1111-1111", "card number"),
    ("email", "not-an-address", "not an e-mail address"),
    ("email", "  ", "empty value"),
])
def test_hash_refuses_what_a_load_refuses_without_repeating_it(kind: str, value: str, problem: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCKHOUND_ALLOW_DEV_HASH_KEY", "true")
    from sockhound.settings import get_settings
    get_settings.cache_clear()
    result = invoke("hash", kind, value)
    get_settings.cache_clear()
    assert result.exit_code == 2 and problem in result.output, result.output
    assert value.strip() not in result.output or not value.strip()
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_hash_keys_match_the_loaders_normalisation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCKHOUND_ALLOW_DEV_HASH_KEY", "true")
    from sockhound.settings import get_settings
    get_settings.cache_clear()

    def key(*arguments: str, stdin: str | None = None) -> str:
        result = invoke("hash", *arguments, stdin=stdin)
        assert result.exit_code == 0, result.output
        return str(result.output.strip())

    try:
        assert re.fullmatch(r"[0-9a-f]{32}", key("ip", "198.18.9.10"))
        assert key("ip", " 198.18.9.10 ") == key("ip", "::ffff:198.18.9.10") == key("ip", "198.18.9.10")
        assert key("subnet", "198.18.9.0/24") == key("subnet", "198.18.9.77") == key("subnet", "198.18.9.5/24")
        assert key("subnet", "198.18.9.0/24") != key("ip", "198.18.9.0")
        assert key("email", "Ring.A+promo@GoogleMail.com") == key("email", "ringa@gmail.com")
        assert key("payment", "pm_a_card_0") == key("payment", "-", stdin="pm_a_card_0\n")
        assert key("payment", "pm_a_card_0") != key("payment", "PM_A_CARD_0")  # tokens are case-sensitive
    finally:
        get_settings.cache_clear()
