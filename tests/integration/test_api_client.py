"""A client generated with `openapi-python-client` from the app's own schema, against the real app served by
uvicorn over a real Neo4j: reads come back as typed models, and errors (404, 422, 401) as typed `Problem`s,
never as `None` (the schema declares them under `application/problem+json`, the media type the server sends)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from api.app import create_app
from api.problems import PROBLEM_MEDIA_TYPE
from sockhound.settings import Settings
from tests.api_support import READ_KEY, WRONG_KEY, api_settings
from tests.detection_world import RING_A, detection_settings

PACKAGE = "sockhound_generated_client"


def app_schema() -> dict[str, Any]:
    """The schema as the app builds it (building the app touches no database)."""
    return create_app(api_settings(Settings(neo4j_uri="bolt://127.0.0.1:1")), detection_settings()).openapi()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    folder = tmp_path_factory.mktemp("client")
    (folder / "openapi.json").write_text(json.dumps(app_schema()))
    tools = Path(sys.executable).parent  # the venv's openapi-python-client, and the ruff it formats with
    generator = tools / "openapi-python-client"
    assert generator.is_file(), "openapi-python-client is missing: `make install` (it is a dev dependency)"
    result = subprocess.run(
        [str(generator), "generate", "--path", str(folder / "openapi.json"), "--output-path",
         str(folder / PACKAGE), "--meta", "none"],
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_schema_names_operations_declares_problems_and_shares_one_verdict() -> None:
    schema = app_schema()
    operations = {operation["operationId"]: operation
                  for path in schema["paths"].values() for operation in path.values()}
    assert {"get_account", "lookup_accounts", "list_account_links", "list_networks", "get_network",
            "list_network_members", "get_network_case", "get_latest_run", "record_labels"} <= operations.keys()
    assert all(name.isidentifier() and "_v1_" not in name for name in operations)
    for name, operation in operations.items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (name, status)
                assert response["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
    components = schema["components"]["schemas"]
    assert components["Verdict"]["enum"] == ["sockpuppet", "suspect", "clear"]
    assert not [name for name in components if name != "Verdict" and "verdict" in name.lower()
                and "enum" in components[name]], "one Verdict enum"
    assert components["AccountSummary"]["properties"]["verdict"] == {"$ref": "#/components/schemas/Verdict"}


def test_generated_client_reads_typed_models_and_gets_typed_problems(
    generated: ModuleType, api_base_url: str, world_graph: pd.DataFrame
) -> None:
    networks = importlib.import_module(f"{PACKAGE}.api.networks.list_networks")
    models = importlib.import_module(f"{PACKAGE}.models")
    get_account = importlib.import_module(f"{PACKAGE}.api.accounts.get_account")
    lookup_accounts = importlib.import_module(f"{PACKAGE}.api.accounts.lookup_accounts")

    member = RING_A[3]
    with generated.AuthenticatedClient(base_url=api_base_url, token=READ_KEY) as client:
        account = get_account.sync(member, client=client)
        assert isinstance(account, models.AccountVerdict), account
        assert account.account_id == member
        assert account.verdict == models.Verdict.SOCKPUPPET == models.Verdict(world_graph.loc[member, "verdict"])
        assert account.top_evidence and isinstance(account.top_evidence[0], models.EvidenceRecord)

        found = lookup_accounts.sync(client=client, body=models.LookupRequest(account_ids=[member, "nobody-here"]))
        assert isinstance(found, models.LookupResponse)
        assert [item.account_id for item in found.accounts] == [member] and found.not_found == ["nobody-here"]
        assert isinstance(found.accounts[0], models.AccountSummary)

        listed = networks.sync(client=client, status="any")
        assert isinstance(listed, models.NetworksPage) and listed.networks
        assert {network.network_id for network in listed.networks} == {
            network_id for network_id in world_graph["network_id"] if network_id}

        missing = get_account.sync_detailed("no-such-account", client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, models.Problem), missing.content
        assert missing.parsed.status == 404 and missing.parsed.type_.endswith("/account-not-found")

        invalid = get_account.sync(member, client=client, evidence=51)
        assert isinstance(invalid, models.Problem), invalid
        assert invalid.status == 422 and [error.field for error in invalid.errors] == ["query.evidence"]

    with generated.AuthenticatedClient(base_url=api_base_url, token=WRONG_KEY) as stranger:
        refused = get_account.sync(member, client=stranger)
        assert isinstance(refused, models.Problem) and refused.status == 401
