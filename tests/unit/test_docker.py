"""docker/: the compose file and the API image, read as text (there is no Docker engine to run them here)."""

from __future__ import annotations

import re
import shlex
from typing import Any

import yaml

from tests.conftest import REPO_ROOT

DOCKER = REPO_ROOT / "docker"
SECRET_NAME = re.compile(r"PASSWORD|KEY|SECRET|TOKEN|AUTH", re.IGNORECASE)
# Compose's own interpolation; `$${...}` is an escaped dollar, expanded later by the container's shell.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>\w+)(?P<rest>[^}]*)\}")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DOCKER / "compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", (DOCKER / "Dockerfile").read_text())
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1]) for line in lines]


def test_compose_runs_neo4j_and_the_api_after_neo4j_is_healthy() -> None:
    services = compose()["services"]
    assert set(services) == {"neo4j", "api"}
    assert "healthcheck" in services["neo4j"]
    api = services["api"]
    assert api["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    assert api["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"


def test_every_published_port_is_bound_to_loopback() -> None:
    published = {name: service.get("ports", []) for name, service in compose()["services"].items()}
    assert published["api"] == ["127.0.0.1:8000:8000"]
    assert set(published["neo4j"]) == {"127.0.0.1:7687:7687", "127.0.0.1:7474:7474"}
    for ports in published.values():
        assert all(str(port).startswith("127.0.0.1:") for port in ports)


def test_no_secret_has_a_default_value() -> None:
    """Secrets come from the environment and compose refuses to start without them (`${NAME:?message}`)."""
    text = (DOCKER / "compose.yml").read_text()
    for match in INTERPOLATION.finditer(text):
        if SECRET_NAME.search(match["name"]):
            assert match["rest"].startswith(":?"), f"${{{match['name']}{match['rest']}}} must be required"
    secrets_seen = set()
    for service in compose()["services"].values():
        for name, value in service.get("environment", {}).items():
            if SECRET_NAME.search(name):
                secrets_seen.add(name)
                referenced = INTERPOLATION.search(str(value))
                assert referenced is not None and referenced["rest"].startswith(":?"), f"{name} has a baked-in value"
    assert {"NEO4J_AUTH", "NEO4J_PASSWORD", "SOCKHOUND_API_KEYS", "SOCKHOUND_HASH_KEY"} <= secrets_seen


def test_api_image_installs_the_project_and_serves_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    copied = [shlex.split(arguments)[:-1] for keyword, arguments in instructions if keyword == "COPY"]
    sources = {source.rstrip("/") for sources in copied for source in sources}
    assert all((REPO_ROOT / source).exists() for source in sources), sources
    packages = {"sockhound", "queries", "loaders", "detect", "api", "simulator", "reporting"}
    assert packages | {"pyproject.toml", "README.md"} <= sources
    assert any(keyword == "RUN" and "pip install --require-hashes -r requirements.lock" in arguments
               and "pip install --no-deps --no-build-isolation ." in arguments for keyword, arguments in instructions)
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    keywords = [keyword for keyword, _ in instructions]
    assert keywords.index("USER") < keywords.index("CMD")
    command = dict(instructions)["CMD"]
    assert command.startswith('["sockhound", "serve", "--host", "0.0.0.0"')
    assert not any(keyword in {"ENV", "ARG"} and SECRET_NAME.search(arguments)
                   for keyword, arguments in instructions), "no secret may be baked into the image"


def test_build_context_sends_only_what_the_image_copies() -> None:
    """The context is the repository root: without the ignore file, .venv and var/ would be sent to the builder."""
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignore, "an allow-list: everything is ignored unless named"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = {source.rstrip("/") for keyword, arguments in dockerfile_instructions() if keyword == "COPY"
              for source in shlex.split(arguments)[:-1]}
    assert copied == allowed
