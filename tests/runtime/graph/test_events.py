"""The node event stream: order, skips, flushes for I/O nodes, and spans."""
from __future__ import annotations

from runtime.events import CollectingSink, CollectingTracer
from runtime.graph import GraphServices, run_graph
from tests.runtime.graph.fakes import LedgerToolInvoker
from tests.runtime.graph.graphs import chain, node


class FlushingSink(CollectingSink):
    """A sink that buffers like the Postgres one: records where flushes happen."""

    def flush(self) -> None:
        self.events.append({"type": "(flush)", "data": {}, "node_id": None, "span_id": None})


def test_io_nodes_flush_right_after_they_start_and_pure_nodes_do_not() -> None:
    sink = FlushingSink()
    g = chain(node("start", "start"), node("shape", "transform", inputs={"x": 1}),
              node("call", "tool", {"tool": "t"}), node("end", "end"))
    run_graph(g, {}, run_id="r", sink=sink, services=GraphServices(tools=LedgerToolInvoker({"t": lambda p: {}})))
    flat = [(e["type"], e["node_id"]) for e in sink.events]
    assert flat.count(("(flush)", None)) == 1
    assert flat[flat.index(("node.started", "call")) + 1] == ("(flush)", None)


def test_every_executed_node_gets_a_started_and_a_completed_event_in_order(tracer: CollectingTracer) -> None:
    sink = CollectingSink()
    g = chain(node("start", "start"), node("a", "transform", inputs={"v": 1}), node("end", "end"))
    run_graph(g, {}, run_id="r", sink=sink, tracer=tracer)
    assert [(e["type"], e["node_id"]) for e in sink.events] == [
        ("node.started", "start"), ("node.completed", "start"), ("node.started", "a"), ("node.completed", "a"),
        ("node.started", "end"), ("node.completed", "end")]
    assert [s.name for s in tracer.spans] == ["start", "a", "end"]
    assert all(s.kind == "node" and s.status == "ok" and s.ended_at for s in tracer.spans)


def test_body_node_spans_hang_under_the_loop_node_span(tracer: CollectingTracer) -> None:
    body = chain(node("bs", "start"), node("be", "end"))
    g = chain(node("start", "start"), node("loop", "loop", {"body": body, "max_iterations": 1, "on_max": "stop"}),
              node("end", "end"))
    run_graph(g, {}, run_id="r", tracer=tracer)
    spans = {s.name: s for s in tracer.spans}
    assert spans["loop[0]/bs"].parent_id == spans["loop"].id
