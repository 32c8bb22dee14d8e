"""A clone runs alone: the prompt pools ship in the repository (simulator/data/prompts, package data) and are
found with no environment variable, a missing pool fails with a message saying what to do, the data contract is
docs/contract.md, and nothing refers to a folder beside the clone."""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from simulator.prompts import POOL_FILES, PromptPoolsMissing, load_pools, pool_path, prompts_dir
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "simulator"
# Text files of the repository that code, tests, docs, CI and Docker are made of.
TEXT_SUFFIXES = {".py", ".md", ".sh", ".toml", ".yml", ".yaml", ".cypher", ".js", ".html", ".css", ".txt", ".cfg"}
TEXT_NAMES = {"Makefile", "Dockerfile", "run"}
NOT_SOURCE = {".git", ".venv", "var", "report", "artifacts", "build", "dist", "vendor", "__pycache__"}


def test_pools_are_found_inside_the_clone_with_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCKHOUND_PROMPTS_DIR", raising=False)
    folder = prompts_dir()
    assert folder.resolve().is_relative_to(REPO_ROOT.resolve()), folder
    for name in POOL_FILES:
        assert pool_path(name).stat().st_size > 100_000
    pools = load_pools()
    assert len(pools.user_texts) > 9_000 and len(pools.app_names) > 250
    assert len(pools.math_tasks) == 8_792 and len(pools.code_tasks) == 164
    # attribution and the upstream licences travel with the text
    attribution = (folder / "README.md").read_text()
    assert "Apache-2.0" in attribution and "MIT" in attribution
    licences = {path.name: path.read_text() for path in (folder / "licenses").glob("*.LICENSE")}
    assert set(licences) == {"self-instruct.LICENSE", "grade-school-math.LICENSE", "human-eval.LICENSE"}
    assert "Apache License" in licences["self-instruct.LICENSE"]
    assert all("MIT License" in licences[name] for name in ("grade-school-math.LICENSE", "human-eval.LICENSE"))


def test_pools_and_licences_are_package_data() -> None:
    """A regular install (the Docker image's `pip install .`) carries every file of the pool directory."""
    package_data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    declared = {path for pattern in package_data.get("simulator", []) for path in PACKAGE.glob(pattern)}
    shipped = {path for path in (PACKAGE / "data" / "prompts").rglob("*") if path.is_file()}
    assert shipped and shipped <= declared, sorted(str(path) for path in shipped - declared)


def test_a_missing_pool_fails_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(pool_path("tasks.jsonl.gz"), tmp_path / "tasks.jsonl.gz")
    monkeypatch.setenv("SOCKHOUND_PROMPTS_DIR", str(tmp_path))
    assert prompts_dir() == tmp_path
    with pytest.raises(PromptPoolsMissing, match=r"benign\.jsonl\.gz not found.*SOCKHOUND_PROMPTS_DIR is set"):
        load_pools()
    monkeypatch.delenv("SOCKHOUND_PROMPTS_DIR")
    with pytest.raises(PromptPoolsMissing, match=r"simulator/data/prompts \(restore them with git\)"):
        pool_path("benign.jsonl.gz", tmp_path / "nowhere")


def source_files() -> list[Path]:
    found = []
    for folder, subfolders, names in os.walk(REPO_ROOT):
        subfolders[:] = [name for name in subfolders if name not in NOT_SOURCE and not name.endswith(".egg-info")]
        found += [Path(folder) / name for name in names if Path(name).suffix in TEXT_SUFFIXES or name in TEXT_NAMES]
    return found


def test_nothing_refers_to_a_folder_beside_the_clone() -> None:
    beside = re.compile(r"\.\./" + "shared|shared/data/" + "prompts|shared/" + "CONTRACT")
    files = source_files()
    assert REPO_ROOT / "Makefile" in files and REPO_ROOT / ".ci" / "run" in files
    offending = [f"{path.relative_to(REPO_ROOT)}:{number}" for path in files
                 for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
                 if beside.search(line)]
    assert not offending, offending


def test_the_contract_is_in_the_repository_and_validate_names_it() -> None:
    contract = (REPO_ROOT / "docs" / "contract.md").read_text()
    assert contract.startswith("# sockhound data contract (v1)")
    assert all(f"### {table}" in contract for table in ("accounts", "payment_methods", "exchanges"))
    result = CliRunner().invoke(app, ["validate", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0 and "docs/contract.md" in result.output, result.output
    assert "docs/contract.md" in (REPO_ROOT / "README.md").read_text()
