"""Regular expressions for the `regex` metric, on RE2 (`google-re2`): linear time in the size
of the output, so a user's pattern cannot hang a worker on a pathological output (no
backtracking; no backreferences or look-around, see https://github.com/google/re2/wiki/Syntax)."""
from __future__ import annotations

from typing import Any, Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints


class RegexError(ValueError):
    """A pattern RE2 does not accept."""


class Match(Protocol):
    def group(self, index: int = 0) -> str: ...


class Pattern(Protocol):
    def search(self, text: str) -> Match | None: ...

    def fullmatch(self, text: str) -> Match | None: ...


def compile_regex(pattern: str, *, ignore_case: bool = False) -> Pattern:
    """Compile with RE2; raise `RegexError` with RE2's message when the pattern is invalid."""
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.log_errors = False  # the error is raised (and reported to the user), not logged to stderr
    try:
        compiled: Any = re2.compile(pattern, options)
    except re2.error as exc:
        raise RegexError(_message(exc)) from exc
    return _Compiled(compiled)


def _message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    if isinstance(detail, bytes):  # google-re2 passes RE2's message as bytes
        detail = detail.decode("utf-8", "replace")
    return str(detail) or "invalid pattern"


class _Compiled:
    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    def search(self, text: str) -> Match | None:
        match: Match | None = self._compiled.search(text)
        return match

    def fullmatch(self, text: str) -> Match | None:
        match: Match | None = self._compiled.fullmatch(text)
        return match
