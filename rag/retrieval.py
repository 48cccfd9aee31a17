"""`ProjectRetriever`: retrieval over a project's knowledge bases (pgvector + full-text).

It implements `runtime.tools.retrieval.Retriever` (the `retrieval` tool, workflow Retrieval
nodes, agents' attached knowledge) and serves the query API:

    vector   HNSW top-k by cosine similarity, metadata filters inside the index scan
    hybrid   vector top-N and full-text top-N (`websearch_to_tsquery`, `ts_rank_cd`) fused by
             reciprocal rank (`runtime.rag.ranking.fuse_hits`); `score` is then the fused score
    options  `min_score` (on cosine similarities; in hybrid mode before fusion), `mmr_lambda`
             (maximal-marginal-relevance diversity over a larger candidate set)

The query is embedded in this process by the knowledge base's embedder: a process that serves
queries for a knowledge base on the local model loads that model (once) at its first query.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_platform.service_errors import DependencyUnavailable, InvalidField
from agent_platform.thread_connections import closing_thread_connections
from rag import search_sql, selectors
from rag.embedders import knowledge_base_embedder
from rag.models import KnowledgeBase
from rag.vector_index import DEFAULT_EF_SEARCH
from runtime.errors import EmbeddingError, InputInvalid, KnowledgeBaseNotFound, ToolError, ToolInputInvalid
from runtime.rag.filters import Condition, parse_filter
from runtime.rag.hits import Hit
from runtime.rag.ranking import filter_by_score, fuse_hits, mmr_hits

MODES = ("vector", "hybrid")
MAX_TOP_K = 100
CANDIDATES_PER_RESULT = 4  # hybrid and MMR rank from top_k * 4 candidates per list (at least 20)


@dataclass(frozen=True)
class SearchOptions:
    top_k: int = 5
    filter: Mapping[str, Any] | None = None
    mode: str = "vector"
    min_score: float | None = None
    mmr_lambda: float | None = None  # None: no MMR; 1.0 pure relevance, 0.0 pure diversity

    def validated(self) -> SearchOptions:
        if not 1 <= self.top_k <= MAX_TOP_K:
            raise InputInvalid(f"top_k must be between 1 and {MAX_TOP_K}", field="top_k")
        if self.mode not in MODES:
            raise InputInvalid(f"mode must be one of {', '.join(MODES)}", field="mode")
        if self.mmr_lambda is not None and not 0.0 <= self.mmr_lambda <= 1.0:
            raise InputInvalid("mmr_lambda must be between 0 and 1", field="mmr_lambda")
        return self


class ProjectRetriever:
    """Searches the knowledge bases of one project. Cheap to build: nothing loads until a search."""

    def __init__(self, project, *, secrets: Mapping[str, str] | None = None,
                 ef_search: int = DEFAULT_EF_SEARCH) -> None:
        self.project = project
        self.secrets = secrets
        self.ef_search = ef_search
        self._query_vectors: dict[tuple[str, str], list[float]] = {}

    # --- the Retriever protocol ------------------------------------------------------------------
    def search(self, knowledge_base: str, query: str, top_k: int, filter: Mapping[str, Any] | None,
               *, project_id: str | None = None, mode: str | None = None) -> list[dict[str, Any]]:
        """API-shaped hits, best first. Unknown knowledge base: `KnowledgeBaseNotFound` (a ToolError);
        a bad filter or option: `ToolInputInvalid`."""
        if project_id is not None and str(project_id) != str(self.project.pk):
            raise ToolError("the retriever belongs to another project", reason="project_mismatch")
        with closing_thread_connections():
            kb = selectors.find_knowledge_base(self.project, knowledge_base)
            if kb is None:
                raise KnowledgeBaseNotFound(f"no knowledge base {knowledge_base!r} in this project",
                                            knowledge_base=knowledge_base)
            try:
                hits = self.search_knowledge_base(kb, query, SearchOptions(top_k=int(top_k), filter=filter,
                                                                           mode=mode or "vector"))
            except InputInvalid as exc:
                raise ToolInputInvalid(exc.message, **exc.details) from exc
        return [hit.to_dict() for hit in hits]

    # --- the query API and everything else -------------------------------------------------------
    def search_knowledge_base(self, kb: KnowledgeBase, query: str, options: SearchOptions) -> list[Hit]:
        """Hits for `query` in `kb` under `options` (validated here; `InputInvalid` names the field)."""
        options = options.validated()
        if not query.strip():
            raise InputInvalid("query must not be empty", field="query")
        conditions = parse_filter(options.filter)
        vector = self.query_vector(kb, query)
        want_vectors = options.mmr_lambda is not None
        pool = max(options.top_k * CANDIDATES_PER_RESULT, 20)
        if options.mode == "vector":
            hits = self._vector(kb, vector, pool if want_vectors else options.top_k, conditions, want_vectors)
            hits = filter_by_score(hits, options.min_score)
        else:
            hits = self._hybrid(kb, query, vector, pool, conditions, options.min_score)
        if want_vectors:
            return self._diversified(hits, vector, options.top_k, options.mmr_lambda or 0.0)
        return hits[:options.top_k]

    def query_vector(self, kb: KnowledgeBase, query: str) -> list[float]:
        """The query's embedding under the knowledge base's model (memoised per retriever)."""
        key = (f"{kb.embedding_model}:{sorted((kb.embedding_config or {}).items())}", query)
        vector = self._query_vectors.get(key)
        if vector is None:
            vector = knowledge_base_embedder(kb, self.secrets).embed_query(query)
            if len(self._query_vectors) > 32:
                self._query_vectors.clear()
            self._query_vectors[key] = vector
        return vector

    def _vector(self, kb: KnowledgeBase, vector: Sequence[float], top_k: int, conditions: Sequence[Condition],
                with_vectors: bool) -> list[Hit]:
        return search_sql.vector_search(kb.pk, kb.dimensions, vector, top_k=top_k, conditions=conditions,
                                        ef_search=self.ef_search, with_vectors=with_vectors)

    def _hybrid(self, kb: KnowledgeBase, query: str, vector: Sequence[float], pool: int,
                conditions: Sequence[Condition], min_score: float | None) -> list[Hit]:
        # The threshold applies to cosine similarities, before fusion (fused scores are not cosines).
        by_vector = filter_by_score(self._vector(kb, vector, pool, conditions, False), min_score)
        by_text = search_sql.text_search(kb.pk, query, limit=pool, conditions=conditions)
        return fuse_hits({"vector": by_vector, "text": by_text})

    @staticmethod
    def _diversified(hits: list[Hit], vector: Sequence[float], top_k: int, lambda_: float) -> list[Hit]:
        missing = [h.chunk_id for h in hits if h.vector is None]
        if missing:
            found = search_sql.chunk_vectors(missing)
            for hit in hits:
                if hit.vector is None:
                    hit.vector = found.get(hit.chunk_id)
        ranked = mmr_hits([h for h in hits if h.vector is not None], vector, k=top_k, lambda_=lambda_)
        for hit in ranked:
            hit.vector = None
        return ranked


def query_hits(kb: KnowledgeBase, query: str, *, top_k: int = 5, filter: dict | None = None, mode: str = "vector",
               min_score: float | None = None, mmr_lambda: float | None = None,
               retriever: ProjectRetriever | None = None) -> list[Hit]:
    """The query playground and API: hits as `Hit`s, errors as domain errors naming the field."""
    retriever = retriever or ProjectRetriever(kb.project)
    options = SearchOptions(top_k=top_k, filter=filter, mode=mode, min_score=min_score, mmr_lambda=mmr_lambda)
    try:
        return retriever.search_knowledge_base(kb, query, options)
    except InputInvalid as exc:
        raise InvalidField(str(exc.details.get("field") or "body"), exc.message) from None
    except EmbeddingError as exc:
        raise DependencyUnavailable(f"the embedding model is unavailable: {exc.message}", code=exc.code) from None
