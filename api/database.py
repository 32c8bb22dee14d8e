"""The API's side of Neo4j: one async driver for the app's lifetime, named queries, failures as 503.

The driver is created in the lifespan, never at import, and does not need the database to be up: a request
made while Neo4j is down gets 503 with Retry-After, and the driver's pool reconnects by itself once the server
answers again. Reads are routed as reads, writes as writes; each query carries its name as metadata and a
server-side timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, Query, Record, RoutingControl
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from api.problems import DatabaseDownError
from api.settings import ApiSettings
from queries import load_query
from sockhound.graph import unavailable_message

log = logging.getLogger(__name__)


def open_async_driver(settings: ApiSettings) -> AsyncDriver:
    auth = settings.neo4j_auth()
    return AsyncGraphDatabase.driver(
        settings.bolt_uri, auth=auth, user_agent="sockhound-api", notifications_min_severity="OFF",
        # Fail fast and let the client retry (503 + Retry-After) rather than hold requests for the driver's
        # default 30 s of retries and connection attempts.
        max_transaction_retry_time=1.0, connection_timeout=2.0, connection_acquisition_timeout=3.0,
        max_connection_pool_size=64,
    )


class GraphGateway:
    """Named queries against the graph, for request handlers."""

    def __init__(self, settings: ApiSettings, driver: AsyncDriver) -> None:
        self.settings = settings
        self.driver = driver

    async def read(self, name: str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """A read in an auto-commit transaction of a read-mode session.

        Not `execute_query`: its managed transaction and bookmark bookkeeping halve the reads a second the
        driver can issue (measured: ~1,000/s against ~2,000/s on these 2 cores), and a read here is never
        retried anyway (the client gets 503 + Retry-After instead).
        """
        query = self._query(name)
        try:
            async with self.driver.session(database=self.settings.neo4j_database,
                                           default_access_mode=READ_ACCESS) as session:
                result = await session.run(query, dict(parameters or {}))
                return [record async for record in result]
        except (ServiceUnavailable, SessionExpired, TransientError, OSError) as error:
            raise self._unavailable(name, error) from error

    async def write(self, name: str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """A write in a managed transaction (retried by the driver on transient errors, briefly)."""
        try:
            records, _, _ = await self.driver.execute_query(
                self._query(name), dict(parameters or {}), database_=self.settings.neo4j_database,
                routing_=RoutingControl.WRITE)
        except (ServiceUnavailable, SessionExpired, TransientError, OSError) as error:
            raise self._unavailable(name, error) from error
        return records

    def _query(self, name: str) -> Query:
        named = load_query(name)
        return Query(named.text, metadata=named.metadata, timeout=self.settings.sockhound_api_query_timeout_s)

    def _unavailable(self, name: str, error: BaseException) -> DatabaseDownError:
        log.warning("query %s: %s", name, unavailable_message(self.settings, error))
        return DatabaseDownError(f"the graph database is unavailable: {type(error).__name__}",
                                 self.settings.sockhound_api_retry_after_s)
