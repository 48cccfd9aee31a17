"""A Human input node pauses the run (`waiting`, `run.waiting` with the prompt); a valid answer over
the API resumes it, an invalid one is a 422 naming the field and leaves it waiting."""
from __future__ import annotations

import pytest

from runs.models import Run
from tests.workflows.factories import chain, events, execute, graph, make_workflow, node, run_workflow

pytestmark = pytest.mark.django_db(transaction=True)

APPROVAL = {"type": "object", "required": ["approved"], "additionalProperties": False,
            "properties": {"approved": {"type": "boolean"}, "comment": {"type": "string"}}}


def approval_graph() -> dict:
    return chain(node("start", "start"),
                 node("draft", "transform", inputs={"text": "Draft about {{ $.input.topic }}"}),
                 node("review", "human", {"prompt": "Approve '{{ $.nodes.draft.output.text }}'?",
                                          "input_schema": APPROVAL}),
                 node("end", "end", inputs={"text": "$.nodes.draft.output.text",
                                            "approved": "$.nodes.review.output.approved"}))


def test_pause_invalid_answer_then_valid_answer(wf_project, wf_api):
    make_workflow(wf_project, approval_graph())
    run = run_workflow(wf_project, input={"topic": "tea"})
    assert run.status == "waiting"
    prompt = run.waiting_for["prompt"]
    assert run.waiting_for["reason"] == "human_input"
    assert prompt["node"] == "review" and prompt["prompt"] == "Approve 'Draft about tea'?"
    assert prompt["input_schema"] == APPROVAL
    assert events(run)[-1].type == "run.waiting"

    bad = wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"approved": "yes"}}, format="json")
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    assert "input.approved" in bad.json()["errors"]
    missing = wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"comment": "hm"}}, format="json")
    assert missing.status_code == 422 and "input.approved" in missing.json()["errors"]
    assert Run.objects.get(pk=run.pk).status == "waiting"

    good = wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"approved": True}}, format="json")
    assert good.status_code == 202, good.content
    assert good.json()["status"] == "queued"
    assert wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"approved": True}},
                       format="json").status_code == 409  # no longer waiting
    done = execute(run)
    assert done.status == "succeeded", done.error
    assert done.output == {"text": "Draft about tea", "approved": True}
    types = [e.type for e in events(done)]
    assert types.count("run.waiting") == 1 and types.count("run.resumed") == 1
    assert [e.node_id for e in events(done, "node.completed")].count("draft") == 1  # not re-run


def test_parallel_pauses_are_answered_one_node_at_a_time(wf_project, wf_api):
    ask = {"type": "object", "required": ["ok"]}
    make_workflow(wf_project, graph(
        [node("start", "start"), node("legal", "human", {"prompt": "legal?", "input_schema": ask}),
         node("finance", "human", {"prompt": "finance?", "input_schema": ask}), node("join", "join"),
         node("end", "end")],
        [("start", "legal"), ("start", "finance"), ("legal", "join"), ("finance", "join"), ("join", "end")]))
    run = run_workflow(wf_project)
    assert run.status == "waiting"
    assert {p["node"] for p in run.waiting_for["prompt"]["waiting"]} == {"legal", "finance"}
    wrong = wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"ok": True}, "node": "start"}, format="json")
    assert wrong.status_code == 400 and "node" in wrong.json()["errors"]
    assert wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"ok": True}, "node": "finance"},
                       format="json").status_code == 202
    again = execute(run)
    assert again.status == "waiting"
    assert again.waiting_for["prompt"]["node"] == "legal"
    assert wf_api.post(f"/api/v1/runs/{run.pk}/resume", {"input": {"ok": False}}, format="json").status_code == 202
    done = execute(run)
    assert done.status == "succeeded", done.error
    assert done.output == {"legal": {"ok": False}, "finance": {"ok": True}}
