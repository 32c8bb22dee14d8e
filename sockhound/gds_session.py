"""Graph Data Science through the `graphdatascience` client, with projections that are always dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphdatascience import GraphDataScience

from queries import CypherQuery
from sockhound.graph import Graph


def open_gds(graph: Graph) -> GraphDataScience:
    """A GDS client over the graph's driver (no Arrow flight server in the open-source build)."""
    return GraphDataScience(graph.driver, database=graph.database, arrow=False, show_progress=False)


def projection_name(purpose: str) -> str:
    """Projection names carry their purpose and a run-unique suffix, so concurrent runs never collide."""
    return f"sockhound-{purpose}-{uuid.uuid4().hex[:12]}"


@contextmanager
def cypher_projection(
    gds: GraphDataScience, projection: CypherQuery, purpose: str, **parameters: Any
) -> Iterator[Any]:
    """Project a graph with a Cypher projection query (`$graphName` is filled in); drop it on exit.

    The query must end in `RETURN gds.graph.project($graphName, source, target, ...)`.
    """
    name = projection_name(purpose)
    projected = gds.graph.project.cypher(projection.text, graphName=name, **parameters)
    try:
        yield projected.graph
    finally:
        projected.graph.drop(fail_if_missing=False)
