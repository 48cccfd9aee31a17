"""Chunking: `ExtractedDocument` -> ordered `Chunk`s of at most `chunk_tokens` tokens.

Recursive splitting (as in LangChain's recursive splitter, by tokens not characters): a span
that is too long is cut at the first separator that occurs in it (paragraphs, then lines, then
sentences, then words, finally characters), pieces that still do not fit are cut at the next
separator, and the resulting units are packed greedily into chunks of at most
`chunk_tokens - overlap_tokens` tokens. Each chunk then gets up to `overlap_tokens` tokens of
the end of the previous chunk (whole words) prepended, so every chunk is <= `chunk_tokens`.

`strategy="markdown"` first cuts the document at ATX headings (`#` .. `######`, outside fenced
code) and records each chunk's heading path; chunks never span two sections or two PDF pages.
Every chunk's text is `document.text[start_char:end_char]`. Deterministic; no empty chunks.
"""
from __future__ import annotations

import bisect
import itertools
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from runtime.errors import InputInvalid
from runtime.rag.documents import ExtractedDocument
from runtime.rag.tokens import (
    DEFAULT_COUNTER,
    ApproxTokenCounter,
    TokenCounter,
    iter_piece_costs,
)

DEFAULT_SEPARATORS: tuple[str, ...] = (r"\n[ \t]*\n\s*", r"\n", r"(?<=[.!?;:])\s+", r"\s+")
_MD_LINE = re.compile(r"^(?:(?P<fence>```|~~~).*|(?P<hashes>#{1,6})[ \t]+(?P<title>.+?)(?:[ \t]+#+)?[ \t]*)$", re.MULTILINE)
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class ChunkingPolicy:
    """How a knowledge base cuts documents; fixed at creation (changing it means re-indexing)."""

    strategy: Literal["recursive", "markdown"] = "recursive"
    chunk_tokens: int = 256
    overlap_tokens: int = 32
    separators: tuple[str, ...] = DEFAULT_SEPARATORS  # regexes, coarsest first

    def __post_init__(self) -> None:
        if self.strategy not in ("recursive", "markdown"):
            raise InputInvalid(f"unknown chunking strategy {self.strategy!r}", field="strategy")
        if not 16 <= self.chunk_tokens <= 8192:
            raise InputInvalid("chunk_tokens must be between 16 and 8192", field="chunk_tokens")
        if not 0 <= self.overlap_tokens <= self.chunk_tokens // 2:
            raise InputInvalid("overlap_tokens must be between 0 and chunk_tokens / 2", field="overlap_tokens")
        for pattern in self.separators:
            try:
                matches_empty = re.compile(pattern).fullmatch("") is not None
            except re.error as exc:
                raise InputInvalid(f"invalid separator regex {pattern!r}: {exc}", field="separators") from exc
            if matches_empty:
                raise InputInvalid(f"separator {pattern!r} matches the empty string", field="separators")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "separators": list(self.separators)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkingPolicy:
        """Build from stored JSON; unknown keys are an error (a typo would silently change chunking)."""
        unknown = set(data) - {"strategy", "chunk_tokens", "overlap_tokens", "separators"}
        if unknown:
            raise InputInvalid(f"unknown chunking policy fields: {sorted(unknown)}", field="chunking")
        values = dict(data)
        if "separators" in values:
            values["separators"] = tuple(values["separators"])
        return cls(**values)


@dataclass
class Chunk:
    text: str
    position: int  # 0-based order in the document
    token_count: int
    metadata: dict[str, Any] = field(default_factory=dict)  # heading_path, start_char, end_char, page?


@dataclass(frozen=True)
class _Segment:
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    page: int | None = None


def chunk(doc: ExtractedDocument, policy: ChunkingPolicy | None = None,
          counter: TokenCounter | None = None) -> list[Chunk]:
    """Cut `doc` into chunks following `policy` (see the module docstring)."""
    policy = policy or ChunkingPolicy()
    splitter = _Splitter(doc.text, policy, counter or DEFAULT_COUNTER)
    headings = _Headings() if policy.strategy == "markdown" else None
    return list(_chunks_of(doc.text, 0, _segments(doc, headings), splitter, 0))


