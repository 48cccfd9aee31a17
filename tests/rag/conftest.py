"""RAG fixtures: the deterministic test embedder registered as `test/hashing-384`, a knowledge base."""
from __future__ import annotations

import pytest

from rag.embedders import register_embedder, unregister_embedder
from tests.rag.factories import TEST_EMBEDDER, Hashing384, make_kb


@pytest.fixture(autouse=True)
def test_embedder():
    register_embedder(TEST_EMBEDDER, Hashing384)
    yield
    unregister_embedder(TEST_EMBEDDER)


@pytest.fixture
def kb(project):
    return make_kb(project)
