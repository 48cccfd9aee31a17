"""Sample files are named by host and pid, so containers sharing PROMETHEUS_MULTIPROC_DIR (each
process pid 1 in its own container) never write the same file, and /metrics sums them all."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.multiprocess import MultiProcessCollector

from agent_platform.metrics.multiproc import ENV, process_identifier


def test_a_process_writes_files_named_by_host_and_pid():
    assert process_identifier().endswith(f"-{os.getpid()}") and "_" not in process_identifier()
    name = f"test_multiproc_{uuid.uuid4().hex[:8]}"
    Counter(name, "test counter", registry=None).inc(3)
    own = Path(os.environ[ENV]) / f"counter_{process_identifier()}.db"
    assert own.is_file() and name.encode() in own.read_bytes()


def test_two_hosts_with_the_same_pid_are_summed(tmp_path):
    name = f"test_multiproc_{uuid.uuid4().hex[:8]}"
    Counter(name, "test counter", registry=None).inc(2)
    own = Path(os.environ[ENV]) / f"counter_{process_identifier()}.db"
    # What two containers whose processes are both pid 1 leave in a shared directory.
    for host in ("api-7f3a", "worker-9c2e"):
        shutil.copy(own, tmp_path / f"counter_{host}-1.db")
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    assert registry.get_sample_value(f"{name}_total") == 4.0
