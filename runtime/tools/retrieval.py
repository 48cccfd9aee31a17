"""The built-in `retrieval` tool and the `Retriever` protocol the RAG app implements.

Input `{knowledge_base, query, top_k?, filter?}` → `{"hits": [{chunk_id, document_id,
document_name, text, score, metadata}]}`. The retriever comes from `ctx.services["retriever"]`
and must scope knowledge bases to the call's project.
"""
from __future__ import annotations

from typing import Any, Protocol

from runtime.errors import ToolError, ToolOutputInvalid
from runtime.tools.base import RetryPolicy, ToolContext, ToolSpec

DEFAULT_TOP_K = 5
MAX_TOP_K = 50
HIT_FIELDS = ("chunk_id", "document_id", "document_name", "text", "score", "metadata")


class Retriever(Protocol):
    def search(self, knowledge_base: str, query: str, top_k: int, filter: dict[str, Any] | None,
               *, project_id: str | None = None) -> list[dict[str, Any]]:
        """The best `top_k` chunks of `knowledge_base` (id or name within the project) for `query`,
        best first, each `{chunk_id, document_id, document_name, text, score, metadata}`.
        `filter` matches chunk/document metadata. Raise `ToolError` for an unknown knowledge base."""
        ...


RETRIEVAL_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "knowledge_base": {"type": "string", "minLength": 1},
        "query": {"type": "string", "minLength": 1},
        "top_k": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_K},
        "filter": {"type": "object"},
    },
    "required": ["knowledge_base", "query"],
    "additionalProperties": False,
}

_HIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "chunk_id": {"type": "string"},
        "document_id": {"type": "string"},
        "document_name": {"type": "string"},
        "text": {"type": "string"},
        "score": {"type": "number"},
        "metadata": {"type": "object"},
    },
    "required": list(HIT_FIELDS),
}

RETRIEVAL_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"hits": {"type": "array", "items": _HIT_SCHEMA}},
    "required": ["hits"],
}


class RetrievalTool:
    """The built-in `retrieval` tool."""

    def __init__(self, retriever: Retriever | None = None) -> None:
        """`retriever`: used when the context has no `retriever` service."""
        self.retriever = retriever
        self.spec = ToolSpec(
            name="retrieval",
            description="Search a knowledge base of this project and return the most relevant text chunks.",
            input_schema=RETRIEVAL_INPUT_SCHEMA,
            output_schema=RETRIEVAL_OUTPUT_SCHEMA,
            timeout_s=15.0,
            retry=RetryPolicy(max_attempts=2),
            side_effect="read_only",
        )

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        retriever = ctx.services.get("retriever") or self.retriever
        if retriever is None:
            raise ToolError("retrieval is not available in this context", reason="no_retriever")
        top_k = int(input.get("top_k") or DEFAULT_TOP_K)
        hits = retriever.search(input["knowledge_base"], input["query"], top_k, input.get("filter"),
                                project_id=ctx.project_id)
        return {"hits": [_hit(h) for h in hits[:top_k]]}


def _hit(hit: dict[str, Any]) -> dict[str, Any]:
    missing = [f for f in HIT_FIELDS if f not in hit]
    if missing:
        raise ToolOutputInvalid(f"retriever returned a hit without {', '.join(missing)}")
    return {f: hit[f] for f in HIT_FIELDS}
