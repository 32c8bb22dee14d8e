"""Settings, the query library and the runtime's pure helpers, without a database."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import pytest

from queries import QUERY_ROOT, UnknownQueryError, load_query, query_names
from sockhound.runtime import local_neo4j
from sockhound.settings import Settings


def test_neo4j_uri_from_environment_replaces_the_local_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://cluster.example:7687")
    settings = Settings()
    assert settings.bolt_uri == "neo4j+s://cluster.example:7687"
    assert not settings.uses_local_runtime
    monkeypatch.delenv("NEO4J_URI")
    monkeypatch.setenv("SOCKHOUND_BOLT_PORT", "17999")
    assert Settings().bolt_uri == "bolt://127.0.0.1:17999"


def test_queries_load_by_name_and_refuse_paths_outside_the_library() -> None:
    migration = load_query("schema/0001_core_constraints")
    assert migration.metadata == {"app": "sockhound", "query": "schema/0001_core_constraints"}
    statements = migration.statements()
    assert all(statement.startswith("CREATE CONSTRAINT") for statement in statements)
    assert len(statements) >= 10
    with pytest.raises(UnknownQueryError):
        load_query("schema/does_not_exist")
    with pytest.raises(UnknownQueryError):
        load_query("../pyproject")
    assert query_names("schema") == sorted(query_names("schema"))
    assert "runtime/server_versions" in query_names()


def test_no_cypher_file_formats_values_into_text() -> None:
    """Values travel as $parameters: no Python format placeholders in any query file."""
    for path in QUERY_ROOT.rglob("*.cypher"):
        text = path.read_text()
        assert "{}" not in text and "%s" not in text and "{0}" not in text, path


def test_layout_keeps_jars_in_the_cache_and_instances_apart(tmp_path: Path) -> None:
    settings = Settings(sockhound_cache_dir=tmp_path / "cache", sockhound_neo4j_home=tmp_path / "home")
    layout = local_neo4j.RuntimeLayout.from_settings(settings)
    pom = resources.files("sockhound.runtime").joinpath("pom.xml").read_bytes()
    jar_set = f"neo4j-5.26.24-gds-2.13.9-{hashlib.sha256(pom).hexdigest()[:10]}"
    assert layout.lib == tmp_path / "cache" / jar_set / "lib", "a changed pom.xml must resolve into a new directory"
    assert layout.pid_file.parent.parent == tmp_path / "home"
    conf = local_neo4j._neo4j_conf(settings, layout)
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.procedures.unrestricted=gds.*" in conf
    assert f"server.bolt.listen_address=127.0.0.1:{settings.sockhound_bolt_port}" in conf


def test_http_is_loopback_only_and_port_zero_turns_it_off(tmp_path: Path) -> None:
    settings = Settings(neo4j_uri=None, sockhound_neo4j_home=tmp_path, sockhound_http_port=17474)
    conf = local_neo4j._neo4j_conf(settings, local_neo4j.RuntimeLayout.from_settings(settings))
    assert "server.http.enabled=true" in conf
    assert "server.http.listen_address=127.0.0.1:17474" in conf
    assert "server.https.enabled=false" in conf
    assert settings.browser_url == "http://127.0.0.1:17474/browser/"
    off = settings.model_copy(update={"sockhound_http_port": 0})
    off_conf = local_neo4j._neo4j_conf(off, local_neo4j.RuntimeLayout.from_settings(off))
    assert "server.http.enabled=false" in off_conf
    assert "server.http.listen_address" not in off_conf
    assert off.browser_url is None
    assert settings.model_copy(update={"neo4j_uri": "bolt://elsewhere:7687"}).browser_url is None


def test_bolt_and_http_on_one_port_are_refused(tmp_path: Path) -> None:
    settings = Settings(neo4j_uri=None, sockhound_neo4j_home=tmp_path, sockhound_bolt_port=17687,
                        sockhound_http_port=17687)
    with pytest.raises(local_neo4j.LocalRuntimeError, match="both 17687"):
        local_neo4j._check_ports(settings)