def chunk_blocks(blocks: Iterable[str], policy: ChunkingPolicy | None = None,
                 counter: TokenCounter | None = None) -> Iterator[Chunk]:
    """Chunks of a text given as consecutive blocks (`stream_blocks`), one block in memory at a time.

    Each block is chunked as `chunk` would chunk it, with offsets and positions continuing from
    the previous block and the Markdown heading path carried over; a chunk never spans two
    blocks (blocks end at paragraph or line breaks, so that costs one early chunk end per block
    and no overlap across it)."""
    policy = policy or ChunkingPolicy()
    counter = counter or DEFAULT_COUNTER
    headings = _Headings() if policy.strategy == "markdown" else None
    base = position = 0
    for text in blocks:
        splitter = _Splitter(text, policy, counter)
        segments = _segments(ExtractedDocument(text=text, format="text"), headings)
        for piece in _chunks_of(text, base, segments, splitter, position):
            position += 1
            yield piece
        base += len(text)


def _chunks_of(text: str, base: int, segments: list[_Segment], splitter: _Splitter,
               position: int) -> Iterator[Chunk]:
    for segment in segments:
        for start, end, tokens in splitter.split(segment.start, segment.end):
            metadata: dict[str, Any] = {"heading_path": list(segment.heading_path),
                                        "start_char": base + start, "end_char": base + end}
            if segment.page is not None:
                metadata["page"] = segment.page
            yield Chunk(text[start:end], position, tokens, metadata)
            position += 1


def _segments(doc: ExtractedDocument, headings: _Headings | None) -> list[_Segment]:
    """Spans of `doc.text` to chunk apart: its sections, cut at Markdown headings when `headings`
    tracks them (its path before this text is the path of the text's first span)."""
    sections = [(s.start, s.end, s.page) for s in doc.sections] or [(0, len(doc.text), None)]
    opening = headings.path if headings is not None else ()
    found = headings.scan(doc.text) if headings is not None else []
    offsets = [pos for pos, _ in found]
    out: list[_Segment] = []
    for sec_start, sec_end, page in sections:
        cuts = [sec_start] + [pos for pos in offsets if sec_start < pos < sec_end] + [sec_end]
        for start, end in itertools.pairwise(cuts):
            index = bisect.bisect_right(offsets, start) - 1  # the last heading at or before `start`
            out.append(_Segment(start, end, found[index][1] if index >= 0 else opening, page))
    return out


