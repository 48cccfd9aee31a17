"""`manage.py serve_metrics`: another process's samples (shared PROMETHEUS_MULTIPROC_DIR) on a port
of its own, behind the same scrape token; it refuses to start without one."""
from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from agent_platform.metrics import instruments
from tests.e2e.servers import ROOT, child_env, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
TOKEN = "worker-scrape-token"


def test_serves_this_hosts_samples_behind_the_token():
    project = f"p-{uuid.uuid4().hex[:8]}"
    instruments.runs_started.labels(project=project, target_kind="agent", target="a", version="1",
                                    environment="dev").inc(3)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "manage.py", "serve_metrics", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=child_env(PLATFORM_METRICS_TOKEN=TOKEN), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()  # blocks until the server is bound (or the command died)
        assert line.startswith("serving metrics on"), line
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        answer = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        values = {(s.name, s.labels.get("project")): s.value
                  for family in text_string_to_metric_families(answer.text) for s in family.samples}
        assert values[("platform_runs_started_total", project)] == 3
        assert httpx.get(f"http://127.0.0.1:{port}/other", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_refuses_to_start_without_a_token():
    done = subprocess.run([sys.executable, "manage.py", "serve_metrics", "--port", str(free_port())], cwd=ROOT,
                          env=child_env(PLATFORM_METRICS_TOKEN=""), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PLATFORM_METRICS_TOKEN is not set" in done.stderr
