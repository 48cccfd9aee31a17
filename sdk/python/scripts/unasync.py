"""Generate the synchronous client (`_sync/`) from the asynchronous source (`_async/`).

The async code is the one source of truth; the sync twin is the same code with `async`/`await`
removed and the async names swapped for their sync counterparts (the approach httpcore takes with
`unasync`). Run it after editing anything under `_async/`:

    python sdk/python/scripts/unasync.py          # rewrite _sync/
    python sdk/python/scripts/unasync.py --check  # exit 1 if _sync/ is stale (the tests run this)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "agent_platform_sdk"
SOURCE, TARGET = PACKAGE / "_async", PACKAGE / "_sync"

# Whole-word replacements, applied in order (longest first where one contains another).
WORDS = {
    "aconnect_sse": "connect_sse",
    "aiter_sse": "iter_sse",
    "aiter_pages": "iter_pages",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "StopAsyncIteration": "StopIteration",
    "aclose": "close",
    "aread": "read",
    "async_sleep": "sync_sleep",
    "_async": "_sync",
}
PATTERNS = [
    (re.compile(r"\basync (def|for|with)\b"), r"\1"),
    (re.compile(r"\bawait "), ""),
    (re.compile(r"\bAsync([A-Z]\w*)"), r"\1"),  # AsyncClient → Client, AsyncIterator → Iterator, ...
    (re.compile(r"\basynchronous\b"), "synchronous"),
]
HEADER = "# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.\n"


def convert(text: str) -> str:
    for old, new in WORDS.items():
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return HEADER + text


def expected() -> dict[Path, str]:
    return {TARGET / path.relative_to(SOURCE): convert(path.read_text())
            for path in sorted(SOURCE.rglob("*.py"))}


def main(argv: list[str]) -> int:
    files = expected()
    if "--check" in argv:
        stale = [str(p.relative_to(PACKAGE)) for p, text in files.items() if not p.exists() or p.read_text() != text]
        extra = [str(p.relative_to(PACKAGE)) for p in TARGET.rglob("*.py") if p not in files]
        if stale or extra:
            print(f"_sync/ is stale (run scripts/unasync.py): {', '.join(stale + extra)}")
            return 1
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path in TARGET.rglob("*.py"):
        if path not in files:
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
