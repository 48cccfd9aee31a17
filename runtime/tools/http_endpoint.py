"""Custom HTTP endpoint tools: a configured method and URL template that the model fills in.

An `HttpEndpoint` says where each input field goes: `{field}` in the URL template (path,
percent-encoded), the query string, a header, or the JSON body. Configured headers and the URL
may use `{secret:NAME}`. Execution goes through the same SSRF-safe client as the `http` tool.
Imported OpenAPI operations are `HttpEndpointTool`s too.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime.errors import ToolInputInvalid
from runtime.tools.base import RetryPolicy, SideEffect, ToolContext, ToolSpec
from runtime.tools.http import (
    HTTP_OUTPUT_SCHEMA,
    METHODS,
    policy_from_context,
    resolve_headers,
    send_with_redaction,
)
from runtime.tools.http_client import HttpRequest, SafeHttpClient
from runtime.tools.secret_templates import PLACEHOLDER, path_segment, render_template, scalar_text, template_fields
from runtime.tools.ssrf import HttpPolicy

Rest = Literal["query", "json", "ignore"]
_BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class HttpEndpoint:
    """Where a configured HTTP tool sends its input.

    - `url`: template, e.g. `https://api.example.com/orders/{order_id}`; `{secret:NAME}` allowed.
    - `headers`: configured headers (templates; `{secret:NAME}` allowed).
    - `query`: input fields sent as query parameters.
    - `header_params`: input field → header name.
    - `body_field`: input field whose value is the JSON body.
    - `rest`: where the other fields go; `None` = JSON body for POST/PUT/PATCH, query otherwise.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: tuple[str, ...] = ()
    header_params: Mapping[str, str] = field(default_factory=dict)
    body_field: str | None = None
    rest: Rest | None = None

    def __post_init__(self) -> None:
        if self.method.upper() not in METHODS:
            raise ValueError(f"unsupported HTTP method {self.method!r}")
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "query", tuple(self.query))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HttpEndpoint:
        """Build from a stored JSON config (`{method, url, headers?, query?, header_params?, body_field?, rest?}`)."""
        return cls(method=config["method"], url=config["url"], headers=dict(config.get("headers") or {}),
                   query=tuple(config.get("query") or ()), header_params=dict(config.get("header_params") or {}),
                   body_field=config.get("body_field"), rest=config.get("rest"))

    @property
    def path_fields(self) -> list[str]:
        return template_fields(self.url)

    def default_input_schema(self) -> dict[str, Any]:
        """A permissive input schema: every path, query and header field a string, path fields required."""
        names = [*self.path_fields, *self.query, *self.header_params]
        props: dict[str, Any] = {n: {"type": ["string", "number", "integer", "boolean"]} for n in names}
        if self.body_field:
            props[self.body_field] = {"description": "JSON request body"}
        return {"type": "object", "properties": props, "required": list(dict.fromkeys(self.path_fields))}

    def build_request(self, input: Mapping[str, Any], secrets: Mapping[str, str],
                      used_secrets: set[str]) -> HttpRequest:
        """The request for one call (secret values used are added to `used_secrets`)."""
        url = render_template(self.url, values=input, secrets=secrets, used_secrets=used_secrets,
                              encode=path_segment)
        headers = resolve_headers(self.headers, secrets, used_secrets)
        for name, header in self.header_params.items():
            if input.get(name) is not None:
                headers[header] = scalar_text(input[name])
        params = {n: _query_value(input[n]) for n in self.query if input.get(n) is not None}
        body = input.get(self.body_field) if self.body_field else None
        rest = {k: v for k, v in input.items() if k not in self._placed_fields()}
        mode = self.rest or ("json" if self.method in _BODY_METHODS and not self.body_field else "query")
        if rest and mode == "query":
            params.update({k: _query_value(v) for k, v in rest.items() if v is not None})
        elif rest and mode == "json":
            if self.body_field:
                raise ToolInputInvalid("extra fields cannot join a body given by a body field",
                                       fields=sorted(rest))
            body = rest
        return HttpRequest(self.method, url, headers, params or None, body,
                           sensitive_headers=frozenset(k.lower() for k in self.headers))

    def _placed_fields(self) -> set[str]:
        placed = {*self.path_fields, *self.query, *self.header_params}
        if self.body_field:
            placed.add(self.body_field)
        return placed


class HttpEndpointTool:
    """A custom tool that calls one configured HTTP endpoint."""

    def __init__(self, *, name: str, description: str, endpoint: HttpEndpoint,
                 input_schema: dict[str, Any] | None = None, output_schema: dict[str, Any] | None = None,
                 timeout_s: float = 30.0, side_effect: SideEffect | None = None,
                 idempotency_key_template: str | None = None, requires_approval: bool = False,
                 retry: RetryPolicy | None = None, policy: HttpPolicy | None = None,
                 client: SafeHttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.policy = policy or HttpPolicy(timeout_s=timeout_s)
        self.client = client or SafeHttpClient()
        reads = endpoint.method in ("GET", "HEAD", "OPTIONS")
        self.spec = ToolSpec(
            name=name,
            description=description,
            input_schema=input_schema or endpoint.default_input_schema(),
            output_schema=output_schema or HTTP_OUTPUT_SCHEMA,
            timeout_s=timeout_s + 1.0,  # the client's own, clearer timeout fires first
            retry=retry or RetryPolicy(max_attempts=2 if reads else 1),
            side_effect=side_effect or ("read_only" if reads else "side_effecting"),
            idempotency_key_template=idempotency_key_template,
            requires_approval=requires_approval,
            secret_refs=tuple(_secret_names(endpoint)),
        )

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        used: set[str] = set()
        request = self.endpoint.build_request(input, ctx.secrets, used)
        return send_with_redaction(self.client, request, policy_from_context(ctx, self.policy), ctx, used)


def tool_from_config(config: Mapping[str, Any], *, policy: HttpPolicy | None = None,
                     client: SafeHttpClient | None = None) -> HttpEndpointTool:
    """Build a custom HTTP tool from its stored JSON config: `{name, description, endpoint: {...},
    input_schema?, output_schema?, timeout_s?, side_effect?, idempotency_key_template?,
    requires_approval?, retry?: {max_attempts, backoff_s, max_backoff_s}}`."""
    retry = RetryPolicy(**config["retry"]) if config.get("retry") else None
    return HttpEndpointTool(
        name=config["name"], description=config.get("description") or config["name"],
        endpoint=HttpEndpoint.from_config(config["endpoint"]), input_schema=config.get("input_schema"),
        output_schema=config.get("output_schema"), timeout_s=float(config.get("timeout_s") or 30.0),
        side_effect=config.get("side_effect"), idempotency_key_template=config.get("idempotency_key_template"),
        requires_approval=bool(config.get("requires_approval")), retry=retry, policy=policy, client=client)


def _secret_names(endpoint: HttpEndpoint) -> list[str]:
    names: list[str] = []
    for template in (endpoint.url, *endpoint.headers.values()):
        names += [m.group(2) for m in PLACEHOLDER.finditer(template) if m.group(1)]
    return list(dict.fromkeys(names))


def _query_value(value: Any) -> Any:
    if isinstance(value, list):
        return [scalar_text(v) for v in value]
    return scalar_text(value)
