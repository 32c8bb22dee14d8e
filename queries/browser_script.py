"""A query as a script to paste whole into Neo4j Browser: one `:param name => value;` line per parameter the
statement uses, then the statement (its header comment left out).

The header's `// Example:` lines are comments, so a query file pasted as it is fails with `ParameterMissing`;
`sockhound query NAME --browser -p ...` prints this instead. Browser runs the lines one after another (its
multi-statement editor, on by default). Values are written as Cypher literals, so `=>` keeps an integer an
integer (the `:param name: value` form would turn it into a float).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from queries import CypherQuery
from queries.header import body_parameters, header_lines

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def cypher_literal(value: Any) -> str:
    """A Python value (str, int, float, bool, None, list, dict) as a Cypher literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "0.0/0.0"
        if math.isinf(value):
            return "1.0/0.0" if value > 0 else "-1.0/0.0"
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
        return f"'{escaped}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(str(key))}: {cypher_literal(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"no Cypher literal for a {type(value).__name__}")


def _key(name: str) -> str:
    return name if _IDENTIFIER.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def statement(query: CypherQuery) -> str:
    """The query without its leading comment header."""
    lines = query.text.strip().splitlines()
    return "\n".join(lines[len(header_lines(query.text)):]).strip().rstrip(";")


def browser_script(query: CypherQuery, parameters: Mapping[str, Any]) -> str:
    """`:param` lines for exactly the parameters the statement uses (a KeyError names one not given), then the
    statement. No comment line leads: Browser would send it with the first `:param` as Cypher."""
    used = sorted(body_parameters(query.text))
    missing = [name for name in used if name not in parameters]
    if missing:
        raise KeyError(f"no value for {', '.join(f'${name}' for name in missing)}")
    lines = [f":param {_key(name)} => {cypher_literal(parameters[name])};" for name in used]
    return "\n".join([*lines, statement(query) + ";"]) + "\n"
