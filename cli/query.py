"""`sockhound query NAME -p key=value [--format table|csv|json]`: an analyst query from `queries/analyst/`, read-only.

Registered, lazily, in `cli/app.py`'s COMMANDS.

NAME is a file below `queries/analyst/` without the suffix (`network_of_account`; the `analyst/` prefix is optional).
`--file PATH` runs any other `.cypher` file the same way. Parameters the header documents with a default may be
left out; a value is parsed as JSON when it parses (numbers, booleans, null, lists, maps), else taken as text,
and a parameter documented as a string is always taken as text. The statement runs in a READ access-mode
transaction, so the server refuses any write inside it.
"""

from __future__ import annotations

import csv
import difflib
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from neo4j import Record
from neo4j.exceptions import Neo4jError
from neo4j.graph import Node, Relationship
from neo4j.graph import Path as GraphPath
from neo4j.time import DateTime as Neo4jDateTime
from rich.console import Console

from queries import CypherQuery, load_query, query_names
from queries.browser_script import browser_script
from queries.header import HeaderError, QueryHeader, body_parameters, parse_header, parse_literal
from sockhound.errors import BadInputError, SockhoundError
from sockhound.graph import connected_graph
from sockhound.settings import get_settings
from sockhound.table_format import Page, print_table

ANALYST_FOLDER = "analyst"
# Header types checked before the query runs: (Python type, what to tell the user).
TYPE_CHECKS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "int": (int, "a whole number"), "float": ((int, float), "a number"), "bool": (bool, "true or false"),
    "boolean": (bool, "true or false"), "list": (list, "a JSON list"), "map": (dict, "a JSON object"),
}
NODE_KEYS = ("accountId", "networkId", "runId", "batchId", "key", "name", "decisionKey", "version")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class QueryInputError(BadInputError, ValueError):
    """The command line asks for a query or parameters that do not exist, or leaves one out."""


def analyst_names() -> list[str]:
    """The analyst queries by short name (without the `analyst/` folder)."""
    prefix = f"{ANALYST_FOLDER}/"
    return [name.removeprefix(prefix) for name in query_names(ANALYST_FOLDER)]


