"""Settings read `.env` only from SOCKHOUND_ENV_FILE or the project root, never from the working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PRINT_PORT = "from api.settings import ApiSettings; print(ApiSettings().sockhound_api_port)"


def api_port(cwd: Path, **extra: str) -> str:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SOCKHOUND_API_PORT", "SOCKHOUND_ENV_FILE")}
    environment.update(extra, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run([sys.executable, "-c", PRINT_PORT], cwd=cwd, env=environment, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout.strip()


def test_a_dotenv_in_the_working_directory_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SOCKHOUND_API_PORT=4321\n")
    assert api_port(tmp_path) == "8000"


def test_an_explicit_env_file_is_read(tmp_path: Path) -> None:
    chosen = tmp_path / "sockhound.env"
    chosen.write_text("SOCKHOUND_API_PORT=4321\n")
    assert api_port(tmp_path, SOCKHOUND_ENV_FILE=str(chosen)) == "4321"
