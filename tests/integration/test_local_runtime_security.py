"""The local runtime against what a web page or an analyst query on this machine could try: another
origin's requests, the old public password, LOAD CSV into files and the machine's own services, secrets
left readable. One server with the Browser's HTTP on, for the module."""

from __future__ import annotations

import http.server
import stat
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from neo4j import GraphDatabase, Query
from neo4j.exceptions import AuthError, ClientError

from sockhound.runtime import credentials, local_neo4j
from sockhound.settings import RETIRED_LOCAL_PASSWORD, Settings
from tests.conftest import free_port

LOAD_CSV = (Path(__file__).parent / "cypher" / "load_csv_from.cypher").read_text()


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        neo4j_uri=None, neo4j_password=None, sockhound_neo4j_home=tmp_path_factory.mktemp("hardened") / "home",
        sockhound_bolt_port=free_port(), sockhound_http_port=free_port(), sockhound_heap_size="512m",
        sockhound_pagecache_size="64m",
    )
    with local_neo4j.running_server(settings):
        yield settings


def http_request(settings: Settings, path: str, method: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(f"http://127.0.0.1:{settings.sockhound_http_port}{path}", method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_another_origin_gets_no_cors_grant_and_no_cypher_endpoint(browser_server: Settings) -> None:
    preflight = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    for path in ("/", "/db/neo4j/tx/commit", "/db/neo4j/query/v2"):
        status, headers = http_request(browser_server, path, "OPTIONS", preflight)
        granted = headers.get("Access-Control-Allow-Origin")
        assert granted in (None, f"http://127.0.0.1:{browser_server.sockhound_http_port}"), (path, granted)
    password = browser_server.neo4j_auth()[1]
    for path in ("/db/neo4j/tx/commit", "/db/neo4j/query/v2"):
        status, _ = http_request(browser_server, path, "POST", {"Content-Type": "application/json"})
        assert status == 404, f"{path}: only the Browser module may be served over HTTP"
    assert password  # the endpoints are gone, not merely guarded by the password
    status, _ = http_request(browser_server, "/browser/", "GET", {})
    assert status == 200, "Neo4j Browser itself is still served"


def test_the_old_default_password_no_longer_logs_in(browser_server: Settings) -> None:
    with GraphDatabase.driver(browser_server.bolt_uri, auth=("neo4j", RETIRED_LOCAL_PASSWORD)) as driver, \
            pytest.raises(AuthError):
        driver.verify_connectivity()
    with GraphDatabase.driver(browser_server.bolt_uri, auth=browser_server.neo4j_auth()) as driver:
        driver.verify_connectivity()


def test_secrets_are_private_and_the_password_is_on_no_command_line(browser_server: Settings) -> None:
    layout = local_neo4j.RuntimeLayout.from_settings(browser_server)
    assert stat.S_IMODE(layout.home.stat().st_mode) == 0o700
    for secret in (layout.conf / "neo4j.conf", layout.auth_file, credentials.password_file(layout.home)):
        assert stat.S_IMODE(secret.stat().st_mode) & 0o077 == 0, f"{secret.name} is readable by others"
    assert not (layout.run / "initial-password.args").exists(), "the admin tool's argument file is removed"
    password = browser_server.neo4j_auth()[1]
    server_pid = local_neo4j.status(browser_server).pid
    assert server_pid is not None
    assert not any(password in argument for argument in psutil.Process(server_pid).cmdline())


@pytest.fixture
def local_csv_service() -> Iterator[int]:
    """An HTTP service on loopback serving a CSV, standing for the API or a cloud metadata endpoint."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"a,b\n1,2\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def load_csv_error(settings: Settings, url: str) -> str:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.neo4j_auth()) as driver, \
            driver.session(database=settings.neo4j_database) as session:
        try:
            session.run(Query(LOAD_CSV), {"url": url}).consume()
        except ClientError as error:
            return str(error.message)
    return ""


def test_load_csv_reads_no_file_and_no_address_of_this_machine(browser_server: Settings, tmp_path: Path,
                                                               local_csv_service: int) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n")
    refused_file = load_csv_error(browser_server, secret.as_uri())
    assert "allow_csv_import_from_file_urls" in refused_file, refused_file
    for host in ("127.0.0.1", "localhost"):
        refused = load_csv_error(browser_server, f"http://{host}:{local_csv_service}/data.csv")
        assert "blocked" in refused and "cypher_ip_blocklist" in refused, (host, refused)
