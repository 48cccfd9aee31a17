"""A run's `environment`: null when it named a version, the environment's name when its version was
resolved through one — the same in the run API, in `run.queued`, and on the runs a retry or a fork
makes of it."""
from __future__ import annotations

import socket

import pytest

from runs.models import Event, Run
from tests.runs.factories import scripted_agent
from tests.workflows.factories import chain, execute, http_node, make_workflow, node
from workflows import services as workflow_services

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queued_environment(run_id: str):
    return Event.objects.get(run_id=run_id, type="run.queued").data["environment"]


def test_agent_run_environment_in_the_api_and_run_queued(wf_api, wf_project):
    from agents import services as agent_services

    agent, version = scripted_agent(wf_project, name="helper")
    agent_services.promote(agent=agent, version=version, environment="stage", actor="test")
    pinned = wf_api.post("/api/v1/runs", {"agent": "helper", "version": 1, "input": {"message": "hi"}}, format="json")
    via = wf_api.post("/api/v1/runs", {"agent": "helper", "environment": "stage", "input": {"message": "hi"}},
                      format="json")
    assert pinned.status_code == via.status_code == 201, (pinned.content, via.content)
    assert pinned.json()["environment"] is None and queued_environment(pinned.json()["id"]) is None
    assert wf_api.get(f"/api/v1/runs/{pinned.json()['id']}").json()["environment"] is None
    assert via.json()["environment"] == "stage" and queued_environment(via.json()["id"]) == "stage"
    assert wf_api.get(f"/api/v1/runs/{via.json()['id']}").json()["environment"] == "stage"


@pytest.fixture
def failed_stage_run(wf_api, wf_project):
    graph = chain(node("start", "start"), http_node("call", f"http://127.0.0.1:{closed_port()}/x"), node("end", "end"))
    workflow, version = make_workflow(wf_project, graph)
    workflow_services.promote(workflow=workflow, version=version, environment="stage", actor="test")
    response = wf_api.post("/api/v1/runs", {"workflow": "flow", "environment": "stage", "input": {}}, format="json")
    assert response.status_code == 201, response.content
    run = execute(Run.objects.get(pk=response.json()["id"]))
    assert run.status == "failed" and run.environment == "stage"
    return run


def test_retry_and_fork_keep_the_environment(wf_api, failed_stage_run):
    run = failed_stage_run
    retried = wf_api.post(f"/api/v1/runs/{run.pk}/retry", {}, format="json")
    forked = wf_api.post(f"/api/v1/runs/{run.pk}/fork", {"checkpoint": 0}, format="json")
    for response in (retried, forked):
        assert response.status_code == 201, response.content
        new = response.json()
        assert new["parent_run"] == run.pk and new["version"] == 1
        assert new["environment"] == "stage" and queued_environment(new["id"]) == "stage"


def test_retry_of_a_run_that_named_a_version_has_no_environment(wf_api, wf_project):
    graph = chain(node("start", "start"), http_node("call", f"http://127.0.0.1:{closed_port()}/x"), node("end", "end"))
    make_workflow(wf_project, graph)
    created = wf_api.post("/api/v1/runs", {"workflow": "flow", "version": 1, "input": {}}, format="json").json()
    assert created["environment"] is None
    assert execute(Run.objects.get(pk=created["id"])).status == "failed"
    retried = wf_api.post(f"/api/v1/runs/{created['id']}/retry", {}, format="json").json()
    assert retried["environment"] is None and queued_environment(retried["id"]) is None
