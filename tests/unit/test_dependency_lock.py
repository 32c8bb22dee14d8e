"""The hash-pinned locks cover what pyproject.toml asks for: a dependency added without `make lock` fails here
(make install and the image install only the lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: Path) -> dict[str, int]:
    """Package -> how many hashes it carries."""
    found: dict[str, int] = {}
    current = ""
    for line in lock.read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            current = canonical(line.split("==", 1)[0])
            found[current] = 0
        elif line.strip().startswith("--hash=sha256:") and current:
            found[current] += 1
    return found


def requested(extra: str | None) -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + (list(project["optional-dependencies"][extra]) if extra else [])
    names = set()
    for requirement in wanted:
        match = NAME.match(requirement)
        assert match is not None, requirement
        names.add(canonical(match.group(0).split("[", 1)[0]))
    return names


@pytest.mark.parametrize(("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")])
def test_every_dependency_is_pinned_with_hashes(lock: str, extra: str | None) -> None:
    locked = pinned(REPO_ROOT / lock)
    missing = requested(extra) - locked.keys()
    assert not missing, f"{sorted(missing)} not in {lock}: run `make lock`"
    assert all(count > 0 for count in locked.values()), "every pinned package carries its hashes"
    if extra is None:
        assert "pytest" not in locked, "the image's lock holds no development tools"


def versions(lock: Path) -> dict[str, str]:
    """Package -> pinned version."""
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split("==", 1)
            found[canonical(name)] = version.split()[0].rstrip("\\").strip()
    return found


def test_runtime_and_dev_locks_pin_the_same_versions() -> None:
    """The image runs what the tests ran: a package both locks hold has one version (`make lock` compiles the
    runtime lock constrained by the dev lock)."""
    runtime = versions(REPO_ROOT / "requirements.lock")
    dev = versions(REPO_ROOT / "requirements-dev.lock")
    differ = {name: (runtime[name], dev[name]) for name in runtime.keys() & dev.keys() if runtime[name] != dev[name]}
    assert not differ, f"runtime vs dev lock disagree: {differ}; run `make lock`"
    assert runtime.keys() <= dev.keys(), "the dev lock holds everything the image installs"
