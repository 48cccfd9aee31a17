"""Built-in tools driven by the call executor: secrets stay out of events and traces, and
tool errors come back as typed error dicts."""
from __future__ import annotations

import json

from runtime.events import CollectingSink, CollectingTracer
from runtime.store import MemoryLedger
from runtime.tools.executor import call_tool
from runtime.tools.http import HttpTool
from runtime.tools.http_endpoint import HttpEndpoint, HttpEndpointTool
from runtime.tools.kv import KVTool, MemoryKVStore
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import LOOPBACK, make_ctx
from tests.runtime.tools.local_server import json_answer

SECRET = "sk-very-secret-4242"


def run(tool, input, ctx):
    sink, tracer = CollectingSink(), CollectingTracer()
    outcome = call_tool(tool, input, key="run1:step1", ctx=ctx, ledger=MemoryLedger(), sink=sink, tracer=tracer)
    recorded = json.dumps(sink.events) + repr([(s.attributes, s.error) for s in tracer.spans])
    return outcome, recorded


def test_secret_header_never_reaches_events_or_spans(server):
    server.route("/me", lambda seen: json_answer({"auth": seen.headers.get("Authorization")}))
    tool = HttpTool(headers={"Authorization": "Bearer {secret:TOKEN}"})
    outcome, recorded = run(tool, {"method": "GET", "url": server.url("/me")},
                            make_ctx(policy=LOOPBACK, secrets={"TOKEN": SECRET}))
    assert outcome.ok and outcome.output["body"] == {"auth": "Bearer [REDACTED]"}
    assert server.seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert SECRET not in recorded


def test_refused_call_is_a_typed_error_without_the_secret():
    tool = HttpEndpointTool(name="hook", description="d",
                            endpoint=HttpEndpoint(method="POST", url="http://169.254.169.254/{secret:TOKEN}"))
    outcome, recorded = run(tool, {}, make_ctx(policy=HttpPolicy(), secrets={"TOKEN": SECRET}))
    assert outcome.error["type"] == "tool_refused"
    assert SECRET not in recorded


def test_kv_size_violation_comes_back_as_a_tool_error():
    outcome, _ = run(KVTool(), {"op": "set", "key": "k", "value": "x" * 70_000}, make_ctx(kv=MemoryKVStore()))
    assert outcome.error["type"] == "tool_input_invalid"
