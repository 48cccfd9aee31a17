"""`semantic_similarity` through the Embedder protocol (a deterministic hashing embedder)."""
from __future__ import annotations

import hashlib

import pytest

from runtime.errors import EmbeddingUnavailable
from runtime.evals import MetricServices
from runtime.evals.errors import MetricConfigInvalid
from tests.runtime.evals.factories import case, metric
from tests.runtime.rag.hashing_embedder import HashingEmbedder


def _bucket(word: str, dims: int = 64) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % dims


def services(seen: list | None = None) -> MetricServices:
    def embedder(ref):
        if ref not in (None, "test/hashing"):
            raise EmbeddingUnavailable(f"unknown embedding model {ref!r}")
        if seen is not None:
            seen.append(ref)
        return HashingEmbedder()
    return MetricServices(embedder=embedder)


def test_identical_texts_have_similarity_one():
    result = metric({"type": "semantic_similarity"}, services()).score(case({"text": "Paris is lovely"}, "paris IS lovely"))
    assert (result.value, result.passed, result.details["model"]) == (1.0, True, "test/hashing")


def test_half_overlap_has_cosine_one_half_and_fails_the_default_threshold():
    assert len({_bucket("alpha"), _bucket("beta"), _bucket("gamma")}) == 3  # no hash collisions
    m = metric({"type": "semantic_similarity"}, services())
    result = m.score(case({"text": "alpha beta"}, "alpha gamma"))
    assert result.value == pytest.approx(0.5)
    assert result.passed is False
    assert result.reason == "similarity 0.500 < threshold 0.8"
    assert metric({"type": "semantic_similarity", "threshold": 0.5}, services()).score(
        case({"text": "alpha beta"}, "alpha gamma")).passed is True


def test_the_model_ref_is_passed_to_the_embedder_factory_and_checked_at_build():
    seen: list = []
    metric({"type": "semantic_similarity", "model": "test/hashing"}, services(seen))
    assert seen == ["test/hashing"]
    with pytest.raises(MetricConfigInvalid) as err:
        metric({"type": "semantic_similarity", "model": "nope/model"}, services())
    assert err.value.details["field"] == "model"


@pytest.mark.slow  # loads the bundled MiniLM model (about 5 s)
def test_with_the_bundled_local_minilm_model():
    from runtime.rag.embeddings import LOCAL_DEFAULT_REF, embedder_from_ref

    local = MetricServices(embedder=lambda ref: embedder_from_ref(ref or LOCAL_DEFAULT_REF))
    m = metric({"type": "semantic_similarity", "threshold": 0.6}, local)
    close = m.score(case({"text": "Refunds are paid back within five business days."},
                         "You get your money back in five working days."))
    far = m.score(case({"text": "The Eiffel Tower is made of wrought iron."},
                       "You get your money back in five working days."))
    assert close.details["model"] == LOCAL_DEFAULT_REF
    assert close.passed is True and far.passed is False
    assert close.value > far.value + 0.3
    assert m.score(case({"text": "same words"}, "same words")).value == pytest.approx(1.0, abs=1e-5)
