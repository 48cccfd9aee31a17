"""The prometheus_client multiprocess directory of this host.

Daphne, the workers and the scheduler write their counters and histograms to memory-mapped files
here (one per process and metric type); `/metrics` merges them. The variable must be set before
prometheus_client is first imported (it picks its value class at import), so settings call
`prepare()` before any app code runs. `serve up` calls `reset()` before it starts the processes:
a counter then restarts from zero, which Prometheus reads as a counter reset.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(var_dir: Path) -> str:
    """Use `$PROMETHEUS_MULTIPROC_DIR`, else `<var>/prometheus`, for this process and its children."""
    directory = os.environ.setdefault(ENV, str(var_dir / "prometheus"))
    Path(directory).mkdir(parents=True, exist_ok=True)
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
