"""`ProjectRetriever` as the `Retriever` of the built-in `retrieval` tool and workflow nodes:
project-scoped, typed errors, API-shaped hits."""
from __future__ import annotations

import pytest

from rag.retrieval import ProjectRetriever
from runs.executor import execute_run
from runs.models import Event
from runtime.errors import KnowledgeBaseNotFound, ToolError, ToolInputInvalid
from tests.conftest import client_for, make_key
from tests.rag.factories import add_text, make_kb
from tests.runs.factories import scripted_agent


@pytest.fixture
def handbook(project):
    kb = make_kb(project, "handbook")
    add_text(kb, "refunds.txt", "Refunds reach the original card within five days.", metadata={"team": "billing"})
    return kb


@pytest.mark.django_db
def test_search_by_name_or_id_returns_api_shaped_hits(project, handbook):
    retriever = ProjectRetriever(project)
    by_name = retriever.search("handbook", "refunds card", 3, {"team": "billing"}, project_id=project.pk)
    by_id = retriever.search(handbook.pk, "refunds card", 3, None, mode="hybrid")
    assert [h["document_name"] for h in by_name] == ["refunds.txt"] == [h["document_name"] for h in by_id]
    assert set(by_name[0]) == {"chunk_id", "document_id", "document_name", "text", "score", "metadata"}


@pytest.mark.django_db
def test_errors_are_typed_tool_errors(project, other_project, handbook):
    retriever = ProjectRetriever(project)
    with pytest.raises(KnowledgeBaseNotFound) as missing:
        retriever.search("nope", "x", 3, None)
    assert missing.value.code == "knowledge_base_not_found"
    with pytest.raises(ToolInputInvalid):
        retriever.search("handbook", "x", 3, {"team": {"regex": "b.*"}})
    with pytest.raises(ToolError):
        retriever.search("handbook", "x", 3, None, project_id=other_project.pk)
    with pytest.raises(KnowledgeBaseNotFound):
        ProjectRetriever(other_project).search("handbook", "x", 3, None)


@pytest.mark.django_db(transaction=True)
def test_an_agent_calls_the_retrieval_tool(project, handbook):
    scripted_agent(project, tools=["retrieval"], script=[
        {"tool_calls": [{"name": "retrieval", "arguments": {"knowledge_base": "handbook", "query": "{message}"}}]},
        {"text": "done"}])
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "refund timing"}},
                      format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    [completed] = Event.objects.filter(run_id=run_id, type="tool.completed")
    assert completed.data["output"]["hits"][0]["document_name"] == "refunds.txt", completed.data


@pytest.mark.django_db(transaction=True)
def test_the_tool_playground_invokes_retrieval(project, handbook, api):
    response = api.post("/api/v1/tools/retrieval/invoke",
                        {"input": {"knowledge_base": "handbook", "query": "refund card", "filter": {"team": "billing"}}},
                        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["output"]["hits"][0]["document_name"] == "refunds.txt"
    missing = api.post("/api/v1/tools/retrieval/invoke", {"input": {"knowledge_base": "nope", "query": "x"}},
                       format="json")
    assert missing.status_code >= 400 and "knowledge_base_not_found" in missing.content.decode()