class _Headings:
    """Markdown heading lines, tracked across consecutive texts (the open fence and heading stack carry over)."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.fence: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.stack)

    def scan(self, text: str) -> list[tuple[int, tuple[str, ...]]]:
        """Offsets of the heading lines in `text` with the heading path each one opens."""
        out: list[tuple[int, tuple[str, ...]]] = []
        for match in _MD_LINE.finditer(text):
            if match.group("fence"):
                marker = match.group("fence")
                self.fence = None if self.fence == marker else (self.fence or marker)
                continue
            if self.fence is None:
                level = len(match.group("hashes"))
                while self.stack and self.stack[-1][0] >= level:
                    self.stack.pop()
                self.stack.append((level, match.group("title").strip()))
                out.append((match.start(), self.path))
        return out


class _Splitter:
    """Recursive split + greedy packing + overlap for one document text."""

    def __init__(self, text: str, policy: ChunkingPolicy, counter: TokenCounter) -> None:
        self.text = text
        self.limit = policy.chunk_tokens
        self.overlap = policy.overlap_tokens
        self.budget = policy.chunk_tokens - policy.overlap_tokens
        self.separators = [re.compile(p) for p in policy.separators]
        self.count = counter.count
        self.measure = _SpanMeasure(text, counter)

    def split(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """Chunk spans `(start, end, tokens)` inside [start, end), trimmed, non-empty, overlapped."""
        start, end = self._trim(start, end)
        if start >= end:
            return []
        packed = self._pack(self._units(start, end, 0))
        out: list[tuple[int, int, int]] = []
        previous: tuple[int, int] | None = None
        for s, e in packed:
            s, e = self._trim(s, e)
            if s >= e:
                continue
            chunk_start = self._overlap_start(previous, s) if previous and self.overlap else s
            tokens = self.count(self.text[chunk_start:e])
            while tokens > self.limit and chunk_start < s:  # the estimate was off: give up overlap words
                chunk_start = self._next_word_start(chunk_start, s)
                tokens = self.count(self.text[chunk_start:e])
            out.append((chunk_start, e, tokens))
            previous = (s, e)
        return out

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def _units(self, start: int, end: int, level: int) -> list[tuple[int, int, float]]:
        """Contiguous spans covering [start, end), each of at most `budget` tokens.

        Cuts go *before* a separator, so whitespace leads the next unit, as BPE pre-tokenizers
        attach it, and the estimates of adjacent units add up to the estimate of their union.
        """
        tokens = self.measure(start, end)
        if tokens <= self.budget:
            return [(start, end, tokens)]
        if level >= len(self.separators):
            return self._hard_split(start, end)
        cuts = [m.start() for m in self.separators[level].finditer(self.text, start, end) if start < m.start()]
        if not cuts:
            return self._units(start, end, level + 1)
        out: list[tuple[int, int, float]] = []
        for s, e in zip([start] + cuts, cuts + [end]):
            out.extend(self._units(s, e, level + 1))
        return out

    def _hard_split(self, start: int, end: int) -> list[tuple[int, int, float]]:
        """Cut a separator-free span (a very long word) at the longest prefixes that fit."""
        out: list[tuple[int, int, float]] = []
        while start < end:
            hi = min(end, start + 16 * self.budget)  # gallop: never count far more text than fits
            while hi < end and self.count(self.text[start:hi]) <= self.budget:
                hi = min(end, start + 2 * (hi - start))
            lo = start + 1
            while lo < hi:  # largest `stop` with count(text[start:stop]) <= budget
                mid = (lo + hi + 1) // 2
                if self.count(self.text[start:mid]) <= self.budget:
                    lo = mid
                else:
                    hi = mid - 1
            out.append((start, lo, float(self.count(self.text[start:lo]))))
            start = lo
        return out

    def _pack(self, units: list[tuple[int, int, float]]) -> list[tuple[int, int]]:
        """Merge adjacent units while the merged span stays within `budget` tokens."""
        groups: list[list[tuple[int, int, float]]] = []
        total = 0.0
        for unit in units:
            if groups and total + unit[2] <= self.budget:
                groups[-1].append(unit)
                total += unit[2]
            else:
                groups.append([unit])
                total = unit[2]
        spans: list[tuple[int, int]] = []
        for group in groups:
            spans.extend(self._verified(group))
        return spans

    def _verified(self, group: list[tuple[int, int, float]]) -> list[tuple[int, int]]:
        """Split a packed group in halves until each half really fits (counters need not be additive)."""
        start, end = group[0][0], group[-1][1]
        if len(group) == 1 or self.count(self.text[start:end]) <= self.budget:
            return [(start, end)]
        half = len(group) // 2
        return self._verified(group[:half]) + self._verified(group[half:])

    def _overlap_start(self, previous: tuple[int, int], start: int) -> int:
        """Earliest word start in `previous` whose tail fits in `overlap` tokens."""
        prev_start, prev_end = previous
        words = [m.start() for m in _WORD.finditer(self.text, prev_start, prev_end)]
        best = start
        for word_start in reversed(words[-self.overlap:]):
            if self.count(self.text[word_start:prev_end]) > self.overlap:
                break
            best = word_start
        return best

    def _next_word_start(self, position: int, limit: int) -> int:
        current = _WORD.match(self.text, position)
        following = _WORD.search(self.text, current.end() if current else position + 1, limit)
        return following.start() if following else limit


class _SpanMeasure:
    """Token estimate of `text[start:end]`: prefix sums over the approximate counter's pieces
    (one pass over the document instead of one per recursion level), else the counter itself.
    Only steers splitting; final chunk sizes are always checked with the counter."""

    def __init__(self, text: str, counter: TokenCounter) -> None:
        self.text = text
        self.counter = counter
        self.starts = array("q")  # compact: 16 bytes a piece, not a list of tuples (~150)
        self.cumulative = array("d", [0.0])
        if isinstance(counter, ApproxTokenCounter):
            total = 0.0
            for start, _, cost in iter_piece_costs(text):
                self.starts.append(start)
                total += cost
                self.cumulative.append(total)

    def __call__(self, start: int, end: int) -> float:
        if not self.starts:
            return float(self.counter.count(self.text[start:end]))
        first = bisect.bisect_left(self.starts, start)
        stop = bisect.bisect_left(self.starts, end)
        return self.cumulative[stop] - self.cumulative[first]
