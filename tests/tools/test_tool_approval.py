"""A tool that requires approval pauses the agent run (`run.waiting` with the proposed call);
approving over the resume API runs it and the run succeeds; rejecting gives the model a
rejection tool error. Each decision is in the run's events and in the audit log."""
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.utils import quote

from runs.executor import execute_run
from runs.models import Checkpoint, Event, Run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.runtime.tools.local_server import json_answer
from tests.tools.conftest import http_tool
from tools.models import ToolApproval

pytestmark = pytest.mark.django_db(transaction=True)
CALL = {"name": "refund", "arguments": {"order": "A1", "amount": 30}, "id": "call_1"}


@pytest.fixture
def waiting_run(project, server, allow_loopback):
    """A run paused on the `refund` tool's approval; returns (client, run id)."""
    api = client_for(make_key(project, "developer"))
    server.route("/refunds", lambda seen: json_answer({"refunded": seen.json()["amount"]}, status=201))
    http_tool(api, "refund", {"method": "POST", "url": server.url("/refunds"), "requires_approval": True,
                              "input_schema": {"type": "object", "properties": {
                                  "order": {"type": "string"}, "amount": {"type": "number"}}}})
    scripted_agent(project, tools=["refund"], script=[{"tool_calls": [CALL]}, {"text": "finished"}])
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "refund A1"}},
                      format="json").json()["id"]
    assert execute_run(run_id) == "waiting"
    return api, run_id


def events(run_id, type_):
    return [e.data for e in Event.objects.filter(run_id=run_id, type=type_).order_by("seq")]


def tool_results(run_id) -> list[str]:
    """What the model was given back for its tool calls (from the run's checkpoints)."""
    deltas = Checkpoint.objects.filter(run_id=run_id).order_by("idx").values_list("delta", flat=True)
    return [m["content"] for d in deltas if d.get("kind") == "tools" for m in d["messages"]]


def test_call_waits_with_the_proposed_call(waiting_run, server):
    api, run_id = waiting_run
    run = api.get(f"/api/v1/runs/{run_id}").json()
    assert run["status"] == "waiting"
    [waiting] = events(run_id, "run.waiting")
    assert waiting["reason"] == "tool_approval"
    assert waiting["prompt"]["tool"] == "refund" and waiting["prompt"]["input"] == CALL["arguments"]
    assert server.seen == []


def test_approved_call_runs_and_the_run_succeeds(waiting_run, server):
    api, run_id = waiting_run
    resumed = api.post(f"/api/v1/runs/{run_id}/resume", {"approve": True, "reason": "customer verified"},
                       format="json")
    assert resumed.status_code == 202, resumed.content
    assert execute_run(run_id) == "succeeded"
    assert [s.json() for s in server.seen] == [CALL["arguments"]]
    assert events(run_id, "run.resumed")[0]["answer"] == {"approve": True, "reason": "customer verified"}
    assert json.loads(tool_results(run_id)[0])["body"] == {"refunded": 30}
    assert Run.objects.get(pk=run_id).output == {"text": "finished"}

    decision = ToolApproval.objects.get(run_id=run_id)
    assert (decision.tool, decision.approved, decision.reason) == ("refund", True, "customer verified")
    assert decision.input == CALL["arguments"] and decision.actor.startswith("api-key:developer-key")
    entry = LogEntry.objects.get_for_model(ToolApproval).get(object_pk=str(decision.pk))
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor_email.startswith("api-key:developer-key")
    assert "customer verified" in str(entry.changes)


def test_rejected_call_is_a_tool_error_for_the_model(waiting_run, server):
    api, run_id = waiting_run
    assert api.post(f"/api/v1/runs/{run_id}/resume", {"approve": False, "reason": "too risky"},
                    format="json").status_code == 202
    assert execute_run(run_id) == "succeeded"
    assert server.seen == []
    error = json.loads(tool_results(run_id)[0])["error"]
    assert error["type"] == "tool_error" and "rejected by reviewer: too risky" in error["message"]
    decision = ToolApproval.objects.get(run_id=run_id)
    assert decision.approved is False and decision.reason == "too risky"
    assert LogEntry.objects.get_for_model(ToolApproval).filter(object_pk=str(decision.pk)).exists()


def test_an_approval_answer_must_be_a_boolean(waiting_run):
    api, run_id = waiting_run
    response = api.post(f"/api/v1/runs/{run_id}/resume", {"approve": "yes"}, format="json")
    assert response.status_code == 400 and "approve" in response.json()["errors"]
    assert Run.objects.get(pk=run_id).status == "waiting"
    assert not ToolApproval.objects.filter(run_id=run_id).exists()


def test_agent_reference_can_require_approval_of_a_builtin(project):
    api = client_for(make_key(project, "developer"))
    scripted_agent(project, tools=[{"name": "kv", "requires_approval": True}], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "k", "value": 1}}]}, {"text": "ok"}])
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json").json()["id"]
    assert execute_run(run_id) == "waiting"
    api.post(f"/api/v1/runs/{run_id}/resume", {"approve": True}, format="json")
    assert execute_run(run_id) == "succeeded"
    from tools.models import KVEntry
    assert KVEntry.objects.get(project=project, key="k").value == 1


def test_resumed_call_reports_its_completion_event(waiting_run):
    api, run_id = waiting_run
    api.post(f"/api/v1/runs/{run_id}/resume", {"approve": True}, format="json")
    assert execute_run(run_id) == "succeeded"
    assert events(run_id, "tool.completed")[-1]["output"]["body"] == {"refunded": 30}
    assert len(events(run_id, "tool.started")) == len(events(run_id, "tool.completed")) == 1


def test_console_lists_waiting_calls_and_records_the_reviewer(project, waiting_run, server):
    from django.urls import reverse

    from tests.admin.conftest import console_client, staff_user

    _, run_id = waiting_run
    client = console_client(staff_user("reviewer", project=project, role="developer"))
    listing = client.get(reverse("admin:tools_pendingtoolapproval_changelist")).content.decode()
    assert run_id in listing and "refund" in listing and "Approve…" in listing
    decide = reverse("admin:tools_pendingtoolapproval_decide", args=[quote(run_id)])
    assert '&quot;order&quot;: &quot;A1&quot;' in client.get(decide).content.decode()

    response = client.post(decide, {"approve": "0", "reason": "not today"})
    assert response.status_code == 302
    assert Run.objects.get(pk=run_id).status == "queued"
    assert client.get(reverse("admin:tools_pendingtoolapproval_changelist")).context["cl"].result_count == 0
    decision = ToolApproval.objects.get(run_id=run_id)
    assert (decision.approved, decision.reason, decision.actor) == (False, "not today", "reviewer")
    entry = LogEntry.objects.get_for_model(ToolApproval).get(object_pk=str(decision.pk))
    assert entry.actor is not None and entry.actor.username == "reviewer"
    assert events(run_id, "run.resumed")[0]["answer"] == {"approve": False, "reason": "not today"}
    assert execute_run(run_id) == "succeeded" and server.seen == []


def test_viewers_cannot_decide_in_the_console(project, waiting_run):
    from django.urls import reverse

    from tests.admin.conftest import console_client, staff_user

    _, run_id = waiting_run
    client = console_client(staff_user("watcher", project=project, role="viewer"))
    response = client.post(reverse("admin:tools_pendingtoolapproval_decide", args=[quote(run_id)]), {"approve": "1"})
    assert response.status_code == 403
    assert Run.objects.get(pk=run_id).status == "waiting"
