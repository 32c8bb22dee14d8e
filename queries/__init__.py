"""Every line of sockhound's Cypher, as `.cypher` files below this folder, loaded by name.

A query's name is its path below `queries/` without the suffix: `schema/0001_constraints`,
`analyst/network_of_account`. Values always travel as `$parameters`, never formatted into the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sockhound.errors import BadInputError

QUERY_ROOT = Path(__file__).resolve().parent
SUFFIX = ".cypher"


class UnknownQueryError(BadInputError, KeyError):
    """No `.cypher` file has that name."""


@dataclass(frozen=True)
class CypherQuery:
    """A named query: its text and the metadata that tags it in Neo4j's query log."""

    name: str
    text: str

    @property
    def metadata(self) -> dict[str, str]:
        return {"app": "sockhound", "query": self.name}

    def statements(self) -> list[str]:
        """The file's statements, for files (schema migrations) that hold several separated by `;`."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("//"))
        return [statement.strip() for statement in body.split(";") if statement.strip()]


@cache
def load_query(name: str) -> CypherQuery:
    path = (QUERY_ROOT / f"{name}{SUFFIX}").resolve()
    if QUERY_ROOT not in path.parents or not path.is_file():
        raise UnknownQueryError(f"no query named {name!r} (looked for {path})")
    return CypherQuery(name=name, text=path.read_text(encoding="utf-8"))


def query_names(folder: str = "") -> list[str]:
    """All query names below a folder, sorted (migrations rely on the order)."""
    base = QUERY_ROOT / folder
    return sorted(str(path.relative_to(QUERY_ROOT).with_suffix("")) for path in base.rglob(f"*{SUFFIX}"))
