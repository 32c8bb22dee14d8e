"""The graph's side of the hash-key check (sockhound/hash_key.py): store the check value at the first load,
and refuse a key whose check value differs from the stored one."""

from __future__ import annotations

from neo4j.exceptions import DriverError, Neo4jError

from sockhound.errors import DatabaseUnavailableError
from sockhound.graph import Graph, open_driver
from sockhound.hash_key import compare_check_values, key_check_value
from sockhound.settings import Settings


def verify_graph_key(graph: Graph, key: bytes, *, record: bool = False) -> None:
    """Raise HashKeyError when the graph was loaded with another key; with `record`, store this key's check
    value when the graph has none (the first load)."""
    own = key_check_value(key)
    if record:
        stored = graph.write("runtime/record_hash_key_check", {"value": own})[0]["value"]
    else:
        stored = graph.read("runtime/hash_key_check")[0]["value"]
    compare_check_values(stored, own)


def verify_graph_key_if_reachable(settings: Settings, key: bytes) -> bool:
    """`verify_graph_key` in one quick attempt; False when the database does not answer, or refuses the
    credentials (not checked: the API starts anyway and answers 503 until the database is there)."""
    driver = open_driver(settings)
    try:
        driver.verify_connectivity()  # fails at once; the named query below would retry for a minute
        verify_graph_key(Graph(settings, driver), key)
        return True
    except (DriverError, Neo4jError, OSError, DatabaseUnavailableError):
        return False
    finally:
        driver.close()
