"""HTTP: sugar for the built-in `http` tool. The request is the config's defaults (`url` may be a
template) overridden by the mapped inputs `{method, url, headers, params, json, body}`; the output
is the tool's `{status, headers, body}`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import NodeType, object_schema
from runtime.graph.nodes.tool import invoke_tool

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
REQUEST_FIELDS = ("method", "url", "headers", "params", "json", "body")
HTTP_OUTPUT = object_schema({"status": {"type": "integer"}, "headers": {"type": "object"}, "body": {}},
                            ["status", "headers", "body"])


@dataclass
class HttpConfig:
    method: str = "GET"
    url: str | None = None  # template, e.g. "http://orders/{{ $.input.order_id }}"
    headers: dict[str, str] = field(default_factory=dict)
    tool_config: dict[str, Any] = field(default_factory=dict)


@register
class HttpNode(NodeType):
    type = "http"
    config_schema = object_schema({"method": {"enum": _METHODS}, "url": {"type": "string", "minLength": 1},
                                   "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                                   "tool_config": {"type": "object"}}, additional=False)
    Config = HttpConfig
    does_io = True
    side_effects = True

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        url = self.config.url
        self._url = self.compile_field("config.url", url, "template") if url else None

    def input_schema(self) -> dict[str, Any] | None:
        return object_schema({"method": {"enum": _METHODS}, "url": {"type": "string"}, "headers": {"type": "object"},
                              "params": {"type": "object"}, "json": {}, "body": {"type": "string"}},
                             [] if self.config.url else ["url"], additional=False)

    def runtime_input_schema(self) -> dict[str, Any] | None:
        return self.input_schema()

    def output_schema(self) -> dict[str, Any] | None:
        return HTTP_OUTPUT

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        request: dict[str, Any] = {"method": self.config.method}
        if self._url is not None:
            request["url"] = self._url.evaluate(ctx.with_inputs(inputs))
        if self.config.headers:
            request["headers"] = dict(self.config.headers)
        for key in REQUEST_FIELDS:
            if inputs.get(key) is not None:
                request[key] = {**request.get("headers", {}), **inputs[key]} if key == "headers" else inputs[key]
        return invoke_tool(ctx, "http", request, self.config.tool_config)
