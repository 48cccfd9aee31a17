"""The official `openai` npm package (tests/surfaces/js, `node --test`) against `/v1` on the live
server: streamed and non-streamed answers, a tool-using agent, history, OpenAI-shaped errors."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from accounts import services
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def node_modules():
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the openai npm package test")
    if not (JS / "node_modules" / "openai").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=300)


def test_openai_npm_package_gets_answers(node_modules, base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="echo", script=[{"echo": True, "prefix": "You said: "}])
    scripted_agent(surface_project, name="talker", script=[{"text": "one two three four five six seven eight"}])
    scripted_agent(surface_project, name="keeper", tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "note", "value": "{message}"}}], "text": ""},
        {"text": "Stored: {message}"}])
    other = services.create_project(slug=f"{surface_project.slug}-js")
    scripted_agent(other, name="theirs")
    result = subprocess.run(["node", "--test", "chat.test.mjs"], cwd=JS, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "AP_BASE_URL": base_url, "AP_API_KEY": surface_key})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# pass 5" in result.stdout and "# fail 0" in result.stdout
