"""Agent nodes: an agent version runs as a sub-step (scripted model, real tools), agents pass state,
one hands off to another, and the agent's turns are checkpointed under the node."""
from __future__ import annotations

import pytest

from runs.models import Checkpoint, Run, Span
from tests.runs.factories import scripted_agent
from tests.workflows.factories import chain, events, execute, graph, make_workflow, node, run_workflow

pytestmark = pytest.mark.django_db(transaction=True)


def test_agents_as_nodes_pass_state(wf_project, service):
    scripted_agent(wf_project, name="researcher", tools=["http"], script=[
        {"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": f"{service.url}/facts"}}]},
        {"text": "found 3 facts"}])
    scripted_agent(wf_project, name="writer", script=[{"echo": True, "prefix": "Article: "}])
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("research", "agent", {"agent": "researcher"}, inputs={"message": "$.input.topic"}),
        node("write", "agent", {"agent": "writer@1"}, inputs={"message": "$.nodes.research.output.text"}),
        node("end", "end", inputs={"article": "$.nodes.write.output.text"})))
    run = run_workflow(wf_project, input={"topic": "tea"})
    assert run.status == "succeeded", run.error
    assert run.output == {"article": "Article: found 3 facts"}
    assert service.counts["/facts"] == 1
    keys = list(Checkpoint.objects.filter(run_id=run.pk).order_by("idx").values_list("key", flat=True))
    assert "ns:research:turn:0" in keys and "ns:write:turn:1" in keys
    assert keys.index("ns:research:turn:1") < keys.index("node:research")
    node_spans = {s.name: s.id for s in Span.objects.filter(run_id=run.pk, kind="node")}
    model_parents = set(Span.objects.filter(run_id=run.pk, kind="model").values_list("parent_id", flat=True))
    assert model_parents == {node_spans["research"], node_spans["write"]}
    assert {e.node_id for e in events(run, "tool.completed")} == {"research"}
    assert run.usage["input_tokens"] > 0


def test_an_agent_hands_off_to_another_agent(wf_project):
    scripted_agent(wf_project, name="triage", script=[
        {"text": "Passing you on.", "tool_calls": [{"name": "transfer_to_billing",
                                                     "arguments": {"message": "refund order 7"}}]}])
    scripted_agent(wf_project, name="billing", script=[{"echo": True, "prefix": "Billing: "}])
    scripted_agent(wf_project, name="general", script=[{"text": "general answer"}])
    make_workflow(wf_project, graph(
        [node("start", "start"),
         node("triage", "agent", {"agent": "triage", "handoffs": [{"name": "billing", "description": "money"}]},
              inputs={"message": "$.input.message"}),
         node("billing", "agent", {"agent": "billing"},
              inputs={"message": "$.nodes.triage.handoff.payload.message"}),
         node("general", "agent", {"agent": "general"}, inputs={"message": "$.input.message"}),
         node("billed", "end", inputs={"answer": "$.nodes.billing.output.text"}),
         node("answered", "end", inputs={"answer": "$.nodes.general.output.text"})],
        [("start", "triage"), ("triage", "billing", "billing"), ("triage", "general"),
         ("billing", "billed"), ("general", "answered")]))
    run = run_workflow(wf_project, input={"message": "I want my money back"})
    assert run.status == "succeeded", run.error
    assert run.output == {"answer": "Billing: refund order 7"}
    assert {e.node_id for e in events(run, "node.skipped")} == {"general", "answered"}
    triage = Checkpoint.objects.get(run_id=run.pk, key="node:triage").delta
    assert triage["port"] == "billing" and triage["handoff"]["target"] == "billing"


def test_a_resumed_run_continues_an_agent_after_its_last_turn(wf_project, service):
    """The worker died after the agent's tool turn was checkpointed but before the node completed:
    the agent resumes from its namespaced checkpoints; the tool and model are not called again."""
    scripted_agent(wf_project, name="researcher", tools=["http"], script=[
        {"tool_calls": [{"name": "http", "arguments": {"method": "POST", "url": f"{service.url}/effect"}}]},
        {"text": "done"}])
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("research", "agent", {"agent": "researcher"}, inputs={"message": "$.input.topic"}),
        node("end", "end", inputs={"text": "$.nodes.research.output.text"})))
    first = run_workflow(wf_project, input={"topic": "tea"})
    assert first.status == "succeeded" and service.counts["/effect"] == 1
    model_calls = Span.objects.filter(run_id=first.pk, kind="model").count()
    # Rewind to the state a worker killed during the agent's final model turn leaves behind.
    rows = Checkpoint.objects.filter(run_id=first.pk)
    final_turn = rows.filter(key__startswith="ns:research:").order_by("-idx").first()
    rows.filter(idx__gte=final_turn.idx).delete()
    Run.objects.filter(pk=first.pk).update(status="queued", output=None, finished_at=None)
    resumed = execute(first)
    assert resumed.status == "succeeded", resumed.error
    assert resumed.output == {"text": "done"}
    assert service.counts["/effect"] == 1  # the completed tool turn was not repeated
    assert Span.objects.filter(run_id=first.pk, kind="model").count() == model_calls + 1  # only the lost turn
