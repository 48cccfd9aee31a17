"""Templates for tool configuration (`{field}` from the input, `{secret:NAME}` from project
secrets). The secret values a rendering used are collected (`used_secrets`) so the caller can keep
them out of outputs and errors with `runtime.redaction.SecretRedactor`.

Placeholders are replaced in a single pass, so an input value that itself contains
`{secret:X}` is never expanded: only the configured template may reference secrets.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from runtime.errors import ToolInputInvalid, ToolRefused

PLACEHOLDER = re.compile(r"\{(secret:)?([A-Za-z_][A-Za-z0-9_.\-]*)\}")


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
