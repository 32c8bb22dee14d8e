"""Which `.env` file settings read: the one `SOCKHOUND_ENV_FILE` names, else the project root's (beside
pyproject.toml). Never the working directory's: a `.env` lying in whatever directory a command runs from (a
download folder, another project) must not change the database, the keys or the listen address."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def env_file() -> Path:
    explicit = os.environ.get("SOCKHOUND_ENV_FILE")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            log.warning("SOCKHOUND_ENV_FILE names no file; no .env file is read")
        return path
    return PROJECT_ROOT / ".env"
