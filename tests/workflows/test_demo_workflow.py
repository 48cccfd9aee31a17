"""The demo workflow (`workflows.demo`): Start -> Retrieval over the bundled handbook -> an Agent using
the HTTP tool against the local demo service -> Branch -> End."""
from __future__ import annotations

import pytest

from rag.models import Document
from tests.workflows.factories import events, run_workflow
from workflows.demo import DemoOrderService, seed_demo_workflow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def test_embedder():
    from rag.embedders import register_embedder, unregister_embedder
    from tests.rag.factories import TEST_EMBEDDER, Hashing384

    register_embedder(TEST_EMBEDDER, Hashing384)
    yield TEST_EMBEDDER
    unregister_embedder(TEST_EMBEDDER)


def test_demo_workflow_runs_end_to_end(wf_project, test_embedder):
    from tests.rag.factories import ingest

    with DemoOrderService() as service:
        workflow, version = seed_demo_workflow(wf_project, service.url, embedding_model=test_embedder)
        for document in Document.objects.filter(knowledge_base__project=wf_project):
            ingest(document)  # what the worker's ingestion job does
        assert seed_demo_workflow(wf_project, service.url, embedding_model=test_embedder)[1] == version
        run = run_workflow(wf_project, "order-help", {"order_id": "42", "question": "when is a refund paid back"},
                           environment="dev")
    assert run.status == "succeeded", run.error
    assert run.output["escalated"] is False
    assert run.output["answer"] == "I looked up order 42 in the orders service for you."
    assert "five working days" in run.output["policy"]
    tool_calls = events(run, "tool.completed")
    assert [e.node_id for e in tool_calls] == ["assistant"]
    assert tool_calls[0].data["output"]["body"] == {"id": "42", "status": "shipped"}
