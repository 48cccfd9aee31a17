"""Embedders are built from the model ref a knowledge base stores."""
from __future__ import annotations

import pytest

from runtime.errors import EmbeddingUnavailable
from runtime.rag.embeddings import embedder_from_ref
from runtime.rag.local_embedder import LocalMiniLMEmbedder
from runtime.rag.openai_embedder import OpenAIEmbedder


def test_local_default_ref_gives_the_384_dimension_minilm_embedder():
    embedder = embedder_from_ref("local/all-minilm-l6-v2", {"batch_size": 32})
    assert isinstance(embedder, LocalMiniLMEmbedder)
    assert (embedder.name, embedder.dimensions, embedder.batch_size) == ("local/all-minilm-l6-v2", 384, 32)


@pytest.mark.parametrize("model, dimensions", [
    ("text-embedding-3-small", 1536), ("text-embedding-3-large", 3072), ("text-embedding-ada-002", 1536),
])
def test_openai_refs_know_their_dimensions(model, dimensions):
    embedder = embedder_from_ref(f"openai/{model}", {"api_key": "sk-test"})
    assert isinstance(embedder, OpenAIEmbedder)
    assert (embedder.model, embedder.dimensions, embedder.name) == (model, dimensions, f"openai/{model}")


def test_shortened_openai_dimensions_can_be_configured():
    assert embedder_from_ref("openai/text-embedding-3-large", {"api_key": "k", "dimensions": 256}).dimensions == 256


@pytest.mark.parametrize("ref, config, missing", [
    ("openai/text-embedding-3-small", {}, "api_key"),
    ("openai/my-custom-model", {"api_key": "k"}, "dimensions"),
    ("compat:ollama/nomic-embed-text", {"dimensions": 768}, "base_url"),
    ("compat:ollama/nomic-embed-text", {"base_url": "http://127.0.0.1:11434/v1"}, "dimensions"),
])
def test_missing_configuration_is_embedding_unavailable(ref, config, missing):
    with pytest.raises(EmbeddingUnavailable) as info:
        embedder_from_ref(ref, config)
    assert info.value.details["field"] == missing


@pytest.mark.parametrize("ref", ["cohere/embed-v3", "local/other-model", "compat:no-slash", ""])
def test_unknown_refs_are_embedding_unavailable(ref):
    with pytest.raises(EmbeddingUnavailable):
        embedder_from_ref(ref)


def test_built_in_embedders_suggest_a_chunk_size_they_embed_whole():
    assert embedder_from_ref("local/all-minilm-l6-v2").max_chunk_tokens == 200
    assert embedder_from_ref("openai/text-embedding-3-small", {"api_key": "k"}).max_chunk_tokens == 8191
