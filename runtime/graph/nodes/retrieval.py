"""Retrieval: top-k search of a knowledge base through the `Retriever` service. The query comes
from the `query` input (or the `query` template of the config). Output `{query, hits}`; emits
`retrieval.completed` with the hits' ids and scores."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.errors import NodeInputInvalid
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import NodeType, object_schema

HIT = object_schema({"chunk_id": {}, "document_id": {}, "document_name": {"type": "string"},
                     "text": {"type": "string"}, "score": {"type": "number"}, "metadata": {"type": "object"}})
RETRIEVAL_OUTPUT = object_schema({"query": {"type": "string"}, "hits": {"type": "array", "items": HIT}},
                                 ["query", "hits"])


@dataclass
class RetrievalConfig:
    knowledge_base: str
    top_k: int = 5
    filter: dict[str, Any] | None = None
    mode: str | None = None  # "vector" | "hybrid"; None = the knowledge base's default
    query: str | None = None  # template used when no `query` input is mapped


@register
class RetrievalNode(NodeType):
    type = "retrieval"
    config_schema = object_schema({"knowledge_base": {"type": "string", "minLength": 1},
                                   "top_k": {"type": "integer", "minimum": 1, "maximum": 100},
                                   "filter": {"type": "object"}, "mode": {"enum": ["vector", "hybrid"]},
                                   "query": {"type": "string"}}, ["knowledge_base"], additional=False)
    Config = RetrievalConfig
    does_io = True

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        query = self.config.query
        self._query = self.compile_field("config.query", query, "template") if query else None

    def input_schema(self) -> dict[str, Any] | None:
        return object_schema({"query": {"type": "string"}, "top_k": {"type": "integer", "minimum": 1},
                              "filter": {"type": "object"}}, [] if self.config.query else ["query"], additional=False)

    def runtime_input_schema(self) -> dict[str, Any] | None:
        return self.input_schema()

    def output_schema(self) -> dict[str, Any] | None:
        return RETRIEVAL_OUTPUT

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        retriever = self.require(ctx.services.retriever, "retriever", self.type)
        query = inputs.get("query")
        if query is None and self._query is not None:
            query = self._query.evaluate(ctx.with_inputs(inputs))
        if not query:
            raise NodeInputInvalid(f"node {ctx.path}: empty retrieval query")
        cfg = self.config
        hits = retriever.search(cfg.knowledge_base, query, top_k=inputs.get("top_k") or cfg.top_k,
                                filter=inputs.get("filter", cfg.filter), mode=cfg.mode, ctx=ctx.service_context())
        ctx.emit("retrieval.completed", {
            "knowledge_base": cfg.knowledge_base, "query": query, "count": len(hits),
            "hits": [{"chunk_id": h.get("chunk_id"), "document_id": h.get("document_id"), "score": h.get("score")}
                     for h in hits]})
        return {"query": query, "hits": hits}
