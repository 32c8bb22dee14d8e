"""Pid files that are trusted only as far as they can be checked.

A pid file can be stale (the pid reused by another program), empty or edited; `0` or `-1` handed to
`kill`/`killpg` signals this whole process group or every process we may signal. So a pid is used only
when it is above 1, alive, not a zombie, and its command line contains what we started it with.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import psutil


def process_alive(pid: int) -> bool:
    """Whether the pid names a running process (a zombie, exited but not reaped, counts as dead)."""
    if pid <= 1:
        return False
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def command_line_matches(pid: int, markers: Sequence[str]) -> bool:
    """Whether every marker is one of the process's arguments (False when it is gone or unreadable)."""
    try:
        arguments = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return all(marker in arguments for marker in markers)


def read_guarded_pid(pid_file: Path, markers: Sequence[str]) -> int | None:
    """The pid in the file when it is a live process started with all the markers on its command line."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not process_alive(pid) or not command_line_matches(pid, markers):
        return None
    return pid


def terminate(pid: int, grace_s: float, *, group: bool = False) -> bool:
    """SIGTERM (to the process group it leads, with `group`), then SIGKILL after the grace period.
    Returns True when it had to kill."""
    if pid <= 1:
        raise ValueError(f"refusing to signal pid {pid}")
    if group:
        try:
            if os.getpgid(pid) != pid:
                raise ValueError(f"pid {pid} does not lead its own process group")
        except ProcessLookupError:
            return False

    def send(sig: signal.Signals) -> None:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)

    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not process_alive(pid):
            return False
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGKILL)
    return True
