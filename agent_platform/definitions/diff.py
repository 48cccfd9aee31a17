"""Line diff of two version bodies (their indented JSON), for the console's "Compare" page."""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "hunk"
    text: str


def _lines(body: dict | None) -> list[str]:
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).splitlines() if body is not None else []


def body_diff(old: dict | None, new: dict | None, *, context: int = 3) -> list[DiffLine]:
    """The unified diff of `old` → `new` (keys sorted, so only real changes show)."""
    out = []
    for line in difflib.unified_diff(_lines(old), _lines(new), lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "added", "-": "removed"}.get(line[:1], "same")
        out.append(DiffLine(kind, line))
    return out
