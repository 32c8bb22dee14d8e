"""The local runtime's database password: generated on the first `db start`, kept 0600 in the Neo4j home.

Nothing here puts the password on a command line. The admin tool that writes the initial user reads its
arguments from a 0600 argument file (`@file`, picocli's argument files, which Neo4j's admin tool keeps on),
so `ps` shows only the file's path.
"""

from __future__ import annotations

import os
import secrets
import string
from pathlib import Path

from sockhound.errors import DatabaseUnavailableError

PASSWORD_FILE_NAME = "password"
_ALPHABET = string.ascii_letters + string.digits  # no quote, no '#', no leading '-': safe in an argument file
_PASSWORD_LENGTH = 32  # about 190 bits


class Neo4jPasswordError(DatabaseUnavailableError):
    """No usable database password: the generated one is missing or unreadable, or a public one is set.

    A database that cannot be logged in to is unavailable (exit 3), as `sockhound.graph.open_driver` reports it."""


def password_file(home: Path) -> Path:
    return home / PASSWORD_FILE_NAME


def secure_home(home: Path) -> None:
    """Create the Neo4j home (0700): data, conf, logs and the password sit in it."""
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner may read (0600), whatever the umask, replacing any older one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    partial.replace(path)


def generated_password(home: Path) -> str:
    """The password the first `db start` generated for this home, creating it when there is none yet."""
    path = password_file(home)
    if not path.exists():
        secure_home(home)
        write_private(path, "".join(secrets.choice(_ALPHABET) for _ in range(_PASSWORD_LENGTH)) + "\n")
    return read_generated_password(home)


def read_generated_password(home: Path) -> str:
    path = password_file(home)
    try:
        password = path.read_text().strip()
    except FileNotFoundError:
        raise Neo4jPasswordError(
            f"NEO4J_PASSWORD is not set and the local runtime has no generated password yet ({path}): "
            "run `sockhound db start` first, or set NEO4J_PASSWORD"
        ) from None
    except OSError as error:
        raise Neo4jPasswordError(f"cannot read the local runtime's password file {path}: {error.strerror}") from None
    if not password:
        raise Neo4jPasswordError(f"the local runtime's password file {path} is empty")
    return password


def argument_file_text(*arguments: str) -> str:
    """Arguments in picocli's argument-file syntax: each double-quoted, with backslash and quote escaped."""
    quoted = ('"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"' for argument in arguments)
    return "\n".join(quoted) + "\n"
