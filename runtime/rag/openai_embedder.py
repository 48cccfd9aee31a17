"""Embeddings from OpenAI or any OpenAI-compatible server (`/v1/embeddings`), via the `openai` SDK."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import openai

from runtime.errors import (
    EmbeddingError,
    EmbeddingProviderError,
    EmbeddingTransientError,
)
from runtime.rag.dimensions import check_dimensions


class OpenAIEmbedder:
    """`Embedder` over the embeddings endpoint; batches inputs and checks every vector's size.

    Errors: timeouts, connection failures, 429 and 5xx raise `EmbeddingTransientError`
    (retryable, after the SDK's own `max_retries`); other refusals `EmbeddingProviderError`;
    a vector of the wrong size `EmbeddingDimensionMismatch`.
    """

    def __init__(self, model: str, *, dimensions: int, api_key: str, base_url: str | None = None,
                 name: str | None = None, batch_size: int = 128, timeout_s: float = 60.0, max_retries: int = 2,
                 send_dimensions: bool = False) -> None:
        self.model = model
        self.max_chunk_tokens = 8191  # the endpoint's input limit (OpenAI models); far above any chunk size
        self.dimensions = dimensions
        self.name = name or f"openai/{model}"
        self.batch_size = batch_size
        self.send_dimensions = send_dimensions
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._embed_batch(list(texts[start:start + self.batch_size])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed_batch([text])[0]

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        kwargs: dict[str, Any] = {"model": self.model, "input": batch, "encoding_format": "float"}
        if self.send_dimensions:
            kwargs["dimensions"] = self.dimensions
        try:
            response = self._client.embeddings.create(**kwargs)
        except openai.OpenAIError as exc:
            raise _mapped_error(exc, self.name) from exc
        items = sorted(response.data, key=lambda item: item.index)
        if len(items) != len(batch):
            raise EmbeddingProviderError(f"{self.name} returned {len(items)} vectors for {len(batch)} inputs")
        vectors = [list(item.embedding) for item in items]
        check_dimensions(vectors, self.dimensions, source=self.name)
        return vectors


def _mapped_error(exc: openai.OpenAIError, name: str) -> EmbeddingError:
    if isinstance(exc, (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)):
        return EmbeddingTransientError(f"{name}: {type(exc).__name__}: {exc}")
    if isinstance(exc, openai.APIStatusError):
        return EmbeddingProviderError(f"{name}: HTTP {exc.status_code}: {exc.message}", status=exc.status_code)
    return EmbeddingProviderError(f"{name}: {type(exc).__name__}: {exc}")
