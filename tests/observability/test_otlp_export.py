"""Run traces out over OTLP/HTTP by the OpenTelemetry GenAI conventions, received by a real OTLP
receiver of the test's own (tests/observability/otlp_receiver.py, decoding with opentelemetry-proto).

- Real Daphne + a real worker exporting to it: an agent run and a workflow run are each one trace
  from the `create_run` HTTP request (its server span) through the worker's `invoke_*` span to the
  model, tool and node spans; `gen_ai.*` and `agent_platform.*` attributes; no message content.
- In-process (the worker's job entry point, `runs.tasks.execute_run`): content opted in (model
  output, tool arguments and results, retrieval query and documents) exported redacted by the
  project's redactor; and a collector that hangs neither fails nor slows a run.
"""
from __future__ import annotations

import json
import secrets
import socket
import threading
import time
import uuid

import httpx
import pytest

from accounts import services as account_services
from rag.embedders import register_embedder, unregister_embedder
from runs import otel_export, tasks
from runs import services as run_services
from runs.executor import execute_run
from runs.models import Checkpoint, Event, Run, Span
from tests.e2e.servers import start_server, start_worker
from tests.observability.otlp_receiver import OtlpReceiver, by_name
from tests.rag.factories import TEST_EMBEDDER, Hashing384, add_text, make_kb
from tests.runs.factories import scripted_agent
from tests.runtime.graph.graphs import chain, node
from tests.workflows.factories import make_workflow

pytestmark = [pytest.mark.django_db(transaction=True)]

CONTENT_KEYS = {"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
                "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.retrieval.query.text",
                "gen_ai.retrieval.documents"}


@pytest.fixture(scope="module")
def receiver():
    with OtlpReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def traced_stack(django_db_setup, django_db_blocker, tmp_path_factory, receiver):
    """Daphne and one worker, both exporting to the receiver (batches sent within 20 ms)."""
    logs = tmp_path_factory.mktemp("otlp-logs")
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "20"}
    server, base = start_server(logs, **env)
    worker = start_worker(logs, f"otlp-{uuid.uuid4().hex[:6]}", **env)
    yield base
    worker.stop()
    server.stop()


