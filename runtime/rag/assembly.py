"""Prompt assembly: how retrieved chunks enter a prompt.

`assemble(hits, policy)` filters (minimum score), removes near-duplicates, selects chunks in
score order while they fit the token budget (a chunk that does not fit is skipped and smaller
ones are still tried; if not even the best one fits, it is cut at a word boundary), orders
them (`score`, or `document`: grouped per document, in document order), numbers them with
citation markers (`[1]`, per chunk or per document) and renders one text block for the
prompt. `citations` maps every marker back to its chunk and document, so answers can link
their sources. With no usable hit, `no_answer` decides: `say_unknown` puts an instruction
not to guess into the prompt, `empty` leaves the context empty (the caller decides).

Used by the agent loop (knowledge attached to an agent version) and the workflow Retrieval
node. Deterministic for the same hits and policy.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from runtime.errors import InputInvalid
from runtime.rag.hits import Hit, as_hits
from runtime.rag.ranking import dedupe_hits
from runtime.rag.tokens import DEFAULT_COUNTER, TokenCounter

DEFAULT_HEADER = ("Answer using the numbered sources below. Cite the sources you use with their markers, "
                  "like {example}. If the sources do not contain the answer, say that you do not know.")
DEFAULT_NO_ANSWER = ("No relevant information was found in the knowledge base for this request. Say that you "
                     "could not find the answer; do not guess.")
DEFAULT_CHUNK_TEMPLATE = "{marker} {source}\n{text}"


@dataclass(frozen=True)
class AssemblyPolicy:
    token_budget: int = 2000
    ordering: Literal["score", "document"] = "score"
    dedupe: bool = True
    dedupe_threshold: float = 0.9  # word 3-gram Jaccard similarity
    min_score: float | None = None
    max_chunks: int | None = None
    citation_style: str = "[{n}]"  # "" for no markers
    cite_by: Literal["chunk", "document"] = "chunk"
    header: str = DEFAULT_HEADER  # "{example}" becomes the first marker; "" for none
    chunk_template: str = DEFAULT_CHUNK_TEMPLATE  # fields: marker, source, document_name, text, page, heading
    separator: str = "\n\n"
    no_answer: Literal["say_unknown", "empty"] = "say_unknown"
    no_answer_text: str = DEFAULT_NO_ANSWER

    def __post_init__(self) -> None:
        if self.token_budget < 1:
            raise InputInvalid("token_budget must be positive", field="token_budget")
        if self.ordering not in ("score", "document"):
            raise InputInvalid(f"unknown ordering {self.ordering!r}", field="ordering")
        if self.cite_by not in ("chunk", "document"):
            raise InputInvalid(f"unknown cite_by {self.cite_by!r}", field="cite_by")
        if self.no_answer not in ("say_unknown", "empty"):
            raise InputInvalid(f"unknown no_answer {self.no_answer!r}", field="no_answer")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssemblyPolicy:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputInvalid(f"unknown assembly policy fields: {sorted(unknown)}", field="assembly")
        return cls(**data)


@dataclass
class Citation:
    marker: str
    chunk_id: str
    document_id: str
    document_name: str
    score: float
    page: int | None = None
    heading_path: list[str] = field(default_factory=list)
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AssembledContext:
    text: str  # goes into the prompt (system or user message)
    citations: list[Citation]
    used_tokens: int
    dropped: list[dict[str, str]]  # {chunk_id, reason: below_min_score | duplicate | budget | max_chunks}
    found: bool  # False: no usable hit, `text` follows the no_answer policy

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": [c.to_dict() for c in self.citations],
                "used_tokens": self.used_tokens, "dropped": self.dropped, "found": self.found}


def assemble(hits: Iterable[Hit | Mapping[str, Any]], policy: AssemblyPolicy | None = None,
             counter: TokenCounter | None = None) -> AssembledContext:
    """Build the prompt context from retrieved hits (best first or not: they are sorted by score)."""
    policy = policy or AssemblyPolicy()
    counter = counter or DEFAULT_COUNTER
    ranked = sorted(as_hits(hits), key=lambda h: -h.score)  # stable: retriever order breaks ties
    dropped: list[dict[str, str]] = []
    if policy.min_score is not None:
        dropped += [_drop(h, "below_min_score") for h in ranked if h.score < policy.min_score]
        ranked = [h for h in ranked if h.score >= policy.min_score]
    if policy.dedupe:
        ranked, duplicates = dedupe_hits(ranked, threshold=policy.dedupe_threshold)
        dropped += [_drop(h, "duplicate") for h in duplicates]
    if not ranked:
        return _no_answer(policy, counter, dropped)
    builder = _Builder(policy, counter)
    selected, truncated = builder.select(ranked, dropped)
    while True:
        text, citations = builder.render(selected, truncated)
        used = counter.count(text)
        if used <= policy.token_budget or len(selected) == 1:
            return AssembledContext(text, citations, used, dropped, True)
        dropped.append(_drop(selected.pop(), "budget"))  # the estimate was off (non-additive counter)


def _drop(hit: Hit, reason: str) -> dict[str, str]:
    return {"chunk_id": hit.chunk_id, "reason": reason}


def _no_answer(policy: AssemblyPolicy, counter: TokenCounter, dropped: list[dict[str, str]]) -> AssembledContext:
    text = policy.no_answer_text if policy.no_answer == "say_unknown" else ""
    return AssembledContext(text, [], counter.count(text), dropped, False)


class _Builder:
    def __init__(self, policy: AssemblyPolicy, counter: TokenCounter) -> None:
        self.policy = policy
        self.counter = counter

    def select(self, ranked: list[Hit], dropped: list[dict[str, str]]) -> tuple[list[Hit], dict[str, str]]:
        """Greedy by score within the budget; returns the chosen hits and any truncated texts."""
        policy, count = self.policy, self.counter.count
        widest = self._marker(len(ranked))  # cost every block with the widest marker it could get
        used = count(self._header())
        selected: list[Hit] = []
        for hit in ranked:
            if policy.max_chunks is not None and len(selected) >= policy.max_chunks:
                dropped.append(_drop(hit, "max_chunks"))
                continue
            cost = count(self._block(hit, widest, hit.text)) + (count(policy.separator) if used else 0)
            if used + cost <= policy.token_budget:
                selected.append(hit)
                used += cost
            else:
                dropped.append(_drop(hit, "budget"))
        if selected:
            return selected, {}
        best = ranked[0]  # nothing fits whole: cut the best chunk to the budget
        dropped[:] = [d for d in dropped if d["chunk_id"] != best.chunk_id]
        room = policy.token_budget - count(self._header()) - count(self._block(best, widest, "")) - 2
        return [best], {best.chunk_id: _truncate(best.text, max(room, 0), self.counter)}

    def render(self, selected: list[Hit], truncated: dict[str, str]) -> tuple[str, list[Citation]]:
        ordered = self._ordered(selected)
        markers: dict[str, str] = {}
        blocks, citations = [], []
        for hit in ordered:
            key = hit.document_id if self.policy.cite_by == "document" else hit.chunk_id
            marker = markers.setdefault(key, self._marker(len(markers) + 1))
            blocks.append(self._block(hit, marker, truncated.get(hit.chunk_id, hit.text)))
            citations.append(Citation(marker, hit.chunk_id, hit.document_id, hit.document_name, hit.score,
                                      _page(hit), list(hit.metadata.get("heading_path") or []),
                                      hit.chunk_id in truncated))
        header = self._header()
        return self.policy.separator.join(([header] if header else []) + blocks), citations

    def _ordered(self, selected: list[Hit]) -> list[Hit]:
        if self.policy.ordering == "score":
            return selected
        document_rank: dict[str, int] = {}
        for hit in selected:
            document_rank.setdefault(hit.document_id, len(document_rank))
        return sorted(selected, key=lambda h: (document_rank[h.document_id],
                                               h.position if h.position is not None else 0))

    def _marker(self, n: int) -> str:
        return self.policy.citation_style.format(n=n) if self.policy.citation_style else ""

    def _header(self) -> str:
        return self.policy.header.replace("{example}", self._marker(1)) if self.policy.header else ""

    def _block(self, hit: Hit, marker: str, text: str) -> str:
        page = _page(hit)
        heading = " > ".join(str(h) for h in hit.metadata.get("heading_path") or [])
        source = hit.document_name or hit.document_id
        source += f", page {page}" if page is not None else ""
        source += f" ({heading})" if heading else ""
        fields = {"marker": marker, "source": source, "document_name": hit.document_name, "text": text,
                  "page": "" if page is None else page, "heading": heading}
        return self.policy.chunk_template.format_map(fields).strip()


def _page(hit: Hit) -> int | None:
    page = hit.metadata.get("page")
    return int(page) if isinstance(page, (int, float)) else None


def _truncate(text: str, max_tokens: int, counter: TokenCounter) -> str:
    """Longest word-boundary prefix of `text` within `max_tokens`, marked with an ellipsis."""
    words = text.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if counter.count(" ".join(words[:mid]) + " …") <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo]) + " …" if lo else ""
