"""Metadata filters (equality, `in`, ranges, `ne`, `exists`, nested paths) on the chunks' JSONB
metadata, applied inside the HNSW scan: filtered queries still return k results."""
from __future__ import annotations

import pytest
from django.db import connection

from rag.ingestion import copy_chunks
from rag.models import Document
from rag.retrieval import query_hits
from rag.search_sql import vector_literal, vector_search
from rag.vector_index import index_predicate
from runtime.rag.chunking import Chunk as TextChunk
from runtime.rag.filters import parse_filter
from runtime.rag.ingest import EmbeddedBatch
from tests.rag.factories import Hashing384, add_text

pytestmark = pytest.mark.django_db
TOPICS = ["invoices", "refunds", "shipping", "passwords", "backups"]


@pytest.fixture
def catalogue(kb):
    """Ten documents with language, year, tags and a nested author."""
    for i in range(10):
        add_text(kb, f"doc{i}.txt", f"Note {i} about {TOPICS[i % 5]} and the support process.",
                 metadata={"lang": "fr" if i % 2 else "en", "year": 2015 + i, "tags": [TOPICS[i % 5], "support"],
                           "author": {"name": "Ada" if i < 5 else "Grace"}, **({"draft": True} if i == 9 else {})})
    return kb


def names(hits):
    return sorted(h.document_name for h in hits)


def test_no_filter_returns_top_k(catalogue):
    assert len(query_hits(catalogue, "support process", top_k=7)) == 7


@pytest.mark.parametrize("spec, expected", [
    ({"lang": "en"}, ["doc0.txt", "doc2.txt", "doc4.txt", "doc6.txt", "doc8.txt"]),
    ({"year": {"gte": 2021, "lt": 2024}}, ["doc6.txt", "doc7.txt", "doc8.txt"]),
    ({"tags": ["refunds", "backups"]}, ["doc1.txt", "doc4.txt", "doc6.txt", "doc9.txt"]),
    ({"tags": "shipping"}, ["doc2.txt", "doc7.txt"]),
    ({"author.name": "Grace", "lang": {"ne": "fr"}}, ["doc6.txt", "doc8.txt"]),
    ({"draft": {"exists": True}}, ["doc9.txt"]),
    ({"year": {"$lte": 2016}}, ["doc0.txt", "doc1.txt"]),
    ({"lang": {"nin": ["en"]}, "draft": {"exists": False}}, ["doc1.txt", "doc3.txt", "doc5.txt", "doc7.txt"]),
])
def test_filters_select_exactly_the_matching_chunks(catalogue, spec, expected):
    assert names(query_hits(catalogue, "support process note", top_k=10, filter=spec)) == expected


def test_a_filtered_query_still_returns_k_results(catalogue):
    hits = query_hits(catalogue, "invoices support", top_k=3, filter={"lang": "fr"})
    assert len(hits) == 3 and all(h.metadata["lang"] == "fr" for h in hits)


def test_an_invalid_filter_names_the_problem(catalogue):
    from agent_platform.service_errors import InvalidField

    with pytest.raises(InvalidField) as info:
        query_hits(catalogue, "x", filter={"year": {"between": [1, 2]}})
    assert info.value.errors == {"filter": ["filter on 'year': unknown operator 'between'; use one of "
                                            "eq, ne, in, nin, gt, gte, lt, lte, exists"]}


def test_filter_values_cannot_inject_sql_or_jsonpath(catalogue):
    hostile = {"lang": 'en") || (@ != "x', "author.name": "'; DROP TABLE rag_chunk; --"}
    assert query_hits(catalogue, "support", filter=hostile) == []
    assert len(query_hits(catalogue, "support", top_k=10)) == 10


def test_iterative_index_scan_returns_k_filtered_hits_beyond_ef_search(kb):
    """300 chunks, 10 % of them `keep`; with ef_search = 10 a plain HNSW scan sees about one."""
    document = Document.objects.create(knowledge_base=kb, name="bulk", source="text")
    embedder = Hashing384()
    chunks = [TextChunk(f"row {i} word{i % 7} token{i % 11}", i, 5, {"keep": i % 10 == 0}) for i in range(300)]
    copy_chunks(document, [EmbeddedBatch(chunks, embedder.embed_documents([c.text for c in chunks]), 300, 300)])
    with connection.cursor() as cur:  # make the planner take the HNSW index even at this size
        cur.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
    query = embedder.embed_query("row word3 token5")
    conditions = parse_filter({"keep": True})
    sql = (f"SELECT id FROM rag_chunk WHERE {index_predicate(kb.pk, 384)} AND metadata @? '$.keep ? (@ == true)' "
           f"ORDER BY embedding::vector(384) <=> '{vector_literal(query)}'::vector(384) LIMIT 10")
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql)
        assert "rag_chunk_hnsw_" in " ".join(row[0] for row in cur.fetchall())
        cur.execute("SET LOCAL hnsw.ef_search = 10; SET LOCAL hnsw.iterative_scan = off")
        cur.execute(sql)
        assert len(cur.fetchall()) < 10  # what a filtered HNSW query returns without iterative scans

    hits = vector_search(kb.pk, 384, query, top_k=10, conditions=conditions, ef_search=10, exact_fallback=False)
    exact = vector_search(kb.pk, 384, query, top_k=10, conditions=conditions, exact=True)
    assert len(hits) == 10 and all(h.metadata["keep"] is True for h in hits)
    assert len({h.chunk_id for h in hits} & {h.chunk_id for h in exact}) >= 9
