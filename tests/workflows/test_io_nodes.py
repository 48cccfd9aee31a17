"""Tool (kv), HTTP, Prompt (scripted model), Code (sandboxed) and Retrieval nodes wired to the real
platform services."""
from __future__ import annotations

import pytest

from accounts import services as account_services
from runs.models import Span
from runtime.graph import ServiceContext
from tests.workflows.factories import chain, events, graph, http_node, make_workflow, node, run_workflow
from tools.models import KVEntry
from workflows.adapters.retrieval import ProjectRetrieverAdapter

pytestmark = pytest.mark.django_db(transaction=True)


def test_kv_tool_nodes_write_and_read_through_the_tool_executor(wf_project):
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("put", "tool", {"tool": "kv"}, inputs={"op": "set", "key": "greeting", "value": "$.input.text"}),
        node("get", "tool", {"tool": "kv"}, inputs={"op": "get", "key": "greeting"}),
        node("end", "end", inputs={"stored": "$.nodes.get.output"})))
    run = run_workflow(wf_project, input={"text": "hello"})
    assert run.status == "succeeded", run.error
    assert KVEntry.objects.get(project=wf_project, key="greeting").value == "hello"
    assert "hello" in str(run.output["stored"])
    assert [e.node_id for e in events(run, "tool.completed")] == ["put", "get"]
    tool_spans = Span.objects.filter(run_id=run.pk, kind="tool")
    node_spans = {s.name: s.id for s in Span.objects.filter(run_id=run.pk, kind="node")}
    assert {s.parent_id for s in tool_spans} == {node_spans["put"], node_spans["get"]}


def test_http_node_calls_a_local_service_and_a_branch_routes_on_the_answer(wf_project, service):
    make_workflow(wf_project, graph(
        [node("start", "start"),
         http_node("lookup", f"{service.url}/orders/{{{{ $.input.order }}}}"),
         node("check", "branch", {"conditions": [{"port": "shipped", "when": {
             "left": "$.nodes.lookup.output.body.status", "op": "eq", "right": "shipped"}}]}),
         node("done", "end", inputs={"shipped": True}), node("wait", "end", inputs={"shipped": False})],
        [("start", "lookup"), ("lookup", "check"), ("check", "done", "shipped"), ("check", "wait")]))
    assert run_workflow(wf_project, input={"order": 42}).output == {"shipped": True}
    assert run_workflow(wf_project, input={"order": 7}).output == {"shipped": False}
    assert service.counts == {"/orders/42": 1, "/orders/7": 1}


def test_http_node_refuses_hosts_outside_the_allowlist(wf_project, service):
    locked = account_services.create_project(slug="locked")
    make_workflow(locked, chain(node("start", "start"), http_node("call", f"{service.url}/x"), node("end", "end")))
    run = run_workflow(locked)
    assert run.status == "failed"
    assert run.error["type"] == "node_failed" and run.error["details"]["node"] == "call"
    assert run.error["details"]["cause"]["type"] == "tool_refused"
    assert service.counts == {}


def test_prompt_node_calls_the_model_router_and_counts_tokens(wf_project):
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("say", "prompt", {"model": "scripted/echo", "system": "Be brief.", "prompt": "Say {{ $.input.word }}"}),
        node("shape", "prompt", {"model": "scripted/echo", "prompt": '{"word": "{{ $.input.word }}"}',
                                 "output_schema": {"type": "object", "required": ["word"]}}),
        node("end", "end", inputs={"text": "$.nodes.say.output.text", "word": "$.nodes.shape.output.word"})))
    run = run_workflow(wf_project, input={"word": "hi"})
    assert run.status == "succeeded", run.error
    assert run.output == {"text": "Say hi", "word": "hi"}
    assert run.usage["input_tokens"] > 0 and run.usage["output_tokens"] > 0
    model_spans = Span.objects.filter(run_id=run.pk, kind="model")
    node_spans = {s.name: s.id for s in Span.objects.filter(run_id=run.pk, kind="node")}
    assert sorted(s.parent_id for s in model_spans) == sorted([node_spans["say"], node_spans["shape"]])
    assert {e.node_id for e in events(run, "model.completed")} == {"say", "shape"}


