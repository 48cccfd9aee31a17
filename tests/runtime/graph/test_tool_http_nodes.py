"""Tool and HTTP nodes against a real local HTTP service."""
from __future__ import annotations

from runtime.events import CollectingSink
from runtime.graph import GraphServices, run_graph
from runtime.store import MemoryLedger
from tests.runtime.graph.conftest import DemoService
from tests.runtime.graph.fakes import LedgerToolInvoker
from tests.runtime.graph.graphs import chain, node


def test_http_node_templates_the_url_and_merges_inputs(demo_service: DemoService, sink: CollectingSink) -> None:
    g = chain(node("start", "start"),
              node("lookup", "http", {"url": demo_service.url + "/orders/{{ $.input.order_id }}",
                                      "headers": {"X-Demo": "1"}}),
              node("post", "http", {"method": "POST", "url": demo_service.url + "/notes"},
                   inputs={"json": {"status": "$.nodes.lookup.output.body.status"}}),
              node("end", "end", inputs={"status": "$.nodes.lookup.output.body.status",
                                         "echo": "$.nodes.post.output.body.received"}))
    result = run_graph(g, {"order_id": "42"}, run_id="r", sink=sink, ledger=MemoryLedger(),
                       services=GraphServices(tools=LedgerToolInvoker()))
    assert result.output == {"status": "shipped", "echo": {"status": "shipped"}}
    assert demo_service.counts == {"/orders/42": 1, "/notes": 1}
    assert "tool.completed" in sink.types()


def test_tool_node_calls_the_named_tool_with_an_attempt_independent_key() -> None:
    invoker = LedgerToolInvoker({"kv": lambda payload: {"stored": payload["key"]}})
    g = chain(node("start", "start"), node("save", "tool", {"tool": "kv", "config": {"ns": "x"}},
                                           inputs={"op": "set", "key": "$.input.k"}), node("end", "end"))
    result = run_graph(g, {"k": "color"}, run_id="run-9", services=GraphServices(tools=invoker))
    assert result.output == {"stored": "color"}
    assert invoker.calls == [("kv", {"op": "set", "key": "color"}, "run-9:save")]


def test_http_node_input_is_checked_before_the_call(demo_service: DemoService) -> None:
    import pytest

    from runtime.errors import NodeFailed

    invoker = LedgerToolInvoker()
    g = chain(node("start", "start"), node("get", "http", inputs={"url": 12}), node("end", "end"))
    with pytest.raises(NodeFailed) as info:
        run_graph(g, {}, run_id="r", services=GraphServices(tools=invoker))
    assert info.value.cause.code == "node_input_invalid" and invoker.calls == []