def resolve_query(name: str) -> CypherQuery:
    """An analyst query by short or full name; an unknown name lists the closest ones."""
    short = name.removesuffix(".cypher").removeprefix(f"{ANALYST_FOLDER}/")
    known = analyst_names()
    if short in known:
        return load_query(f"{ANALYST_FOLDER}/{short}")
    close = difflib.get_close_matches(short, known, n=3, cutoff=0.5) or [
        candidate for candidate in known if short and (short in candidate or candidate in short)
    ][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise QueryInputError(f"no analyst query named {name!r}{hint} (`sockhound query --list` lists them)")


def query_from_file(path: Path) -> CypherQuery:
    if not path.is_file():
        raise QueryInputError(f"{path} is not a file")
    return CypherQuery(name=str(path), text=path.read_text(encoding="utf-8"))


def header_of(query: CypherQuery) -> QueryHeader | None:
    """The query's header; None for a file without one (analyst queries always have one)."""
    try:
        return parse_header(query.text)
    except HeaderError:
        if query.name.startswith(f"{ANALYST_FOLDER}/"):
            raise
        return None


def parse_assignments(pairs: Sequence[str]) -> dict[str, str]:
    assignments: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        key = key.strip().removeprefix("$")
        if not separator or not key:
            raise QueryInputError(f"-p takes key=value, got {pair!r}")
        assignments[key] = value
    return assignments


def bind_parameters(query: CypherQuery, assignments: Mapping[str, str]) -> dict[str, Any]:
    """The parameters to send: the header's defaults, overridden by the command line's values.
    An unknown or missing parameter is a QueryInputError that names it."""
    header = header_of(query)
    used = body_parameters(query.text)
    unknown = sorted(set(assignments) - used)
    if unknown:
        takes = ", ".join(sorted(used)) or "no parameters"
        raise QueryInputError(f"{query.name} has no parameter {', '.join(f'${name}' for name in unknown)} "
                              f"(it takes {takes})")
    values: dict[str, Any] = {name: value for name, value in (header.defaults() if header else {}).items()
                              if name in used}
    for name, text in assignments.items():
        documented = header.parameter(name) if header else None
        values[name] = text if documented is not None and documented.takes_text else parse_literal(text)
        expected = TYPE_CHECKS.get(documented.type.lower()) if documented else None
        if expected is not None and (not isinstance(values[name], expected[0]) or (isinstance(values[name], bool)
                                     and expected[0] is not bool)):
            raise QueryInputError(f"${name} takes {expected[1]}, got {text!r}")
    missing = sorted(used - set(values))
    if missing:
        described = []
        for name in missing:
            documented = header.parameter(name) if header else None
            about = f" ({documented.type}): {documented.description}" if documented else ""
            described.append(f"${name}{about}")
        flags = " ".join(f"-p {name}=VALUE" for name in missing)
        raise QueryInputError(f"{query.name} needs {'; '.join(described)}; pass {flags}")
    return values


def plain(value: Any) -> Any:
    """A Neo4j value as JSON-friendly Python: temporal values as ISO-8601 text, nodes, relationships and paths
    as maps."""
    if isinstance(value, Node):
        return {"elementId": value.element_id, "labels": sorted(value.labels),
                "properties": {key: plain(item) for key, item in value.items()}}
    if isinstance(value, Relationship):
        return {"elementId": value.element_id, "type": value.type,
                "start": value.start_node.element_id if value.start_node else None,
                "end": value.end_node.element_id if value.end_node else None,
                "properties": {key: plain(item) for key, item in value.items()}}
    if isinstance(value, GraphPath):
        return {"nodes": [plain(node) for node in value.nodes],
                "relationships": [plain(relationship) for relationship in value.relationships]}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _node_text(node: Node | None) -> str:
    if node is None:
        return "()"
    label = sorted(node.labels)[0] if node.labels else ""
    key = next((node[name] for name in NODE_KEYS if name in node), node.element_id)
    return f"(:{label} {key})"


def _path_text(path: GraphPath) -> str:
    nodes = path.nodes
    parts = [_node_text(nodes[0])]
    for near, far, relationship in zip(nodes[:-1], nodes[1:], path.relationships, strict=True):
        forward = relationship.start_node is not None and relationship.start_node.element_id == near.element_id
        parts += [f"-[:{relationship.type}]->" if forward else f"<-[:{relationship.type}]-", _node_text(far)]
    return "".join(parts)


def cell(value: Any, *, lists_as_json: bool) -> str:
    """One value as table or CSV text: nodes and paths compactly, lists joined (or JSON), null empty; in a table
    (lists not as JSON) times to the second."""
    if value is None:
        return ""
    if isinstance(value, Neo4jDateTime) and not lists_as_json:
        return value.to_native().isoformat(timespec="seconds")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Node):
        return _node_text(value)
    if isinstance(value, Relationship):
        return f"{_node_text(value.start_node)}-[:{value.type}]->{_node_text(value.end_node)}"
    if isinstance(value, GraphPath):
        return _path_text(value)
    if isinstance(value, list | tuple) and not lists_as_json:
        return ", ".join(cell(item, lists_as_json=False) for item in value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(plain(value), sort_keys=True)
    return str(plain(value))


def render(columns: list[str], records: list[Record], output_format: OutputFormat, caption: str | None = None) -> None:
    if output_format is OutputFormat.json:
        rows = [{column: plain(record[column]) for column in columns} for record in records]
        typer.echo(json.dumps(rows, indent=2))
    elif output_format is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([cell(record[column], lists_as_json=True) for column in columns])
    else:
        cells = [[cell(record[column], lists_as_json=False) for column in columns] for record in records]
        width = Console().width if sys.stdout.isatty() else None
        print_table(columns, cells, caption or f"{len(records)} row{'' if len(records) == 1 else 's'}", width=width)


def listing() -> str:
    lines = []
    for short in analyst_names():
        header = parse_header(load_query(f"{ANALYST_FOLDER}/{short}").text)
        usage = " ".join(f"[-p {p.name}={json.dumps(p.default)}]" if p.has_default else f"-p {p.name}=..."
                         for p in header.parameters)
        lines += [f"{short}: {header.summary}", f"    sockhound query {short} {usage}".rstrip()]
    return "\n".join(lines)




def query_command(
    name: Annotated[str | None, typer.Argument(help="An analyst query (see --list), e.g. network_of_account.")]
    = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="A parameter as key=value (JSON when it parses, else text); repeat for more.")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
    = OutputFormat.table,
    list_queries: Annotated[bool, typer.Option("--list", help="List the analyst queries and their parameters.")]
    = False,
    file: Annotated[Path | None, typer.Option("--file", help="Run this .cypher file instead (read-only too).")]
    = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the server aborts the query.")]
    = 120.0,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Rows per page (sets the query's $limit).")]
    = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page of --limit rows to show.")] = 1,
    browser: Annotated[bool, typer.Option("--browser", help="Print a script to paste into Neo4j Browser instead "
                                          "(:param lines, then the query); nothing is run.")] = False,
) -> None:
    """Run an analyst query read-only (a write inside it fails) and print its rows."""
    if list_queries:
        typer.echo(listing())
        return
    try:
        if (name is None) == (file is None):
            raise QueryInputError("name a query (or --file PATH), or pass --list")
        query = query_from_file(file) if file is not None else resolve_query(str(name))
        assignments = parse_assignments(param or [])
        if page > 1 and limit is None:
            raise QueryInputError("--page needs --limit N (the rows per page)")
        paging = Page(limit, page) if limit is not None else None
        if paging is not None and "limit" in body_parameters(query.text):
            assignments["limit"] = str(paging.fetch)
        parameters = bind_parameters(query, assignments)
    except (QueryInputError, HeaderError, ValueError) as error:
        raise BadInputError(str(error)) from None
    if browser:
        typer.echo(browser_script(query, parameters), nl=False)
        return
    settings = get_settings()
    try:
        with connected_graph(settings) as graph:
            columns, records = graph.read_only(query, parameters, timeout_s=timeout)
    except Neo4jError as error:  # WriteRefusedError (a SockhoundError) goes through as it is: exit 1
        raise SockhoundError(f"Neo4j refused {query.name}: {error.message or error}") from None
    if paging is None:
        render(columns, records, output_format)
    else:
        caption = paging.caption(len(records), capped_by_query="limit" in parameters)
        render(columns, paging.rows(records), output_format, caption)

