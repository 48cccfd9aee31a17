"""The check every embedding provider applies to what it returns."""
from __future__ import annotations

from collections.abc import Sequence

from runtime.errors import EmbeddingDimensionMismatch


def check_dimensions(vectors: Sequence[Sequence[float]], expected: int, *, source: str) -> None:
    """Raise `EmbeddingDimensionMismatch` unless every vector has `expected` components."""
    for index, vector in enumerate(vectors):
        if len(vector) != expected:
            raise EmbeddingDimensionMismatch(
                f"{source} returned a vector of {len(vector)} dimensions, expected {expected}",
                index=index, got=len(vector), expected=expected)
