"""The demo workflow for `make demo`: Start -> Retrieval over a small bundled knowledge base -> an
Agent that looks the order up with the HTTP tool on a local demo service -> Branch -> End.

`DemoOrderService` is the local service (a thread serving `GET /orders/<id>` on 127.0.0.1);
`seed_demo_workflow(project, service_url)` creates (or reuses) the knowledge base, the agent and the
workflow, and allow-lists 127.0.0.1 for the project. The agent is scripted (deterministic, no model
download): it calls the HTTP tool, then answers; a project may point it at a real model instead.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANDBOOK = {
    "orders.md": "Order status: every order can be looked up by its id in the orders service. Orders with an "
                 "even id ship the same day; the others wait for stock.",
    "refunds.md": "Refunds: a refund is paid back within five working days of the request.",
    "shipping.md": "Shipping: parcels leave the warehouse every weekday morning and arrive in two days.",
}


class DemoOrderService:
    """`GET /orders/<id>` -> `{"id", "status"}` (`shipped` for even ids, else `pending`)."""

    def __init__(self, port: int = 0) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                order = self.path.rstrip("/").rsplit("/", 1)[-1]
                status = "shipped" if order.isdigit() and int(order) % 2 == 0 else "pending"
                body = json.dumps({"id": order, "status": status}).encode()
                self.send_response(200 if self.path.startswith("/orders/") else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> DemoOrderService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def demo_graph(*, knowledge_base: str = "demo-handbook", agent: str = "order-assistant") -> dict[str, Any]:
    """The demo graph: the answer is `confident` when the best handbook hit scores high enough."""
    return {"nodes": [
        {"id": "start", "type": "start", "config": {"input_schema": {
            "type": "object", "required": ["order_id", "question"],
            "properties": {"order_id": {"type": "string"}, "question": {"type": "string"}}}}},
        {"id": "search", "type": "retrieval", "config": {"knowledge_base": knowledge_base, "top_k": 1},
         "inputs": {"query": "$.input.question"}},
        {"id": "assistant", "type": "agent", "config": {"agent": agent}, "inputs": {"message": "$.input.order_id"}},
        {"id": "check", "type": "branch", "config": {"conditions": [{"port": "confident", "when": {
            "left": "$.nodes.search.output.hits[0].score", "op": "gte", "right": 0.2}}]}},
        {"id": "answer", "type": "end", "inputs": {
            "answer": "$.nodes.assistant.output.text", "policy": "$.nodes.search.output.hits[0].text",
            "escalated": False}},
        {"id": "escalate", "type": "end", "inputs": {"answer": "$.nodes.assistant.output.text", "escalated": True}},
    ], "edges": [
        {"from": "start", "to": "search"}, {"from": "search", "to": "assistant"},
        {"from": "assistant", "to": "check"}, {"from": "check", "to": "answer", "port": "confident"},
        {"from": "check", "to": "escalate"},
    ]}


def demo_agent_body(service_url: str) -> dict[str, Any]:
    """A scripted agent: it looks the order up with the HTTP tool, then answers."""
    return {"model": "scripted/order-assistant", "tools": ["http"],
            "instructions": "Look the order up in the orders service, then answer in one sentence.",
            "model_settings": {"script": [
                {"tool_calls": [{"name": "http", "arguments": {"method": "GET",
                                                               "url": f"{service_url}/orders/{{message}}"}}]},
                {"text": "I looked up order {message} in the orders service for you."}]}}


def seed_demo_workflow(project, service_url: str, *, embedding_model: str | None = None):
    """Create (or reuse) the demo knowledge base, agent and workflow; returns `(workflow, version)`."""
    from agents import services as agent_services
    from agents.models import Agent
    from rag import services as rag_services
    from rag.models import KnowledgeBase
    from workflows import services
    from workflows.models import Workflow
    from workflows.references import validate_references

    if "127.0.0.1" not in (project.http_allowlist or []):
        project.http_allowlist = [*(project.http_allowlist or []), "127.0.0.1"]
        project.save(update_fields=["http_allowlist"])
    kb = KnowledgeBase.objects.filter(project=project, name="demo-handbook").first()
    if kb is None:
        options = {"embedding_model": embedding_model} if embedding_model else {}
        kb = rag_services.create_knowledge_base(project=project, name="demo-handbook", **options)
        for name, text in HANDBOOK.items():
            rag_services.add_document(kb=kb, name=name, source="text", content=text.encode())
    agent = Agent.objects.filter(project=project, name="order-assistant").first() or \
        agent_services.create_agent(project=project, name="order-assistant")
    agent_services.create_agent_version(agent=agent, body=demo_agent_body(service_url))
    workflow = Workflow.objects.filter(project=project, name="order-help").first() or \
        services.create_workflow(project=project, name="order-help", description="The demo workflow")
    version, _ = services.create_workflow_version(workflow=workflow, body={"graph": demo_graph()},
                                                  validate_refs=validate_references)
    services.promote(workflow=workflow, version=version, environment="dev", actor="demo")
    return workflow, version
