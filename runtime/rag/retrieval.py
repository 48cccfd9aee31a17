"""Traced retrieval and knowledge context: what the agent loop and the Retrieval node call.

`traced_search` runs one search through any retriever (`search(knowledge_base, query, top_k,
filter)`, e.g. the Django pgvector retriever or `InMemoryIndex`) inside a `retrieval` span that
records the query, filter, hits and scores, and optionally emits `retrieval.completed`.
`knowledge_context` searches every knowledge base attached to an agent, merges the hits by
score and assembles the prompt context under the assembly policy.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from runtime.events import EventSink, NullTracer, Tracer, traced
from runtime.rag.assembly import AssembledContext, AssemblyPolicy, assemble
from runtime.rag.hits import Hit, as_hits
from runtime.rag.tokens import TokenCounter

_MAX_QUERY_CHARS = 2000  # spans and events keep a bounded copy of the query


class Retriever(Protocol):
    """Same shape as `runtime.tools.retrieval.Retriever` (the Django pgvector retriever implements it)."""

    def search(self, knowledge_base: str, query: str, top_k: int, filter: Mapping[str, Any] | None,
               *, project_id: str | None = None) -> Sequence[Hit | Mapping[str, Any]]: ...


def retrieval_payload(knowledge_base: str, query: str, top_k: int, filter: Mapping[str, Any] | None,
                      hits: Sequence[Hit]) -> dict[str, Any]:
    """The `retrieval.completed` event data and span attributes: query, filter, hits and scores."""
    return {"knowledge_base": knowledge_base, "query": query[:_MAX_QUERY_CHARS], "top_k": top_k,
            "filter": dict(filter or {}), "hit_count": len(hits),
            "hits": [{"chunk_id": h.chunk_id, "document_id": h.document_id, "document_name": h.document_name,
                      "score": round(h.score, 6)} for h in hits]}


def traced_search(retriever: Retriever, *, knowledge_base: str, query: str, top_k: int = 5,
                  filter: Mapping[str, Any] | None = None, project_id: str | None = None,
                  tracer: Tracer | None = None, parent_id: str | None = None, sink: EventSink | None = None,
                  node_id: str | None = None) -> list[Hit]:
    """Search one knowledge base inside a `retrieval` span; emit `retrieval.completed` if `sink` is given."""
    attributes = {"knowledge_base": knowledge_base, "query": query[:_MAX_QUERY_CHARS], "top_k": top_k,
                  "filter": dict(filter or {})}
    with traced(tracer or NullTracer(), "retrieval", f"retrieval {knowledge_base}", parent_id=parent_id,
                attributes=attributes) as span:
        hits = as_hits(retriever.search(knowledge_base=knowledge_base, query=query, top_k=top_k, filter=filter,
                                        project_id=project_id))
        payload = retrieval_payload(knowledge_base, query, top_k, filter, hits)
        span.attributes.update(hit_count=payload["hit_count"], hits=payload["hits"])
    if sink is not None:
        sink.emit("retrieval.completed", payload, node_id=node_id, span_id=span.id)
    return hits


def knowledge_context(retriever: Retriever, *, knowledge_bases: Sequence[str], query: str, top_k: int = 5,
                      filter: Mapping[str, Any] | None = None, project_id: str | None = None,
                      policy: AssemblyPolicy | None = None, tracer: Tracer | None = None, parent_id: str | None = None, sink: EventSink | None = None,
                      node_id: str | None = None, counter: TokenCounter | None = None) -> AssembledContext:
    """Retrieve from each knowledge base (one span each), keep the best `top_k` overall, assemble."""
    hits: list[Hit] = []
    for knowledge_base in knowledge_bases:
        hits += traced_search(retriever, knowledge_base=knowledge_base, query=query, top_k=top_k, filter=filter,
                              project_id=project_id, tracer=tracer, parent_id=parent_id, sink=sink, node_id=node_id)
    best = sorted(hits, key=lambda h: -h.score)[:top_k]
    return assemble(best, policy, counter)
