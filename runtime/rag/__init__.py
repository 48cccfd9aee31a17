"""RAG engine: extraction, chunking, embeddings, ranking and prompt assembly (no Django).

Entry points for the Django `rag` app (models, pgvector SQL, RQ jobs, API) and the engine:

ingestion (an RQ job)          `ingest.fetch_source`, `ingest.stream_document` (memory O(batch) for text
                               and Markdown) or `ingest.prepare_document` (bytes in memory),
                               `ingest.embed_chunks`, `ingest.content_hash`; lower level `extract.extract`,
                               `chunking.chunk`, `text_stream` + `chunking.chunk_blocks`
knowledge-base settings        `chunking.ChunkingPolicy`, `embeddings.embedder_from_ref`,
                               `assembly.AssemblyPolicy` (each has `to_dict`/`from_dict` for JSON columns)
query                          `filters.parse_filter` (validate, then compile `Condition`s to SQL),
                               `ranking.fuse_hits` (hybrid RRF), `ranking.mmr_hits`, `ranking.filter_by_score`
prompt                         `assembly.assemble`, `retrieval.traced_search`, `retrieval.knowledge_context`
tests, demos, exact baseline   `memory_index.InMemoryIndex`

Importing any module here never imports torch: the local embedding model loads on first use.
"""
