"""`Retriever` for Retrieval nodes: the RAG app's `rag.retrieval.ProjectRetriever` (built at the first
search), inside a `retrieval` span."""
from __future__ import annotations

import inspect
from typing import Any

from agent_platform.thread_connections import closing_thread_connections
from rag.retrieval import ProjectRetriever
from runtime.events import NullTracer
from runtime.graph import ServiceContext
from runtime.rag.retrieval import traced_search


class _WithMode:
    """Passes the node's `mode` (vector | hybrid) to a retriever that accepts one."""

    def __init__(self, retriever: Any, mode: str) -> None:
        self.retriever, self.mode = retriever, mode

    def search(self, knowledge_base: str, query: str, top_k: int, filter: Any, *,
               project_id: str | None = None) -> Any:
        return self.retriever.search(knowledge_base, query, top_k, filter, project_id=project_id, mode=self.mode)


class ProjectRetrieverAdapter:
    def __init__(self, project) -> None:
        self.project = project
        self._retriever: Any = None

    def _load(self) -> Any:
        if self._retriever is None:
            self._retriever = ProjectRetriever(self.project)
        return self._retriever

    def search(self, knowledge_base: str, query: str, *, top_k: int, filter: dict[str, Any] | None,
               mode: str | None, ctx: ServiceContext) -> list[dict[str, Any]]:
        """Top hits as API-shaped dicts, best first (the node emits `retrieval.completed`)."""
        retriever = self._load()
        if mode and "mode" in inspect.signature(retriever.search).parameters:
            retriever = _WithMode(retriever, mode)
        with closing_thread_connections():
            hits = traced_search(retriever, knowledge_base=knowledge_base, query=query, top_k=top_k, filter=filter,
                                 project_id=str(self.project.pk), tracer=ctx.tracer or NullTracer(),
                                 parent_id=ctx.span_id)
        return [hit.to_dict() for hit in hits]
