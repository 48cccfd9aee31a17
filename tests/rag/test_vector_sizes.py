"""Knowledge bases of different embedding sizes share one table: each has its own partial HNSW
index; above pgvector's 2,000-dimension limit for `vector` it is a `halfvec` index."""
from __future__ import annotations

import pytest
from django.db import connection

from rag import vector_index
from rag.embedders import register_embedder, unregister_embedder
from rag.models import Document
from rag.retrieval import query_hits
from tests.rag.factories import add_text, make_kb
from tests.runtime.rag.hashing_embedder import HashingEmbedder

pytestmark = pytest.mark.django_db


class Hashing3072(HashingEmbedder):
    name, max_chunk_tokens = "test/hashing-3072", 8191

    def __init__(self, config=None):
        super().__init__(dimensions=3072)


@pytest.fixture
def large_embedder():
    register_embedder(Hashing3072.name, Hashing3072)
    yield
    unregister_embedder(Hashing3072.name)


def index_definition(kb) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [vector_index.index_name(kb.pk)])
        return cur.fetchone()[0]


def test_two_sizes_side_by_side_each_with_its_own_index(project, large_embedder):
    small = make_kb(project, "small")
    large = make_kb(project, "large", embedding_model=Hashing3072.name)
    assert (small.dimensions, large.dimensions) == (384, 3072)
    assert "vector(384)) vector_cosine_ops" in index_definition(small)
    assert "halfvec(3072)) halfvec_cosine_ops" in index_definition(large)
    add_text(small, "a.txt", "Glaciers retreat in warm summers.")
    document = add_text(large, "b.txt", "Volcanoes erupt after pressure builds up.")
    assert document.status == Document.READY
    assert query_hits(large, "volcanoes erupt", top_k=3)[0].document_name == "b.txt"
    assert [h.document_name for h in query_hits(small, "volcanoes erupt glaciers", top_k=3)] == ["a.txt"]
