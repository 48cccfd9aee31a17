"""User-supplied regular expressions (workflow `matches`, blocklist guardrails) on RE2.

RE2 (`google-re2`) matches in time linear in the input, so a pattern such as `(a+)+$` cannot
hold the worker's interpreter (and starve its lease heartbeat) the way a backtracking engine
does. RE2 has no backreferences or look-around: such patterns are refused when the definition
is validated, with an error naming the field.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

MAX_PATTERN_LENGTH = 2000


class UnsupportedRegex(ValueError):
    """A pattern RE2 cannot compile (bad syntax, or a feature it does not have)."""

    def __init__(self, field: str, pattern: str, reason: str) -> None:
        super().__init__(f"{field}: unsupported regular expression {pattern[:100]!r}: {reason} "
                         "(patterns use RE2 syntax: no backreferences or look-around)")
        self.field = field


def compile_user_regex(pattern: str, *, field: str, ignore_case: bool = False) -> Any:
    """A compiled RE2 pattern, or `UnsupportedRegex` naming `field`."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsupportedRegex(field, pattern, f"longer than {MAX_PATTERN_LENGTH} characters")
    return _compile(pattern, ignore_case, field)


@lru_cache(maxsize=512)
def _compile(pattern: str, ignore_case: bool, field: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    if ignore_case:
        options.case_sensitive = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raise UnsupportedRegex(field, pattern, _reason(exc)) from None


def _reason(exc: Exception) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')):  # the binding reports RE2's message as bytes
        text = text[2:-1]
    return text.replace("\\\\", "\\") or "invalid pattern"


def escape(text: str) -> str:
    return str(re2.escape(text))
