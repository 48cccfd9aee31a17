"""The demo's shape end to end with local services: Start -> Retrieval over a small knowledge base ->
Agent using an HTTP tool against a local service -> Branch -> End."""
from __future__ import annotations

from runtime.events import CollectingSink
from runtime.graph import GraphServices, run_graph, validate_graph
from runtime.graph.services import ServiceContext
from tests.runtime.graph.conftest import DemoService
from tests.runtime.graph.fakes import KeywordRetriever, LedgerToolInvoker
from tests.runtime.graph.graphs import graph, node

KB = {"orders.md": "Order status can be looked up by order id in the orders service",
      "refunds.md": "Refunds are paid within 5 days"}


class OrderAgent:
    """Stands in for the agent loop: one tool call through the run's tool invoker, then an answer."""

    def __init__(self, tools: LedgerToolInvoker, url: str) -> None:
        self.tools, self.url = tools, url

    def run_agent(self, agent_ref: str, input: dict, *, handoffs: list, ctx: ServiceContext) -> dict:
        order_id = input["message"].rsplit(" ", 1)[-1]
        reply = self.tools.invoke("http", {"method": "GET", "url": f"{self.url}/orders/{order_id}"}, config={},
                                  key=f"{ctx.idempotency_key}:call-1", ctx=ctx)
        return {"output": {"text": f"Order {order_id} is {reply['body']['status']}",
                           "status": reply["body"]["status"]}, "handoff": None}


def demo_graph() -> dict:
    return graph(
        [node("start", "start", {"input_schema": {"type": "object", "properties": {"question": {"type": "string"}},
                                                  "required": ["question"]}}),
         node("search", "retrieval", {"knowledge_base": "demo", "top_k": 1}, inputs={"query": "$.input.question"}),
         node("assistant", "agent", {"agent": "order-assistant", "output_schema": {
             "type": "object", "properties": {"text": {"type": "string"}, "status": {"type": "string"}}}},
              inputs={"message": "{{ $.nodes.search.output.hits[0].text }}: {{ $.input.question }}"}),
         node("check", "branch", {"conditions": [{"port": "shipped", "when": {
             "left": "$.nodes.assistant.output.status", "op": "eq", "right": "shipped"}}]}),
         node("done", "end", inputs={"answer": "$.nodes.assistant.output.text", "follow_up": False}),
         node("escalate", "end", inputs={"answer": "$.nodes.assistant.output.text", "follow_up": True})],
        [("start", "search"), ("search", "assistant"), ("assistant", "check"), ("check", "done", "shipped"),
         ("check", "escalate")])


def test_demo_workflow_runs_end_to_end(demo_service: DemoService) -> None:
    assert validate_graph(demo_graph()) == []
    tools = LedgerToolInvoker()
    services = GraphServices(retriever=KeywordRetriever(KB), agents=OrderAgent(tools, demo_service.url), tools=tools)
    sink = CollectingSink()
    shipped = run_graph(demo_graph(), {"question": "what is the status of order 42"}, run_id="d1", sink=sink,
                        services=services)
    assert shipped.output == {"answer": "Order 42 is shipped", "follow_up": False}
    pending = run_graph(demo_graph(), {"question": "status of order 7"}, run_id="d2", services=services)
    assert pending.output == {"answer": "Order 7 is pending", "follow_up": True}
    assert demo_service.counts == {"/orders/42": 1, "/orders/7": 1}
    assert {"retrieval.completed", "tool.completed", "node.skipped"} <= set(sink.types())