@pytest.fixture
def traced_project(transactional_db):
    return account_services.create_project(slug=f"otlp-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def http(traced_stack, traced_project):
    _, raw = account_services.create_api_key(project=traced_project, name="otlp", role="owner")
    with httpx.Client(base_url=traced_stack, headers={"Authorization": f"Bearer {raw}"}, timeout=30) as client:
        yield client


def of_run(spans, run_id: str):
    return [s for s in spans if s.attributes.get("agent_platform.run.id") == run_id]


def invoke_received(run_id: str, name: str):
    return lambda spans: any(s.name == name for s in of_run(spans, run_id))


def assert_attributes(span, expected: dict) -> None:
    assert {key: span.attributes.get(key) for key in expected} == expected, span.name


def assert_no_content(spans, *markers: str) -> None:
    for span in spans:
        assert not CONTENT_KEYS & set(span.attributes), (span.name, sorted(CONTENT_KEYS & set(span.attributes)))
        for marker in markers:
            assert marker not in json.dumps(span.attributes, default=str), (span.name, marker)


# --- in-process: the worker's job entry point with a pipeline installed in this process ---------------------

@pytest.fixture
def handbook_embedder():
    register_embedder(TEST_EMBEDDER, Hashing384)
    yield
    unregister_embedder(TEST_EMBEDDER)


def stored_tool_answer(run_id: str):
    """The tool message of the run's checkpoints, as stored (redacted): what the second model call got."""
    [delta] = [c.delta for c in Checkpoint.objects.filter(run_id=run_id) if c.delta.get("kind") == "tools"]
    [message] = delta["messages"]
    assert message["role"] == "tool" and message["tool_call_id"] == "call_1"
    return message["content"]


@pytest.fixture
def installed():
    """Install a pipeline in this process for the test; shut down (flushed) afterwards."""
    yield otel_export.install
    otel_export.uninstall()


def test_message_content_is_exported_only_when_opted_in_and_redacted_by_the_project(
        project, receiver, installed, handbook_embedder):
    token = f"tok-{secrets.token_hex(8)}"
    account_services.set_secret(project=project, name="SHOP_TOKEN", value=token)
    kb = make_kb(project, "handbook")
    add_text(kb, "refunds.md", "# Refunds\nRefunds are paid back to the original card within five business days.")
    scripted_agent(project, tools=["kv"], knowledge=[{"knowledge_base": "handbook", "top_k": 2}], script=[
        {"tool_calls": [{"name": "kv", "id": "call_1", "arguments": {"op": "set", "key": "t", "value": f"use {token}"}}]},
        {"text": "Within five business days [1]."}])
    pipeline = installed(receiver.endpoint, capture_content=True)
    run = run_services.create_run(project=project, agent="helper", input={"message": "How long do refunds take?"})
    tasks.execute_run(run.pk)
    assert pipeline.force_flush(10)
    spans = of_run(receiver.wait_for(invoke_received(run.pk, "invoke_agent helper")), run.pk)
    assert Run.objects.get(pk=run.pk).status == "succeeded"

    [retrieval] = by_name(spans, "retrieval handbook")
    assert retrieval.kind == "CLIENT"
    assert_attributes(retrieval, {
        "gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "handbook", "gen_ai.request.top_k": 2,
        "gen_ai.retrieval.query.text": "How long do refunds take?", "agent_platform.retrieval.hit_count": 1})
    [document] = json.loads(retrieval.attributes["gen_ai.retrieval.documents"])
    assert document["score"] > 0 and document["id"]
    first_chat, last_chat = sorted(by_name(spans, "chat helper"), key=lambda s: s.start_ns)
    [asked] = json.loads(first_chat.attributes["gen_ai.output.messages"])
    assert asked["role"] == "assistant" and asked["finish_reason"] == "tool_calls"
    assert asked["parts"] == [{"type": "tool_call", "id": "call_1", "name": "kv",
                               "arguments": {"op": "set", "key": "t", "value": "use [REDACTED]"}}]
    [answer] = json.loads(last_chat.attributes["gen_ai.output.messages"])
    assert answer["parts"] == [{"type": "text", "content": "Within five business days [1]."}]
    # Input messages (conventions' shape): what each call was sent, from the agent's checkpoints.
    first_input = json.loads(first_chat.attributes["gen_ai.input.messages"])
    assert first_input[-1]["role"] == "user" and "How long do refunds take?" in first_input[-1]["parts"][0]["content"]
    assert all(set(m) == {"role", "parts"} and m["role"] in ("system", "user") for m in first_input)
    second_input = json.loads(last_chat.attributes["gen_ai.input.messages"])
    assert second_input[:len(first_input)] == first_input
    assert second_input[len(first_input):] == [
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "kv",
                                         "arguments": {"op": "set", "key": "t", "value": "use [REDACTED]"}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1",
                                    "response": stored_tool_answer(run.pk)}]}]
    [tool] = by_name(spans, "execute_tool kv")
    assert json.loads(tool.attributes["gen_ai.tool.call.arguments"]) == {"op": "set", "key": "t",
                                                                        "value": "use [REDACTED]"}
    assert "gen_ai.tool.call.result" in tool.attributes
    [invoke] = by_name(spans, "invoke_agent helper")
    assert json.loads(invoke.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == \
        "Within five business days [1]."
    assert json.loads(invoke.attributes["gen_ai.input.messages"]) == first_input
    # The secret reached the tool (stored redacted) and is nowhere in what was exported.
    assert all(token not in json.dumps(s.attributes, default=str) for s in spans)
    assert Event.objects.filter(run_id=run.pk, type="tool.started").get().data["input"]["value"] == "use [REDACTED]"


class HangingCollector:
    """Accepts OTLP connections and never answers: the exporter's requests wait out their timeout."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connected = threading.Event()
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.connected.set()

    def __enter__(self) -> HangingCollector:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


def test_a_run_succeeds_unslowed_while_the_collector_hangs(project, installed, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "6")  # each export waits this long, then fails
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "1")
    scripted_agent(project, tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "a", "value": "b"}}]}, {"text": "ok"}])
    with HangingCollector() as collector:
        installed(collector.endpoint)
        first = run_services.create_run(project=project, agent="helper", input={"message": "one"})
        tasks.execute_run(first.pk)
        assert collector.connected.wait(10), "the exporter never tried the collector"
        # The exporter's thread is now stuck in a request that will not be answered for 6 s.
        second = run_services.create_run(project=project, agent="helper", input={"message": "two"})
        started = time.monotonic()
        tasks.execute_run(second.pk)
        elapsed = time.monotonic() - started
        for run in (first, second):
            finished = Run.objects.get(pk=run.pk)
            assert finished.status == "succeeded", finished.error
            assert Span.objects.filter(run_id=run.pk, kind="model").count() == 2  # the viewer's copy is whole
        assert elapsed < 3, f"the run took {elapsed:.2f} s while the collector hung"


def test_a_failed_model_call_is_an_error_on_its_span_and_on_the_run_span(project, receiver, installed):
    scripted_agent(project, script=[{"error": "model_auth_error", "message": "bad key"}], limits={"max_steps": 3})
    pipeline = installed(receiver.endpoint)
    run = run_services.create_run(project=project, agent="helper", input={"message": "x"})
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    with otel_export.execution(run.pk, {"traceparent": f"00-{trace_id}-{parent}-01"}):  # as a job carries it
        assert execute_run(run.pk) == "failed"
    assert pipeline.force_flush(10)
    spans = of_run(receiver.wait_for(invoke_received(run.pk, "invoke_agent helper")), run.pk)
    [invoke] = by_name(spans, "invoke_agent helper")
    assert (invoke.trace_id, invoke.parent_id) == (trace_id, parent)
    assert invoke.status == "ERROR" and invoke.status_message == "bad key"
    assert_attributes(invoke, {"error.type": "model_auth_error", "agent_platform.run.status": "failed"})
    [chat] = by_name(spans, "chat helper")
    assert chat.status == "ERROR" and chat.attributes["error.type"] == "model_auth_error"
    assert chat.parent_id == invoke.span_id


def test_a_request_that_was_not_sampled_exports_no_run_spans(project, receiver, installed):
    scripted_agent(project)
    pipeline = installed(receiver.endpoint)
    run = run_services.create_run(project=project, agent="helper", input={"message": "x"})
    with otel_export.execution(run.pk, {"traceparent": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"}):
        assert execute_run(run.pk) == "succeeded"
    assert Span.objects.filter(run_id=run.pk).exists()  # the run viewer's copy is kept
    assert pipeline.force_flush(10)  # everything queued has been sent
    assert of_run(receiver.spans, run.pk) == []


# --- end to end: Daphne and a worker exporting to the receiver. Last in the module: the worker
# takes every queued run, so the in-process tests above run before it starts. ---------------------

@pytest.mark.e2e
@pytest.mark.slow
def test_an_agent_run_is_one_trace_from_the_http_request_through_the_worker(http, traced_project, receiver):
    marker = f"private-{uuid.uuid4().hex[:8]}"
    scripted_agent(traced_project, tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "id": "call_kv_1", "arguments": {"op": "set", "key": "note", "value": marker}}]},
        {"text": f"Stored {marker}."}])
    trace_id, client_span = secrets.token_hex(16), secrets.token_hex(8)
    created = http.post("/api/v1/runs", json={"agent": "helper", "input": {"message": f"remember {marker}"}},
                        headers={"traceparent": f"00-{trace_id}-{client_span}-01"})
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]

    receiver.wait_for(lambda spans: invoke_received(run_id, "invoke_agent helper")(spans)
                      and any(s.parent_id == client_span for s in spans), what="the run's invoke span and the request's")
    run = Run.objects.get(pk=run_id)
    assert run.status == "succeeded", run.error
    trace = receiver.of_trace(trace_id)
    [server] = [s for s in trace if s.parent_id == client_span]  # Django's span of POST /api/v1/runs
    assert server.kind == "SERVER" and server.name.startswith("POST")
    [invoke] = by_name(trace, "invoke_agent helper")
    assert invoke.parent_id == server.span_id  # the worker's span continues the request's trace
    assert invoke.kind == "INTERNAL" and invoke.status == "UNSET"
    agent = run.agent
    assert_attributes(invoke, {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper", "gen_ai.agent.id": agent.pk,
        "gen_ai.agent.version": "1", "gen_ai.provider.name": "scripted", "gen_ai.request.model": "helper",
        "agent_platform.run.id": run_id, "agent_platform.run.status": "succeeded",
        "agent_platform.project.id": traced_project.pk, "agent_platform.agent.id": agent.pk,
        "agent_platform.agent.name": "helper", "agent_platform.agent.version": 1,
        "gen_ai.usage.input_tokens": run.usage["input_tokens"], "gen_ai.usage.output_tokens": run.usage["output_tokens"]})
    assert invoke.scope == "agent_platform.runs" and invoke.resource["service.name"] == "agent-platform"

    chats = sorted(by_name(trace, "chat helper"), key=lambda s: s.start_ns)
    assert len(chats) == 2
    for chat in chats:
        assert chat.parent_id == invoke.span_id and chat.kind == "CLIENT"
        assert chat.attributes["gen_ai.operation.name"] == "chat"
        assert chat.attributes["gen_ai.provider.name"] == "scripted"
        assert chat.attributes["gen_ai.request.model"] == "helper"
        assert chat.attributes["gen_ai.response.model"] == "scripted/helper"  # what the scripted model answers as
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0 and chat.attributes["gen_ai.usage.output_tokens"] > 0
        assert chat.attributes["agent_platform.agent.name"] == "helper"
        assert invoke.start_ns <= chat.start_ns <= chat.end_ns <= invoke.end_ns
    assert [c.attributes["gen_ai.response.finish_reasons"] for c in chats] == [("tool_calls",), ("stop",)]

    [tool] = by_name(trace, "execute_tool kv")
    assert tool.parent_id == invoke.span_id and tool.kind == "INTERNAL" and tool.status == "UNSET"
    assert_attributes(tool, {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "kv",
                                    "gen_ai.tool.call.id": "call_kv_1", "gen_ai.tool.type": "function"})

    # The platform's span ids are the exported ones: the run viewer and the backend agree.
    stored = set(Span.objects.filter(run_id=run_id).values_list("id", flat=True))
    assert stored == {s.span_id for s in of_run(trace, run_id) if s is not invoke}
    assert {s.trace_id for s in of_run(receiver.spans, run_id)} == {trace_id}
    assert_no_content(trace, marker)


@pytest.mark.e2e
@pytest.mark.slow
def test_a_workflow_run_traces_its_nodes_under_invoke_workflow(http, traced_project, receiver):
    workflow, _ = make_workflow(traced_project, chain(
        node("start", "start"),
        node("say", "prompt", {"model": "scripted/echo", "prompt": "Say {{ $.input.word }}"}),
        node("end", "end", inputs={"text": "$.nodes.say.output.text"})), name="greeter")
    created = http.post("/api/v1/runs", json={"workflow": "greeter", "input": {"word": "hello"}})
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]

    spans = of_run(receiver.wait_for(invoke_received(run_id, "invoke_workflow greeter"), what="invoke_workflow"), run_id)
    run = Run.objects.get(pk=run_id)
    assert run.status == "succeeded" and run.output == {"text": "Say hello"}
    [invoke] = by_name(spans, "invoke_workflow greeter")
    assert_attributes(invoke, {"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": "greeter",
                                      "agent_platform.workflow.id": workflow.pk, "agent_platform.workflow.version": 1,
                                      "agent_platform.run.status": "succeeded"})
    # No traceparent from the client: the request's server span is the trace's root.
    [server] = [s for s in receiver.of_trace(invoke.trace_id) if s.span_id == invoke.parent_id]
    assert server.kind == "SERVER" and server.parent_id == ""
    nodes = {s.attributes["agent_platform.node.id"]: s for s in spans if "agent_platform.node.id" in s.attributes}
    assert set(nodes) == {"start", "say", "end"}
    assert {s.name for s in nodes.values()} == {"start start", "prompt say", "end end"}
    assert all(s.parent_id == invoke.span_id for s in nodes.values())
    [chat] = by_name(spans, "chat echo")
    assert chat.parent_id == nodes["say"].span_id  # a Prompt node's model call nests under its node
    assert chat.attributes["gen_ai.provider.name"] == "scripted" and chat.attributes["gen_ai.request.model"] == "echo"
    assert_no_content(spans, "Say hello")


@pytest.mark.slow
def test_a_request_span_is_exported_redacted_by_the_requests_project(http, traced_project, receiver):
    """Django's request span names the URL: a secret of the project in the path or the query is
    masked by the project's redactor (as in the log line of the 404) before the span is exported."""
    value = f"url-secret-{secrets.token_hex(8)}"
    account_services.set_secret(project=traced_project, name="URL_SECRET", value=value)
    trace_id = secrets.token_hex(16)
    missing = http.get(f"/api/v1/runs/{value}", params={"ref": value},
                       headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    assert missing.status_code == 404, missing.text
    receiver.wait_for(lambda spans: any(s.trace_id == trace_id and s.kind == "SERVER" for s in spans),
                      what="the request's server span")
    [server] = [s for s in receiver.of_trace(trace_id) if s.kind == "SERVER"]
    urls = [v for v in server.attributes.values() if isinstance(v, str) and "/api/v1/runs/" in v]
    assert urls and all("/api/v1/runs/[REDACTED]" in url for url in urls), server.attributes
    assert not [p for p in receiver.payloads if value.encode() in p]
