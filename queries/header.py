"""The header comment that documents a query for the people who run it by hand (`queries/analyst/*.cypher`).

    // Purpose: what the query answers (may continue on the next comment lines).
    // Params:
    //   $accountId (string) the account to start from
    //   $limit (int, default 50) at most this many rows
    // Example:
    //   :param accountId => 'acct-000123';
    //   :param limit => 50;

A parameter with a default may be left out by `sockhound query` (it fills the default in); Cypher itself has
no default parameters, so in Neo4j Browser or cypher-shell every one is set with `:param`, as the example
shows. Defaults are JSON or a single-quoted string (`default 'template'`); `default null` is allowed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sockhound.errors import BadInputError

_SECTION = re.compile(r"^(Purpose|Params|Example):\s*(.*)$")
_PARAMETER = re.compile(r"^\$(?P<name>[A-Za-z_]\w*)\s*\((?P<spec>[^)]*)\)\s*(?P<description>.*)$")
_EXAMPLE_PARAMETER = re.compile(r"^:param\s+(?P<name>[A-Za-z_]\w*)\s*=>\s*(?P<value>.+?);?$")
_DEFAULT = re.compile(r"^\s*default\s+(?P<value>.+?)\s*$")
# One left-to-right scan: string literals and comments are consumed whole, so a `$` inside them is no parameter.
_BODY_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*|\$(?:([A-Za-z_]\w*)|`([^`]+)`)")


class HeaderError(BadInputError, ValueError):
    """A query's header comment is missing a section or documents a parameter badly."""


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: str
    description: str
    has_default: bool = False
    default: Any = None

    @property
    def takes_text(self) -> bool:
        """Whether a command-line value is taken as it is (a string), not parsed as JSON."""
        return self.type.lower().startswith("str")


@dataclass(frozen=True)
class QueryHeader:
    purpose: str
    parameters: tuple[QueryParameter, ...]
    example: tuple[str, ...]

    @property
    def summary(self) -> str:
        """The purpose's first sentence."""
        first, _, _ = self.purpose.partition(". ")
        return first.rstrip(".")

    def parameter(self, name: str) -> QueryParameter | None:
        return next((parameter for parameter in self.parameters if parameter.name == name), None)

    def example_parameters(self) -> dict[str, Any]:
        """The values the example sets with `:param name => value;`."""
        matches = (_EXAMPLE_PARAMETER.match(line) for line in self.example)
        return {match["name"]: parse_literal(match["value"]) for match in matches if match is not None}

    def defaults(self) -> dict[str, Any]:
        return {parameter.name: parameter.default for parameter in self.parameters if parameter.has_default}


def parse_literal(text: str) -> Any:
    """A value as typed: JSON when it parses (numbers, booleans, null, lists, maps), else the text itself;
    a single-quoted string (Cypher style) loses its quotes."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == "'":
        return stripped[1:-1]
    try:
        return json.loads(stripped)
    except ValueError:
        return text


def _parameter(line: str) -> QueryParameter:
    match = _PARAMETER.match(line)
    if match is None:
        raise HeaderError(f"a Params line must read `$name (type[, default value]) description`: {line!r}")
    type_name, _, rest = match["spec"].partition(",")
    default = _DEFAULT.match(rest) if rest.strip() else None
    if rest.strip() and default is None:
        raise HeaderError(f"${match['name']}: expected `(type, default value)`, got ({match['spec']})")
    return QueryParameter(
        name=match["name"], type=type_name.strip(), description=match["description"].strip(),
        has_default=default is not None, default=parse_literal(default["value"]) if default else None,
    )


def header_lines(text: str) -> list[str]:
    """The leading `//` comment lines, without the slashes."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        lines.append(stripped[2:].strip())
    return lines


def parse_header(text: str) -> QueryHeader:
    """The query's Purpose, Params and Example (raises HeaderError when a section is missing)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in header_lines(text):
        match = _SECTION.match(line)
        if match is not None:
            current = sections.setdefault(match[1], [])
            if match[2]:
                current.append(match[2])
        elif current is not None and line:
            current.append(line)
    missing = [name for name in ("Purpose", "Params", "Example") if not sections.get(name)]
    if missing:
        raise HeaderError(f"header lacks {', '.join(f'// {name}:' for name in missing)}")
    parameter_lines = [line for line in sections["Params"] if line.lower() != "none"]
    return QueryHeader(
        purpose=" ".join(sections["Purpose"]),
        parameters=tuple(_parameter(line) for line in parameter_lines),
        example=tuple(sections["Example"]),
    )


def body_parameters(text: str) -> set[str]:
    """The `$parameters` a query's statement uses (comments and string literals are not looked at)."""
    return {plain or quoted for plain, quoted in _BODY_TOKEN.findall(text) if plain or quoted}
