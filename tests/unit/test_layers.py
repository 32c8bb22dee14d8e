"""The one-way layout (README, Layout): cli -> features -> core. An AST walk over every module, lazy imports
inside functions included, fails on an import that crosses a layer the wrong way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE = frozenset({"sockhound", "queries"})
FEATURES = frozenset({"api", "detect", "loaders", "reporting", "simulator"})
PACKAGES = CORE | FEATURES | {"cli"}
# Feature -> feature imports that are allowed, each with its reason:
#   api reads detect's settings and uses its explanation weights and allow-list key rules (one rule, not two);
#   reporting reports on detection (verdicts, evaluation, evidence kinds) and runs the connected-components
#   baseline over a batch read with the loaders' contract reader (bad rows never link anything).
ALLOWED: dict[str, frozenset[str]] = {
    "cli": PACKAGES,
    "sockhound": CORE,
    "queries": CORE,
    "api": CORE | {"api", "detect"},
    "detect": CORE | {"detect"},
    "loaders": CORE | {"loaders"},
    "reporting": CORE | {"reporting", "detect", "loaders"},
    "simulator": CORE | {"simulator"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages of ours that a module imports (relative imports stay in their package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PACKAGES


def crossings(root: Path) -> list[str]:
    problems = []
    for package, allowed in ALLOWED.items():
        for path in sorted((root / package).rglob("*.py")):
            for imported in sorted(imported_packages(path) - allowed):
                problems.append(f"{path.relative_to(root)} imports {imported}")
    return problems


def test_no_module_crosses_a_layer() -> None:
    assert crossings(REPO_ROOT) == []


def test_every_top_level_package_has_a_layer() -> None:
    packages = {path.parent.name for path in REPO_ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages <= set(ALLOWED), f"give {sorted(packages - set(ALLOWED))} a layer in ALLOWED"


@pytest.mark.parametrize(("package", "source", "crossing"), [
    ("sockhound", "from loaders.contract import TABLES\n", "imports loaders"),
    ("detect", "def lazy() -> None:\n    import loaders.batch_files\n", "imports loaders"),
    ("api", "from cli.support import cli_failure\n", "imports cli"),
    ("loaders", "from reporting import build\n", "imports reporting"),
])
def test_a_crossing_is_caught(tmp_path: Path, package: str, source: str, crossing: str) -> None:
    (tmp_path / package).mkdir()
    (tmp_path / package / "module.py").write_text(source)
    assert crossings(tmp_path) == [f"{package}/module.py {crossing}"]
