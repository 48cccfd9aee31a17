"""Retry a failed run from its failed node (completed outputs reused: no side effect repeated, no
token paid twice), retry from a chosen node, fork from a checkpoint with an edited state."""
from __future__ import annotations

import socket

import pytest

from runs.models import Checkpoint, Run
from tests.workflows.factories import chain, execute, http_node, make_workflow, node, run_workflow
from tests.workflows.service import LocalService

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pipeline(effect_url: str, publish_url: str) -> dict:
    return chain(node("start", "start"),
                 node("summarise", "prompt", {"model": "scripted/echo", "prompt": "Summary of {{ $.input.topic }}"}),
                 http_node("effect", effect_url, method="POST"),
                 http_node("publish", publish_url, method="POST"),
                 node("end", "end", inputs={"summary": "$.nodes.summarise.output.text",
                                            "published": "$.nodes.publish.output.status"}))


@pytest.fixture
def failed_run(wf_project, service):
    """A run that failed at `publish` (its service was down); the port is free for the test to bring it up."""
    port = free_port()
    make_workflow(wf_project, pipeline(f"{service.url}/effect", f"http://127.0.0.1:{port}/publish"))
    run = run_workflow(wf_project, input={"topic": "tea"})
    assert run.status == "failed" and run.error["details"]["node"] == "publish"
    assert service.counts["/effect"] == 1 and run.usage["input_tokens"] > 0
    return run, port


def test_retry_reuses_every_completed_node(wf_api, failed_run, service):
    run, port = failed_run
    with LocalService(port=port) as publisher:
        response = wf_api.post(f"/api/v1/runs/{run.pk}/retry", {}, format="json")
        assert response.status_code == 201, response.content
        retry = Run.objects.get(pk=response.json()["id"])
        assert retry.parent_run_id == run.pk and retry.workflow_version_id == run.workflow_version_id
        assert retry.status == "queued" and retry.input == run.input
        done = execute(retry)
    assert done.status == "succeeded", done.error
    assert done.output == {"summary": "Summary of tea", "published": 200}
    assert service.counts["/effect"] == 1  # the completed side effect was not repeated
    assert publisher.counts["/publish"] == 1
    assert done.usage["input_tokens"] == 0 and done.usage["output_tokens"] == 0  # no token paid twice


def test_retry_from_a_node_reruns_it_and_what_follows(wf_api, failed_run, service):
    run, port = failed_run
    with LocalService(port=port):
        response = wf_api.post(f"/api/v1/runs/{run.pk}/retry", {"from_node": "effect"}, format="json")
        done = execute(Run.objects.get(pk=response.json()["id"]))
    assert done.status == "succeeded", done.error
    assert service.counts["/effect"] == 2
    assert done.usage["input_tokens"] == 0  # the summary before it was still reused


def test_only_failed_workflow_runs_can_be_retried(wf_api, failed_run, wf_project):
    run, _ = failed_run
    unknown = wf_api.post(f"/api/v1/runs/{run.pk}/retry", {"from_node": "nope"}, format="json")
    assert unknown.status_code == 400 and "from_node" in unknown.json()["errors"]
    make_workflow(wf_project, chain(node("start", "start"), node("end", "end")), name="ok")
    succeeded = run_workflow(wf_project, "ok")
    conflict = wf_api.post(f"/api/v1/runs/{succeeded.pk}/retry", {}, format="json")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"


def test_fork_from_a_checkpoint_with_an_edited_state(wf_api, wf_project, service):
    make_workflow(wf_project, pipeline(f"{service.url}/effect", f"{service.url}/publish"))
    run = run_workflow(wf_project, input={"topic": "tea"})
    assert run.status == "succeeded", run.error
    listed = wf_api.get(f"/api/v1/runs/{run.pk}/checkpoints").json()["data"]
    assert [c["node"] for c in listed] == ["start", "summarise", "effect", "publish", "end"]
    after_summary = next(c["checkpoint"] for c in listed if c["node"] == "summarise")
    response = wf_api.post(f"/api/v1/runs/{run.pk}/fork", {
        "checkpoint": after_summary, "state_patch": {"nodes": {"summarise": {"output": {"text": "EDITED"}}}}},
        format="json")
    assert response.status_code == 201, response.content
    fork = execute(Run.objects.get(pk=response.json()["id"]))
    assert fork.status == "succeeded", fork.error
    assert fork.output == {"summary": "EDITED", "published": 200}
    assert fork.parent_run_id == run.pk
    assert service.counts == {"/effect": 2, "/publish": 2}  # the fork re-ran what came after its checkpoint
    assert fork.usage["input_tokens"] == 0
    keys = list(Checkpoint.objects.filter(run_id=fork.pk).order_by("idx").values_list("key", flat=True))
    assert keys[:3] == ["node:start", "node:summarise", "patch"]


def test_fork_from_the_start_with_a_new_input(wf_api, wf_project, service):
    make_workflow(wf_project, pipeline(f"{service.url}/effect", f"{service.url}/publish"))
    run = run_workflow(wf_project, input={"topic": "tea"})
    response = wf_api.post(f"/api/v1/runs/{run.pk}/fork", {"checkpoint": 0, "state_patch": {"input": {
        "topic": "coffee"}}}, format="json")
    fork = execute(Run.objects.get(pk=response.json()["id"]))
    assert fork.input == {"topic": "coffee"}
    assert fork.output["summary"] == "Summary of coffee"
    bad = wf_api.post(f"/api/v1/runs/{run.pk}/fork", {"checkpoint": 99}, format="json")
    assert bad.status_code == 400 and "checkpoint" in bad.json()["errors"]
    bad_patch = wf_api.post(f"/api/v1/runs/{run.pk}/fork", {"checkpoint": 1, "state_patch": {"x": 1}},
                            format="json")
    assert bad_patch.status_code == 400 and "state_patch.x" in bad_patch.json()["errors"]
