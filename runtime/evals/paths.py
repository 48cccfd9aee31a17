"""Dotted/bracket paths into JSON values: `$.answer`, `$.items[0].name`, `$["a key"]`, `$[-1]`.

The leading `$` is optional (`answer.city` = `$.answer.city`). A missing key or index selects
nothing (`MISSING`), never an error; only bad syntax raises `PathInvalid` with the position.
The syntax is the one of workflow expressions (`runtime/graph/expressions.py`), without its fixed
roots: here a path starts at whatever value it is applied to.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from runtime.evals.errors import PathInvalid

Segment = str | int

_IDENT = r"[A-Za-z_][A-Za-z0-9_\-]*"
_SEGMENT_RE = re.compile(rf"\.({_IDENT})|\[(-?\d+)\]|\[\"((?:[^\"\\]|\\.)*)\"\]|\['([^']*)'\]")
_FIRST_RE = re.compile(rf"({_IDENT})")


class _Missing:
    """The result of a path that selects nothing (distinct from a JSON `null`)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


@dataclass(frozen=True)
class JsonPath:
    source: str
    segments: tuple[Segment, ...]

    def select(self, value: Any) -> Any:
        """The value at this path, or `MISSING`."""
        for seg in self.segments:
            if isinstance(seg, int):
                if not isinstance(value, list) or not -len(value) <= seg < len(value):
                    return MISSING
            elif not isinstance(value, dict) or seg not in value:
                return MISSING
            value = value[seg]
        return value


@lru_cache(maxsize=1024)
def parse_json_path(text: str) -> JsonPath:
    """Parse a path; raise `PathInvalid` (with `position`) on bad syntax."""
    if not isinstance(text, str) or not text.strip():
        raise PathInvalid("a path must be a non-empty string", position=0)
    segments: list[Segment] = []
    pos = 0
    if text.startswith("$"):
        pos = 1
    else:
        first = _FIRST_RE.match(text)
        if first is None:
            raise PathInvalid(f"bad path syntax at position 0: {text!r}", position=0)
        segments.append(first.group(1))
        pos = first.end()
    while pos < len(text):
        match = _SEGMENT_RE.match(text, pos)
        if match is None:
            raise PathInvalid(f"bad path syntax at position {pos}: {text!r}", position=pos)
        name, index, dquoted, squoted = match.groups()
        if name is not None:
            segments.append(name)
        elif index is not None:
            segments.append(int(index))
        elif dquoted is not None:
            segments.append(json.loads(f'"{dquoted}"'))
        else:
            segments.append(squoted)
        pos = match.end()
    return JsonPath(text, tuple(segments))
