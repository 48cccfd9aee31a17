"""Templates for tool configuration (`{field}` from the input, `{secret:NAME}` from project
secrets) and the redaction that keeps resolved secret values out of outputs and errors.

Placeholders are replaced in a single pass, so an input value that itself contains
`{secret:X}` is never expanded: only the configured template may reference secrets.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from runtime.errors import RuntimeError_, ToolInputInvalid, ToolRefused

PLACEHOLDER = re.compile(r"\{(secret:)?([A-Za-z_][A-Za-z0-9_.\-]*)\}")
REDACTED = "[REDACTED]"


def template_fields(template: str) -> list[str]:
    """Input field names a template references (secrets excluded), in order."""
    return [m.group(2) for m in PLACEHOLDER.finditer(template) if not m.group(1)]


def path_segment(value: str) -> str:
    """Percent-encode a value substituted into a URL (slashes included)."""
    return quote(value, safe="")


def render_template(template: str, *, values: Mapping[str, Any] | None = None,
                    secrets: Mapping[str, str] | None = None, used_secrets: set[str] | None = None,
                    encode: Callable[[str], str] | None = None) -> str:
    """Replace `{field}` with `values[field]` and `{secret:NAME}` with `secrets[NAME]`.

    `encode` is applied to every substituted value (e.g. `path_segment` for URLs). Each secret
    value used is added to `used_secrets` so the caller can redact it. A missing secret raises
    `ToolRefused`; a missing field raises `ToolInputInvalid`."""
    values = values or {}
    secrets = secrets or {}

    def substitute(match: re.Match[str]) -> str:
        is_secret, name = bool(match.group(1)), match.group(2)
        if is_secret:
            if name not in secrets:
                raise ToolRefused(f"secret {name!r} is not set for this project", reason="missing_secret",
                                  secret=name)
            text = secrets[name]
            if used_secrets is not None:
                used_secrets.add(text)
        else:
            if name not in values or values[name] is None:
                raise ToolInputInvalid(f"input field {name!r} is required by the URL or header template",
                                       field=name)
            text = scalar_text(values[name])
        return encode(text) if encode else text

    return PLACEHOLDER.sub(substitute, template)


def scalar_text(value: Any) -> str:
    """How a scalar input value is written into a URL, query string or header."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
                text = text.replace(form, REDACTED)
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

    def error(self, exc: RuntimeError_) -> RuntimeError_:
        """Redact an error's message and details in place and return it."""
        if self._forms:
            exc.message = self.text(exc.message)
            exc.args = (exc.message,)
            exc.details = self.value(dict(exc.details))
            # A chained library exception may quote the URL or headers: drop it.
            exc.__cause__ = None
            exc.__suppress_context__ = True
        return exc
