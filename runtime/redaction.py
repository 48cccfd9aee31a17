"""Removing secrets from text and JSON-like data: log lines, run events, traces, errors, tool outputs.

Two sources: values known to be secret and common credential patterns (bearer tokens, API keys,
`password=...`). `SecretRedactor` replaces a given set of values (and their URL-encoded forms: a
secret substituted into a URL comes back encoded) — an HTTP tool uses one for the secrets its call
used. `Redactor` (the process-wide `redactor`) adds the values the process registered (every project
secret created or decrypted) and the patterns, for logs, events and traces.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from runtime.errors import PlatformError

MASK = "[REDACTED]"
_MIN_SECRET_LEN = 4

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9\-._~+/]{8,}=*"), r"\1 " + MASK),
    (re.compile(r"\bap_[A-Za-z0-9_\-]{16,}"), MASK),  # our own API keys
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}"), MASK),  # OpenAI / Anthropic style
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key ids
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), MASK),  # GitHub tokens
    (re.compile(r"\bxox[abpr]-[A-Za-z0-9\-]{10,}"), MASK),  # Slack tokens
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"), MASK),
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?token|client[_-]?secret)"
                r"(\"?'?\s*[:=]\s*\"?'?)([^\s\"',;&}]{3,})"), r"\1\2" + MASK),
    (re.compile(r"(?i)(://[^:/\s@]+:)([^@/\s]{3,})(@)"), r"\1" + MASK + r"\3"),  # user:pass@ in URLs
]


class SecretRedactor:
    """Replaces secret values (and their URL-encoded forms) with `[REDACTED]` in any JSON value."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for value in secret_values:
            if value:
                forms.update({value, quote(value, safe=""), quote_plus(value), quote(value)})
        # Longest first, so a secret that contains another is replaced whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def value(self, value: Any) -> Any:
        """A copy of `value` with every string (keys included) redacted."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def error(self, exc: PlatformError) -> PlatformError:
        """Redact an error's message and details in place and return it."""
        if self._forms:
            exc.message = self.text(exc.message)
            exc.args = (exc.message,)
            exc.details = self.value(dict(exc.details))
            # A chained library exception may quote the URL or headers: drop it.
            exc.__cause__ = None
            exc.__suppress_context__ = True
        return exc


class Redactor:
    """Thread-safe set of known secret values plus the credential patterns."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._compiled: re.Pattern[str] | None = None

    def register(self, value: str | None) -> None:
        if not value or len(value) < _MIN_SECRET_LEN:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._compiled = None

    def forget_all(self) -> None:
        with self._lock:
            self._values.clear()
            self._compiled = None

    def _values_pattern(self) -> re.Pattern[str] | None:
        compiled = self._compiled
        if compiled is None and self._values:
            with self._lock:
                ordered = sorted(self._values, key=len, reverse=True)
                compiled = self._compiled = re.compile("|".join(re.escape(v) for v in ordered))
        return compiled

    def redact(self, text: str) -> str:
        if not text:
            return text
        values = self._values_pattern()
        if values is not None:
            text = values.sub(MASK, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def redact_data(self, data: Any, extra: set[str] | None = None) -> Any:
        """A copy of JSON-like data with every string redacted (keys are kept)."""
        return self._redact_data(data, SecretRedactor(v for v in extra or () if len(v) >= _MIN_SECRET_LEN))

    def _redact_data(self, data: Any, known: SecretRedactor) -> Any:
        if isinstance(data, str):
            return known.text(self.redact(data))
        if isinstance(data, dict):
            return {k: self._redact_data(v, known) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self._redact_data(v, known) for v in data]
        return data


#: The process-wide redactor used by logging, events and traces.
redactor = Redactor()
