"""The built-in `http` tool: one SSRF-safe HTTP request described by the model's input.

Input `{method, url, headers?, params?, json?, body?}` → output `{status, headers, body, truncated}`
(`body` is the parsed JSON when the response is JSON, else text). Headers configured on the
tool (not the model's input) may reference project secrets as `{secret:NAME}`; their values
never appear in the output or in errors.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from runtime.errors import ToolError, ToolInputInvalid
from runtime.redaction import SecretRedactor
from runtime.secret_scope import SecretDestinationGuard
from runtime.tools.base import RetryPolicy, ToolContext, ToolSpec
from runtime.tools.http_client import HttpRequest, HttpResponse, SafeHttpClient
from runtime.tools.secret_templates import render_template
from runtime.tools.ssrf import HttpPolicy

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Headers the caller may not set: the client computes them (or they would defeat the pinning).
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "upgrade", "te",
                               "proxy-authorization", "proxy-connection"})

HTTP_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "method": {"type": "string", "enum": list(METHODS)},
        "url": {"type": "string", "minLength": 1, "maxLength": 4096},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "params": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "json": {"description": "JSON request body"},
        "body": {"type": "string", "description": "raw request body (text)"},
    },
    "required": ["method", "url"],
    "additionalProperties": False,
}

HTTP_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "body": {"description": "parsed JSON when the response is JSON, else text"},
        "truncated": {"type": "boolean"},
    },
    "required": ["status", "headers", "body"],
}


def policy_from_context(ctx: ToolContext, default: HttpPolicy) -> HttpPolicy:
    """The project's HTTP policy (`ctx.services["http_policy"]`), else the tool's default."""
    policy = ctx.services.get("http_policy")
    return policy if isinstance(policy, HttpPolicy) else default


def response_output(response: HttpResponse, redactor: SecretRedactor) -> dict[str, Any]:
    """The tool output for a response: `{status, headers, body, truncated}`, secrets redacted."""
    body: Any = response.text()
    if not response.truncated and _is_json(response.content_type) and response.content:
        try:
            body = json.loads(response.content)
        except ValueError:
            body = response.text()
    output: dict[str, Any] = redactor.value({"status": response.status, "headers": response.headers,
                                             "body": body, "truncated": response.truncated})
    return output


def resolve_headers(configured: Mapping[str, str], secrets: Mapping[str, str],
                    used_secrets: set[str]) -> dict[str, str]:
    """Render configured header templates (`{secret:NAME}` allowed)."""
    return {name: render_template(value, secrets=secrets, used_secrets=used_secrets)
            for name, value in configured.items()}


def clean_input_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Input headers minus those only the client may set."""
    return {k: v for k, v in headers.items() if k.lower() not in FORBIDDEN_HEADERS}


def send_with_redaction(client: SafeHttpClient, request: HttpRequest, policy: HttpPolicy, ctx: ToolContext,
                        used_secrets: set[str]) -> dict[str, Any]:
    """Send and build the output; any error leaves with every used secret redacted. Every hop that
    still carries a used secret's value must go to a host the secret's `allowed_hosts` names."""
    redactor = SecretRedactor(used_secrets)
    guard = SecretDestinationGuard(ctx.secrets, used_secrets) if used_secrets else None
    try:
        extra = {"secret_guard": guard} if guard else {}
        response = client.send(request, policy, deadline=ctx.deadline, cancel=ctx.cancel, **extra)
        return response_output(response, redactor)
    except ToolError as exc:
        raise redactor.error(exc) from None


class HttpTool:
    """The built-in generic `http` tool."""

    def __init__(self, *, headers: Mapping[str, str] | None = None, policy: HttpPolicy | None = None,
                 client: SafeHttpClient | None = None, timeout_s: float = 30.0) -> None:
        """`headers`: configured headers added to every request (may use `{secret:NAME}`);
        `policy`: used when the context carries no `http_policy` service."""
        self.headers = dict(headers or {})
        self.policy = policy or HttpPolicy(timeout_s=timeout_s)
        self.client = client or SafeHttpClient()
        self.spec = ToolSpec(
            name="http",
            description="Send one HTTP request to a public URL and return the status, headers and body.",
            input_schema=HTTP_INPUT_SCHEMA,
            output_schema=HTTP_OUTPUT_SCHEMA,
            timeout_s=timeout_s + 1.0,  # the client's own, clearer timeout fires first
            retry=RetryPolicy(max_attempts=1),
            side_effect="side_effecting",
        )

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        if "json" in input and "body" in input:
            raise ToolInputInvalid("give either `json` or `body`, not both", field="body")
        used: set[str] = set()
        headers = clean_input_headers(input.get("headers") or {})
        headers.update(resolve_headers(self.headers, ctx.secrets, used))
        body = input.get("body")
        request = HttpRequest(
            method=str(input["method"]).upper(), url=input["url"], headers=headers, params=input.get("params"),
            json=input.get("json"), content=body.encode() if isinstance(body, str) else None,
            sensitive_headers=frozenset(k.lower() for k in self.headers),
        )
        return send_with_redaction(self.client, request, policy_from_context(ctx, self.policy), ctx, used)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")
