"""`Hit`: one retrieved chunk, the unit ranking and prompt assembly work on.

Its dict form is the public query shape (`API.md`): `{chunk_id, document_id, document_name,
text, score, metadata}`; retrievers (the Django pgvector one, `InMemoryIndex`) may return either.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hit:
    chunk_id: str
    document_id: str
    text: str
    score: float  # higher is better: cosine similarity for vector search, fused score for hybrid
    document_name: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)  # chunk metadata (heading_path, page, ...) + document's
    vector: list[float] | None = None  # the chunk's embedding, when the retriever fetched it (MMR)
    signals: dict[str, float] = field(default_factory=dict)  # per-ranker ranks/scores after fusion

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Hit:
        return cls(chunk_id=str(data["chunk_id"]), document_id=str(data["document_id"]), text=str(data["text"]),
                   score=float(data.get("score", 0.0)), document_name=str(data.get("document_name") or ""),
                   metadata=dict(data.get("metadata") or {}), vector=data.get("vector"),
                   signals=dict(data.get("signals") or {}))

    def to_dict(self) -> dict[str, Any]:
        """The API shape (without the vector)."""
        out = {"chunk_id": self.chunk_id, "document_id": self.document_id, "document_name": self.document_name,
               "text": self.text, "score": self.score, "metadata": self.metadata}
        if self.signals:
            out["signals"] = self.signals
        return out

    @property
    def position(self) -> int | None:
        """Order of the chunk in its document, when known (`metadata.position` or `start_char`)."""
        value = self.metadata.get("position", self.metadata.get("start_char"))
        return int(value) if isinstance(value, (int, float)) else None


def as_hits(items: Iterable[Hit | Mapping[str, Any]]) -> list[Hit]:
    """Accept hits as `Hit` objects or API-shaped dicts."""
    return [item if isinstance(item, Hit) else Hit.from_dict(item) for item in items]
