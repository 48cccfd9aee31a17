"""Knowledge bases, their documents (with the source bytes kept for re-indexing) and chunks.

Vectors of every knowledge base share one `rag_chunk.embedding` column of type `vector`
without fixed dimensions; each knowledge base gets its own partial HNSW index on
`(embedding::vector(N))` restricted to its rows, created with the knowledge base
(`rag/vector_index.py`, `docs/decisions/0004-vector-storage.md`). `tsv` is a generated
`tsvector` (English configuration) with a GIN index for the full-text half of hybrid search.
"""
from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone
from pgvector.django import VectorField

from agent_platform.ids import new_id
from runtime.rag.chunking import ChunkingPolicy
from runtime.rag.embeddings import LOCAL_DEFAULT_REF

TEXT_SEARCH_CONFIG = "english"


def new_knowledge_base_id() -> str:
    return new_id("kb")


def new_document_id() -> str:
    return new_id("doc")


class KnowledgeBase(models.Model):
    """A searchable collection of documents. The embedding model and the chunking policy are
    fixed when it is created; changing either re-indexes every document (a job per document)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_knowledge_base_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="knowledge_bases")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    embedding_model = models.CharField(max_length=200, default=LOCAL_DEFAULT_REF)
    # Non-secret embedder settings (dimensions, batch_size); keys and URLs come from the project.
    embedding_config = models.JSONField(default=dict, blank=True)
    dimensions = models.PositiveIntegerField()
    chunking = models.JSONField(default=dict)  # ChunkingPolicy.to_dict()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_knowledge_base_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def chunking_policy(self) -> ChunkingPolicy:
        return ChunkingPolicy.from_dict(self.chunking or {})


class Document(models.Model):
    SOURCES = [("upload", "upload"), ("url", "url"), ("text", "text")]
    QUEUED, PROCESSING, READY, FAILED = "queued", "processing", "ready", "failed"
    STATUSES = [(s, s) for s in (QUEUED, PROCESSING, READY, FAILED)]

    id = models.CharField(primary_key=True, max_length=40, default=new_document_id, editable=False)
    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=500)
    source = models.CharField(max_length=10, choices=SOURCES)
    url = models.URLField(max_length=2000, blank=True, default="")
    content_type = models.CharField(max_length=200, blank=True, default="")
    content_hash = models.CharField(max_length=80, blank=True, default="")  # of the content its chunks hold
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=STATUSES, default=QUEUED)
    error = models.JSONField(null=True, blank=True)  # {type, message} when failed
    progress = models.FloatField(default=0.0)  # 0..1 of the chunks embedded by the current job
    chunk_count = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=1)  # bumped on every (re)queue; older jobs give way
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["knowledge_base", "name"], name="uniq_document_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentContent(models.Model):
    """The bytes of an uploaded or pasted document, kept so it can be re-indexed (URL documents
    are fetched again instead). The bytes are an artifact under their content address
    (`documents/…`, agent_platform/artifacts.py); this row keeps them alive."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True, related_name="content")
    content_hash = models.CharField(max_length=80)  # "sha256:<hex>" of the bytes: also their artifact key
    size = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=500, blank=True, default="")

    @property
    def artifact_key(self) -> str:
        from agent_platform import artifacts

        return artifacts.key_for(artifacts.DOCUMENTS, self.content_hash.removeprefix("sha256:"))


class Chunk(models.Model):
    id = models.BigAutoField(primary_key=True)
    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks", db_index=False)
    position = models.PositiveIntegerField()
    text = models.TextField()
    token_count = models.PositiveIntegerField(default=0)
    # The document's metadata merged with the chunk's own: position, heading_path, page, start/end_char.
    metadata = models.JSONField(default=dict)
    embedding = VectorField(dimensions=None)  # sized per knowledge base by its partial HNSW index
    tsv = models.GeneratedField(expression=SearchVector("text", config=TEXT_SEARCH_CONFIG),
                                output_field=SearchVectorField(), db_persist=True)

    class Meta:
        indexes = [models.Index(fields=["document", "position"], name="rag_chunk_doc_pos"),
                   GinIndex(fields=["tsv"], name="rag_chunk_tsv")]

    @property
    def public_id(self) -> str:
        return chunk_public_id(self.pk)


def chunk_public_id(pk: int) -> str:
    return f"chk_{pk}"
