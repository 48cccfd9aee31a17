"""`manage.py run_eval` as CI runs it: a real process, local services or a remote platform."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

from tests.e2e.servers import ROOT, child_env
from tests.evals.helpers import create_agent, create_dataset

ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha"}, {"id": "b", "input": "beta", "expected": "beta"},
         {"id": "c", "input": "gamma", "expected": "delta"}]


def run_eval(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "run_eval", *args], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=timeout)


def test_exit_0_when_thresholds_hold_with_junit_markdown_and_json(e2e_project, tmp_path):
    create_agent(e2e_project, "echo", [{"echo": True}])
    create_dataset(e2e_project, "qa", ITEMS)
    junit, markdown, report = tmp_path / "r.xml", tmp_path / "r.md", tmp_path / "r.json"
    done = run_eval("--project", e2e_project.slug, "--agent", "echo", "--dataset", "qa@1", "--metric", "exact",
                    "--metric", "icontains:value=A", "--threshold", "pass_rate(exact) >= 0.6", "--concurrency", "2",
                    "--junit", str(junit), "--markdown", str(markdown), "--json", str(report))
    assert done.returncode == 0, done.stderr
    assert "3/3 succeeded" in done.stderr  # the progress bar
    assert "PASS  pass_rate(exact) >= 0.6" in done.stdout and "passed" in done.stdout
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "7" and root.get("failures") == "1"
    assert "| exact |" in markdown.read_text()
    body = json.loads(report.read_text())
    assert body["summary"]["exact"]["pass_rate"] == 0.666667 and body["passed"] is True


def test_exit_1_on_a_threshold_failure(e2e_project, tmp_path):
    create_agent(e2e_project, "echo", [{"echo": True}])
    create_dataset(e2e_project, "qa", ITEMS)
    config = tmp_path / "eval.yaml"
    config.write_text(f"project: {e2e_project.slug}\nagent: echo\ndataset: qa\nmetrics:\n  - type: exact\n"
                      "thresholds:\n  - pass_rate(exact) >= 0.9\n")
    junit = tmp_path / "r.xml"
    done = run_eval("--config", str(config), "--junit", str(junit))
    assert done.returncode == 1, done.stderr
    assert "FAIL  pass_rate(exact) >= 0.9" in done.stdout and "FAILED" in done.stdout
    thresholds = [s for s in ET.parse(junit).getroot() if s.get("name").endswith(".thresholds")][0]
    assert thresholds.get("failures") == "1"


def test_exit_2_on_bad_usage(e2e_project):
    create_agent(e2e_project, "echo", [{"echo": True}])
    create_dataset(e2e_project, "qa", ITEMS)
    unknown = run_eval("--project", e2e_project.slug, "--agent", "echo", "--dataset", "qa", "--metric", "vibes")
    assert unknown.returncode == 2 and "metrics[0].type" in unknown.stderr
    no_dataset = run_eval("--project", e2e_project.slug, "--agent", "echo", "--metric", "exact")
    assert no_dataset.returncode == 2 and "--dataset" in no_dataset.stderr
    not_requested = run_eval("--project", e2e_project.slug, "--agent", "echo", "--dataset", "qa", "--metric",
                             "exact", "--threshold", "mean(contains) >= 1")
    assert not_requested.returncode == 2 and "does not request" in not_requested.stderr
    from evals.models import EvalRun

    assert not EvalRun.objects.filter(project=e2e_project).exists()


def test_exit_2_when_the_platform_is_unreachable(e2e_project):
    done = run_eval("--api-url", "http://127.0.0.1:9", "--api-key", "nope", "--agent", "echo", "--dataset", "qa",
                    "--metric", "exact")
    assert done.returncode == 2 and "infrastructure error" in done.stderr


def test_remote_mode_over_http(http, e2e_project, tmp_path):
    create_agent(e2e_project, "echo", [{"echo": True}])
    create_dataset(e2e_project, "qa", ITEMS)
    junit = tmp_path / "remote.xml"
    done = run_eval("--api-url", str(http.base_url), "--api-key", http.raw_key, "--agent", "echo", "--dataset", "qa",
                    "--metric", "exact", "--threshold", "pass_rate(exact) >= 0.6", "--junit", str(junit))
    assert done.returncode == 0, done.stderr + done.stdout
    assert ET.parse(junit).getroot().get("failures") == "1"
    refused = run_eval("--api-url", str(http.base_url), "--api-key", http.raw_key, "--agent", "echo", "--dataset",
                       "qa", "--metric", "vibes")
    assert refused.returncode == 2 and "unknown metric type" in refused.stderr
