"""The prometheus_client multiprocess directory of this host.

Daphne, the workers and the scheduler write their counters and histograms to memory-mapped files
here (one per process and metric type); `/metrics` merges them. The variable must be set before
prometheus_client is first imported (it picks its value class at import), so settings call
`prepare()` before any app code runs. `serve up` calls `reset()` before it starts the processes:
a counter then restarts from zero, which Prometheus reads as a counter reset.

The files are named by process: prometheus_client's default is the pid, which is not unique when
containers share the directory (docker compose: the API, every worker replica and the scheduler are
each pid 1 in their own container, and would write the same `counter_1.db`). Here a process is
`<hostname>-<pid>` (a container's hostname is its own), so processes of several containers or hosts
can share one directory safely.
"""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
# "_" separates the parts of a sample file's name (prometheus_client.multiprocess): not in the host part.
_HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"


def process_identifier() -> str:
    """What names this process's sample files: distinct for every process running at the same time on
    any host sharing the directory; it changes after a fork, as the pid does (the child starts afresh)."""
    return f"{_HOST}-{os.getpid()}"


def prepare(var_dir: Path) -> str:
    """Use `$PROMETHEUS_MULTIPROC_DIR`, else `<var>/prometheus`, for this process and its children,
    with sample files named by `process_identifier()`."""
    directory = os.environ.setdefault(ENV, str(var_dir / "prometheus"))
    Path(directory).mkdir(parents=True, exist_ok=True)
    from prometheus_client import values  # reads the variable at import: multiprocess mode

    if getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.MultiProcessValue(process_identifier)
    return directory


def reset(var_dir: Path) -> int:
    """Delete the samples of earlier processes (only while none of this host's processes run)."""
    directory = Path(os.environ.get(ENV) or var_dir / "prometheus")
    removed = 0
    if directory.is_dir():
        for path in directory.glob("*.db"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
