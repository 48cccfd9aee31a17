"""The embedded default (`local/all-minilm-l6-v2`, 384 dims) end to end: real sentence
embeddings find paraphrases that share no words with the query."""
from __future__ import annotations

import pytest

from rag import services
from rag.models import Document
from rag.retrieval import query_hits
from tests.rag.factories import add_text

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DOCS = {
    "pets.txt": "Dogs and cats need vaccinations and regular visits to the veterinarian.",
    "money.txt": "Interest rates on savings accounts rose after the central bank decision.",
    "weather.txt": "Heavy rain and strong winds are expected along the coast tomorrow.",
}


def test_the_local_model_ingests_and_finds_paraphrases(project):
    kb = services.create_knowledge_base(project=project, name="local")
    assert (kb.embedding_model, kb.dimensions, kb.chunking["chunk_tokens"]) == ("local/all-minilm-l6-v2", 384, 200)
    for name, text in DOCS.items():
        assert add_text(kb, name, text).status == Document.READY
    assert query_hits(kb, "animal doctor appointments", top_k=1)[0].document_name == "pets.txt"
    assert query_hits(kb, "storm forecast by the sea", top_k=1)[0].document_name == "weather.txt"
    hits = query_hits(kb, "bank deposits earn more", top_k=3)
    assert hits[0].document_name == "money.txt" and hits[0].score > hits[1].score + 0.1
