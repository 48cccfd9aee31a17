"""The bundled all-MiniLM-L6-v2 model: 384-dim unit vectors, meaningful similarities, offline."""
from __future__ import annotations

import math

import pytest

from runtime.rag.embeddings import embedder_from_ref
from runtime.rag.local_embedder import load_local_model

pytestmark = pytest.mark.slow  # loading the model takes about 5 s


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def test_local_model_gives_normalised_384_dimension_vectors_ranking_similar_text_higher():
    embedder = embedder_from_ref("local/all-minilm-l6-v2")
    query = embedder.embed_query("How long does a refund take?")
    related, unrelated, also_unrelated = embedder.embed_documents([
        "Refunds are paid back within five business days.",
        "The Eiffel Tower is made of wrought iron.",
        "Photosynthesis converts light into chemical energy.",
    ])
    for vector in (query, related, unrelated, also_unrelated):
        assert len(vector) == 384
        assert math.sqrt(sum(v * v for v in vector)) == pytest.approx(1.0, abs=1e-4)
    assert _cosine(query, related) > _cosine(query, unrelated) + 0.2
    assert _cosine(query, related) > _cosine(query, also_unrelated) + 0.2
    assert embedder.embed_documents([]) == []


def test_the_model_is_loaded_once_per_process():
    assert load_local_model() is load_local_model()
