"""The sandboxed `code` tool inside an agent run: hostile snippets (host files, sockets, a fork
bomb, memory blow-up, an infinite loop, a 100 MB print) each end in a clear tool error for the
model, and the worker stays healthy: the next snippet runs and the run succeeds."""
import pytest

from runs.executor import execute_run
from runs.models import Event, Run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.runtime.tools.sandbox_helpers import needs_bwrap, sandbox_processes

HOSTILE = [
    ("passwd", "return open('/etc/passwd').read()", "code_error"),
    ("socket", "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=1)\nreturn 1", "code_error"),
    ("fork_bomb", "import os\nwhile True:\n    os.fork()", "code_error"),
    ("memory", "blocks = [bytearray(16 * 1024 * 1024) for _ in range(64)]\nreturn len(blocks)",
     "sandbox_limit_exceeded"),
    ("loop", "while True:\n    pass", "sandbox_limit_exceeded"),
    ("print", "line = 'x' * 1_000_000\nfor _ in range(100):\n    print(line)", "sandbox_limit_exceeded"),
]


@needs_bwrap
@pytest.mark.django_db(transaction=True)
def test_hostile_snippets_fail_safely_and_the_worker_stays_healthy(project):
    calls = [{"tool_calls": [{"name": "code", "arguments": {"code": code}, "id": name}]}
             for name, code, _ in HOSTILE]
    healthy = {"tool_calls": [{"name": "code", "arguments": {"code": "return input * 2", "input": 21}, "id": "ok"}]}
    scripted_agent(project, tools=[{"name": "code", "config": {"cpu_s": 1, "wall_s": 10, "memory_mb": 128}}],
                   limits={"max_tool_errors": 10, "max_steps": 20},
                   script=[*calls, healthy, {"text": "survived"}])
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json").json()["id"]

    assert execute_run(run_id) == "succeeded"
    completed = {e.data["call_id"]: e.data for e in Event.objects.filter(run_id=run_id, type="tool.completed")}
    for name, _, expected in HOSTILE:
        assert completed[name]["error"]["type"] == expected, (name, completed[name])
    assert "root:" not in str(completed["passwd"])
    assert completed["ok"]["output"]["result"] == 42
    assert Run.objects.get(pk=run_id).output == {"text": "survived"}
    assert sandbox_processes() == []
