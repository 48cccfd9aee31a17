"""Removing secrets from text and JSON-like data: log lines, run events, traces, errors.

Two sources: values the process knows are secret (registered when a project secret is created
or decrypted) and common credential patterns (bearer tokens, API keys, `password=...`).
"""
from __future__ import annotations

import re
import threading
from typing import Any

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
        if isinstance(data, str):
            text = self.redact(data)
            for value in extra or ():
                if value and len(value) >= _MIN_SECRET_LEN:
                    text = text.replace(value, MASK)
            return text
        if isinstance(data, dict):
            return {k: self.redact_data(v, extra) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.redact_data(v, extra) for v in data]
        return data


#: The process-wide redactor used by logging, events and traces.
redactor = Redactor()