def test_prompt_node_output_schema_violation_fails_the_node(wf_project):
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("shape", "prompt", {"model": "scripted/echo", "prompt": "not json",
                                 "output_schema": {"type": "object"}}), node("end", "end")))
    run = run_workflow(wf_project)
    assert run.status == "failed"
    assert run.error["details"]["cause"]["type"] == "node_output_invalid"


def test_code_node_runs_in_the_sandbox(wf_project):
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("add", "code", {"code": "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), 1)\n"
                                     "    net = True\nexcept OSError:\n    net = False\n"
                                     "return {'sum': input['a'] + input['b'], 'network': net}",
                             "output_schema": {"type": "object", "required": ["sum"]}, "limits": {"timeout_s": 5}},
             inputs={"a": "$.input.a", "b": 2}),
        node("end", "end", inputs={"sum": "$.nodes.add.output.sum", "network": "$.nodes.add.output.network"})))
    run = run_workflow(wf_project, input={"a": 40})
    assert run.status == "succeeded", run.error
    assert run.output == {"sum": 42, "network": False}


def test_code_node_error_fails_the_run_naming_the_node(wf_project):
    make_workflow(wf_project, chain(node("start", "start"), node("boom", "code", {"code": "return 1 / 0"}),
                                    node("end", "end")))
    run = run_workflow(wf_project)
    assert run.status == "failed"
    assert run.error["details"]["node"] == "boom"
    assert run.error["details"]["cause"]["type"] == "code_error"
    assert "ZeroDivisionError" in run.error["message"]


class KeywordRetriever:
    """A tiny retriever of the RAG app's shape (the real one is pgvector-backed)."""

    def __init__(self, docs: dict[str, str]) -> None:
        self.docs = docs

    def search(self, knowledge_base, query, top_k, filter, *, project_id=None):
        words = set(query.lower().split())
        hits = [{"chunk_id": f"c{i}", "document_id": f"d{i}", "document_name": name, "text": text,
                 "score": len(words & set(text.lower().split())) / len(words), "metadata": {}}
                for i, (name, text) in enumerate(self.docs.items())]
        return sorted((h for h in hits if h["score"] > 0), key=lambda h: -h["score"])[:top_k]


def test_retrieval_adapter_returns_api_shaped_hits_in_a_span(wf_project):
    from runtime.events import CollectingTracer

    adapter = ProjectRetrieverAdapter(wf_project)
    adapter._retriever = KeywordRetriever({"a.md": "refunds take five days", "b.md": "orders ship daily"})
    tracer = CollectingTracer()
    ctx = ServiceContext(run_id="r", node_id="search", span_id="parent1", idempotency_key="r:search", tracer=tracer)
    hits = adapter.search("kb", "how long do refunds take", top_k=1, filter=None, mode=None, ctx=ctx)
    assert [h["document_name"] for h in hits] == ["a.md"]
    assert set(hits[0]) >= {"chunk_id", "document_id", "document_name", "text", "score", "metadata"}
    assert [(s.kind, s.parent_id) for s in tracer.spans] == [("retrieval", "parent1")]


@pytest.fixture
def knowledge_base(wf_project):
    from rag.embedders import register_embedder, unregister_embedder
    from tests.rag.factories import TEST_EMBEDDER, Hashing384, add_text, make_kb

    register_embedder(TEST_EMBEDDER, Hashing384)
    kb = make_kb(wf_project, name="help")
    add_text(kb, "refunds.md", "Refunds are paid back within five days of the request.")
    add_text(kb, "shipping.md", "Orders ship from the warehouse every weekday morning.")
    yield kb
    unregister_embedder(TEST_EMBEDDER)


def test_retrieval_node_searches_a_knowledge_base_of_the_project(wf_project, knowledge_base):
    make_workflow(wf_project, chain(
        node("start", "start"),
        node("search", "retrieval", {"knowledge_base": "help", "top_k": 1}, inputs={"query": "$.input.question"}),
        node("end", "end", inputs={"best": "$.nodes.search.output.hits[0].document_name"})))
    run = run_workflow(wf_project, input={"question": "when are refunds paid back"})
    assert run.status == "succeeded", run.error
    assert run.output == {"best": "refunds.md"}
    completed = events(run, "retrieval.completed")
    assert [e.node_id for e in completed] == ["search"] and completed[0].data["count"] == 1
    assert Span.objects.filter(run_id=run.pk, kind="retrieval").count() == 1
