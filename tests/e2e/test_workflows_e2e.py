"""Workflows end to end with real workers: a worker killed mid-graph and the run finished by another
(each side effect once), parallel branches overlapping in time, and a Human input pause that calls the
run's webhook and is answered over the API.

The crash test comes first and starts its own workers: the module's `stack` worker (used by the later
tests) must not be alive to take its run."""
from __future__ import annotations

import uuid

import pytest

from accounts import services as account_services
from runs import services as run_services
from runs.models import Event, Run
from tests.e2e.servers import start_worker, wait_until
from tests.workflows.service import LocalService
from workflows import services as workflow_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TERMINAL = {"succeeded", "failed", "cancelled", "timed_out"}


def http_node(node_id: str, url: str, method: str = "GET", **extra) -> dict:
    return {"id": node_id, "type": "http", "config": {"method": method, "url": url, **extra}}


def chain(*nodes: dict) -> dict:
    return {"nodes": list(nodes), "edges": [{"from": a["id"], "to": b["id"]} for a, b in zip(nodes, nodes[1:])]}


@pytest.mark.slow
def test_a_run_survives_its_worker_being_killed_mid_graph(django_db_setup, tmp_path):
    project = account_services.create_project(slug=f"wfcrash-{uuid.uuid4().hex[:6]}")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    with LocalService() as service:
        workflow = workflow_services.create_workflow(project=project, name="crashy")
        workflow_services.create_workflow_version(workflow=workflow, body={"graph": chain(
            {"id": "start", "type": "start"},
            http_node("effect", f"{service.url}/effect", "POST"),
            http_node("slow", f"{service.url}/block", tool_config={"side_effect": "read_only"}),
            http_node("after", f"{service.url}/after", "POST"),
            {"id": "end", "type": "end", "inputs": {"effect": "$.nodes.effect.output.body.count",
                                                    "slow": "$.nodes.slow.output.status"}})})
        doomed = start_worker(tmp_path, "wf-doomed", PLATFORM_RUN_LEASE_S="2")
        try:
            run = run_services.create_run(project=project, workflow="crashy", input={})
            assert service.blocked.wait(60), "the worker never reached the blocking node"
            assert service.counts["/effect"] == 1
            doomed.kill()  # SIGKILL while the `slow` node waits on the local service
        finally:
            doomed.stop()
        service.release.set()
        rescuer = start_worker(tmp_path, "wf-rescuer", PLATFORM_RUN_LEASE_S="2")
        try:
            finished = wait_until(lambda: Run.objects.filter(pk=run.pk, status__in=TERMINAL).first(),
                                  timeout_s=60, what="the rescuer to finish the run")
        finally:
            rescuer.stop()
    assert finished.status == "succeeded", finished.error
    assert finished.output == {"effect": 1, "slow": 200}
    assert finished.attempts == 2
    assert service.counts["/effect"] == 1 and service.counts["/after"] == 1  # each side effect once
    assert service.counts["/block"] == 2  # the interrupted read ran again
    events = list(Event.objects.filter(run=run).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    types = [e.type for e in events]
    assert types.count("run.succeeded") == 1 and types.count("run.started") == 1
    assert [e.node_id for e in events if e.type == "node.completed"].count("effect") == 1


def create_workflow(project, name: str, graph: dict) -> None:
    """In the test process: the server's cached content type ids (audit log) go stale when the test
    database is flushed between tests."""
    workflow = workflow_services.create_workflow(project=project, name=name)
    workflow_services.create_workflow_version(workflow=workflow, body={"graph": graph})


def wait_for_status(http_client, run_id: str, statuses: set[str]) -> dict:
    return wait_until(lambda: (lambda r: r if r["status"] in statuses else None)(
        http_client.get(f"/api/v1/runs/{run_id}").json()), timeout_s=60, what=f"run {run_id} to be {statuses}")


def test_parallel_branches_overlap_on_a_worker(http, e2e_project):
    with LocalService(pair_timeout_s=10) as service:
        create_workflow(e2e_project, "fanout", {
            "nodes": [{"id": "start", "type": "start"}, http_node("left", f"{service.url}/pair/a"),
                      http_node("right", f"{service.url}/pair/a"), {"id": "join", "type": "join"},
                      {"id": "end", "type": "end", "inputs": {"left": "$.nodes.left.output.status",
                                                              "right": "$.nodes.right.output.status"}}],
            "edges": [{"from": "start", "to": "left"}, {"from": "start", "to": "right"},
                      {"from": "left", "to": "join"}, {"from": "right", "to": "join"}, {"from": "join", "to": "end"}]})
        run = http.post("/api/v1/runs", json={"workflow": "fanout", "input": {}}).json()
        done = wait_for_status(http, run["id"], TERMINAL)
    assert done["status"] == "succeeded", done["error"]
    assert done["output"] == {"left": 200, "right": 200}  # each call was answered only once both had arrived


def test_a_human_pause_calls_the_webhook_and_is_answered_over_the_api(http, e2e_project):
    schema = {"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}
    with LocalService() as service:
        create_workflow(e2e_project, "review", chain(
            {"id": "start", "type": "start"},
            {"id": "ask", "type": "human", "config": {"prompt": "Ship {{ $.input.what }}?", "input_schema": schema}},
            {"id": "end", "type": "end", "inputs": {"approved": "$.nodes.ask.output.approved"}}))
        run = http.post("/api/v1/runs", json={"workflow": "review", "input": {"what": "v2"},
                                              "webhook_url": f"{service.url}/webhook"}).json()
        waiting = wait_for_status(http, run["id"], {"waiting"} | TERMINAL)
        assert waiting["status"] == "waiting", waiting["error"]
        assert waiting["waiting_for"]["prompt"]["prompt"] == "Ship v2?"
        assert service.webhook_received.wait(30), "the waiting webhook was not delivered"
        assert service.webhooks[0]["type"] == "run.waiting" and service.webhooks[0]["data"]["run"]["id"] == run["id"]

        invalid = http.post(f"/api/v1/runs/{run['id']}/resume", json={"input": {"approved": "sure"}})
        assert invalid.status_code == 422 and "input.approved" in invalid.json()["errors"]
        assert http.get(f"/api/v1/runs/{run['id']}").json()["status"] == "waiting"
        valid = http.post(f"/api/v1/runs/{run['id']}/resume", json={"input": {"approved": True}})
        assert valid.status_code == 202, valid.text
        done = wait_for_status(http, run["id"], TERMINAL)
    assert done["status"] == "succeeded", done["error"]
    assert done["output"] == {"approved": True}
    events = http.get(f"/api/v1/runs/{run['id']}/events").json()["data"]
    types = [e["type"] for e in events]
    assert types.index("run.waiting") < types.index("run.resumed") < types.index("run.succeeded")
