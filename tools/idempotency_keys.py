"""Idempotency keys sent to remote APIs by `idempotent` custom HTTP tools.

A tool's `idempotency_key_template` (e.g. `order-{input[order_id]}`) is rendered for each call and
sent as the `Idempotency-Key` header, so the remote API can drop a repeat of the same effect (a
retry after a timeout). Placeholders: `{input[field]}` (or `{input.field}`), `{key}` (the call's
ledger key: run, turn and call, stable across attempts) and `{run_id}`. Rendered values are cut
to safe characters, so an input can never smuggle a `{secret:NAME}` placeholder into a header.
"""
from __future__ import annotations

import re
from typing import Any

from runtime.errors import ToolInputInvalid
from runtime.tools.base import ToolContext
from runtime.tools.http import policy_from_context, send_with_redaction
from runtime.tools.http_endpoint import HttpEndpointTool

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 200
_PLACEHOLDER = re.compile(r"\{(?:input\[([^\]{}]+)\]|input\.([A-Za-z0-9_-]+)|(key)|(run_id))\}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._:@/+=-]")


def render_idempotency_key(template: str, input: dict[str, Any], ctx: ToolContext) -> str:
    """The key for one call; a placeholder naming a missing input field raises `ToolInputInvalid`."""
    def substitute(match: re.Match[str]) -> str:
        field = match.group(1) or match.group(2)
        if field is not None:
            field = field.strip("'\"")
            if input.get(field) is None:
                raise ToolInputInvalid(f"input field {field!r} is required by the idempotency key", field=field)
            return str(input[field])
        return ctx.idempotency_key if match.group(3) else (ctx.run_id or "")

    return _UNSAFE.sub("-", _PLACEHOLDER.sub(substitute, template))[:MAX_KEY_CHARS]


class KeyedHttpTool:
    """An `HttpEndpointTool` that sends `Idempotency-Key: <rendered template>` with each call."""

    def __init__(self, tool: HttpEndpointTool, template: str) -> None:
        self.inner = tool
        self.template = template
        self.spec = tool.spec

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        tool = self.inner
        used: set[str] = set()
        request = tool.endpoint.build_request(input, ctx.secrets, used)
        request.headers[HEADER] = render_idempotency_key(self.template, input, ctx)
        return send_with_redaction(tool.client, request, policy_from_context(ctx, tool.policy), ctx, used)
