"""An agent version with `knowledge` gets the retrieved, cited context in its instructions; the
run records a `retrieval` span and a `retrieval.completed` event."""
from __future__ import annotations

import pytest

from runs.executor import execute_run
from runs.models import Checkpoint, Event, Run, Span
from tests.conftest import client_for, make_key
from tests.rag.factories import add_text, make_kb
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def start(project, message):
    api = client_for(make_key(project, "developer"))
    response = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": message}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def system_prompt(run_id):
    start_delta = Checkpoint.objects.get(run_id=run_id, key="turn:0").delta
    return start_delta["messages"][0]["content"]


@pytest.fixture
def handbook(project):
    kb = make_kb(project, "handbook")
    add_text(kb, "refunds.md", "# Refunds\nRefunds are paid back to the original card within five business days.",
             metadata={"team": "billing"})
    add_text(kb, "travel.md", "# Travel\nBook trains for trips under four hours.", metadata={"team": "ops"})
    return kb


def test_the_agent_sees_cited_context_and_the_run_records_the_retrieval(project, handbook):
    scripted_agent(project, script=[{"text": "Within five business days [1]."}],
                   knowledge=[{"knowledge_base": "handbook", "top_k": 2, "filter": {"team": "billing"}}])
    run_id = start(project, "How long do refunds to my card take?")
    assert execute_run(run_id) == "succeeded"

    prompt = system_prompt(run_id)
    assert prompt.startswith("Answer using the numbered sources below.")
    assert "[1] refunds.md (Refunds)\n# Refunds\nRefunds are paid back" in prompt
    assert "Book trains" not in prompt  # filtered out
    assert prompt.endswith("Be brief.")  # the version's own instructions follow the context

    [event] = Event.objects.filter(run_id=run_id, type="retrieval.completed")
    assert event.data["knowledge_base"] == "handbook" and event.data["filter"] == {"team": "billing"}
    assert [h["document_name"] for h in event.data["hits"]] == ["refunds.md"]
    types = list(Event.objects.filter(run_id=run_id).order_by("seq").values_list("type", flat=True))
    assert types.index("retrieval.completed") < types.index("model.completed")
    [span] = Span.objects.filter(run_id=run_id, kind="retrieval")
    assert span.attributes["query"] == "How long do refunds to my card take?"
    assert span.attributes["hits"][0]["score"] > 0 and span.status == "ok"
    assert event.span_id == span.id
    assert Run.objects.get(pk=run_id).output == {"text": "Within five business days [1]."}


def test_with_nothing_relevant_the_agent_is_told_not_to_guess(project, handbook):
    scripted_agent(project, knowledge=[{"knowledge_base": handbook.pk, "filter": {"team": "legal"}}])
    run_id = start(project, "What is the parental leave policy?")
    assert execute_run(run_id) == "succeeded"
    assert system_prompt(run_id).startswith("No relevant information was found in the knowledge base")
    [event] = Event.objects.filter(run_id=run_id, type="retrieval.completed")
    assert event.data["hit_count"] == 0


def test_hybrid_mode_and_an_assembly_policy_apply(project, handbook):
    scripted_agent(project, knowledge=[{"knowledge_base": "handbook", "mode": "hybrid", "top_k": 1,
                                        "assembly": {"header": "", "citation_style": "<{n}>"}}])
    run_id = start(project, "trains")
    assert execute_run(run_id) == "succeeded"
    assert system_prompt(run_id).startswith("<1> travel.md (Travel)\n# Travel\nBook trains")


def test_a_version_naming_an_unknown_knowledge_base_is_refused(project, handbook):
    api = client_for(make_key(project, "developer"))
    agent = api.post("/api/v1/agents", {"name": "helper"}, format="json").json()
    bad = api.post(f"/api/v1/agents/{agent['id']}/versions",
                   {"model": "scripted/x", "knowledge": [{"knowledge_base": "nope"}]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"knowledge[0].knowledge_base": ["unknown knowledge base 'nope'"]}
    good = api.post(f"/api/v1/agents/{agent['id']}/versions",
                    {"model": "scripted/x", "knowledge": [{"knowledge_base": "handbook"}]}, format="json")
    assert good.status_code == 201


def test_input_guardrails_apply_to_the_search_too(project, handbook):
    scripted_agent(project, knowledge=[{"knowledge_base": "handbook"}],
                   guardrails=[{"type": "pii", "stage": "input"}])
    run_id = start(project, "refund for ada@example.com please")
    assert execute_run(run_id) == "succeeded"
    [span] = Span.objects.filter(run_id=run_id, kind="retrieval")
    assert "ada@example.com" not in span.attributes["query"] and "refund" in span.attributes["query"]


def test_a_blocked_message_is_not_searched(project, handbook):
    scripted_agent(project, knowledge=[{"knowledge_base": "handbook"}],
                   guardrails=[{"type": "blocklist", "words": ["forbidden"], "stage": "input"}])
    run_id = start(project, "a forbidden refund question")
    assert execute_run(run_id) == "failed"
    assert Run.objects.get(pk=run_id).error["type"] == "guardrail_blocked"
    assert not Event.objects.filter(run_id=run_id, type="retrieval.completed").exists()
