"""Fixtures of the API and network-page tests: the small world detected once per module, and the real app
serving it."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from neo4j import Driver

from sockhound.settings import Settings
from tests.api_support import api_settings, served_api
from tests.detection_world import detected_world, detection_settings


@pytest.fixture(scope="module")
def world_graph(neo4j_settings: Settings, session_driver: Driver, tmp_path_factory: pytest.TempPathFactory
                ) -> pd.DataFrame:
    """Rings A and B, the company and the benign singles, loaded and detected once for the module; returns
    the verdicts indexed by account."""
    return detected_world(neo4j_settings, session_driver, tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def api_base_url(neo4j_settings: Settings, world_graph: pd.DataFrame) -> Iterator[str]:
    """The app on uvicorn over that world."""
    # No rate limit here: the fuzzer calls faster than any ban tool should (tests/integration/test_api_guard.py
    # tests the limits).
    with served_api(api_settings(neo4j_settings, sockhound_api_rate_limit=""), detection_settings()) as base_url:
        yield base_url
