"""Checkpoints are append-only deltas; large values are stored once and referenced."""
import pytest

from runs.models import Blob, Checkpoint, Run
from runs.store import RunStore
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def new_run(project) -> Run:
    scripted_agent(project, name="a")
    api = client_for(make_key(project, "developer"))
    return Run.objects.get(pk=api.post("/api/v1/runs", {"agent": "a", "input": {"message": "x"}},
                                       format="json").json()["id"])


def test_large_values_are_stored_once_and_resolved_on_load(project):
    run = new_run(project)
    store = RunStore(run.pk)
    big = {"rows": ["x" * 100 for _ in range(1000)]}  # ~100 KB of JSON
    store.append_checkpoint(run.pk, "turn:1", {"kind": "tool", "result": big})
    store.append_checkpoint(run.pk, "turn:2", {"kind": "tool", "result": big})
    rows = list(Checkpoint.objects.filter(run=run).order_by("idx"))
    assert [r.idx for r in rows] == [0, 1]
    assert all(set(r.delta["result"]) == {"$blob"} for r in rows)
    assert Blob.objects.count() == 1
    assert store.load_checkpoints(run.pk)[1]["result"] == big


def test_checkpoint_storage_grows_linearly_with_turns(project):
    script = [{"tool_calls": [{"name": "kv", "arguments": {"op": "get", "key": f"k{i}"}}]} for i in range(12)]
    scripted_agent(project, name="looper", tools=["kv"], script=[*script, {"text": "done"}],
                   limits={"max_steps": 20})
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "looper", "input": {"message": "x"}}, format="json").json()["id"]
    from runs.executor import execute_run
    assert execute_run(run_id) == "succeeded"
    sizes = [len(str(c.delta)) for c in Checkpoint.objects.filter(run_id=run_id).order_by("idx")]
    assert len(sizes) >= 24
    later = sizes[4:-1]  # steady-state turns (tool call + tool result deltas)
    assert max(later) < 3 * min(later), sizes  # per-turn deltas, not growing snapshots
