"""Building the runtime Tool of a custom tool version (see tools/spec.py for the bodies).

HTTP and OpenAPI tools become `HttpEndpointTool`s (the SSRF-safe client; the project's
`HttpPolicy` arrives per call in `ctx.services["http_policy"]`); MCP tools become `MCPTool`s
whose calls go through the worker's MCP session pool (one live server per project and config,
stopped at exit). The tool's spec always carries the custom tool's stored name and description.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.tools.base import Tool, ToolSpec
from runtime.tools.http_endpoint import tool_from_config
from runtime.tools.mcp import MCPTool
from runtime.tools.openapi import OpenAPIOperation
from tools.idempotency_keys import KeyedHttpTool
from tools.mcp_commands import check_stdio_command
from tools.models import MCP, OPENAPI, STDIO, CustomTool, CustomToolVersion, McpServer
from tools.tool_overrides import with_spec

ENDPOINT_FIELDS = ("method", "url", "headers", "query", "header_params", "body_field", "rest")
CALL_FIELDS = ("output_schema", "timeout_s", "retry", "side_effect", "idempotency_key_template", "requires_approval")


def http_tool_config(*, name: str, description: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The `runtime.tools.http_endpoint.tool_from_config` config of an `http` or `openapi` body."""
    call = {k: body[k] for k in CALL_FIELDS if body.get(k) is not None}
    if kind == OPENAPI:
        operation = dict(body["operation"])
        operation["parameters"] = tuple(operation.get("parameters") or ())
        config = OpenAPIOperation(**operation).tool_config(body["base_url"], headers=body.get("headers"))
        config.update(name=name, description=description or config["description"], **call)
        return config
    endpoint = {k: body[k] for k in ENDPOINT_FIELDS if body.get(k) is not None}
    return {"name": name, "description": description or name, "endpoint": endpoint,
            "input_schema": body.get("input_schema"), **call}


@dataclass(frozen=True)
class BuiltTool:
    """A custom tool version's runtime Tool (its spec: stored name, description, rate limit) and the
    HTTP timeout it is configured with (None for MCP tools and HTTP tools without one). The policies
    are not applied here: `tools.resolution.resolve_tool` composes them for every tool."""

    tool: Tool
    timeout_s: float | None = None

    @property
    def spec(self) -> ToolSpec:
        return self.tool.spec


def build_tool(tool: CustomTool, version: CustomToolVersion) -> BuiltTool:
    """The runtime Tool for `version` of `tool` (see `BuiltTool`)."""
    body = version.body
    built: Tool
    timeout_s = None
    if tool.kind == MCP:
        built = _mcp_tool(tool, body)
    else:
        http = tool_from_config(http_tool_config(name=tool.name, description=tool.description, kind=tool.kind,
                                                 body=body))
        template = body.get("idempotency_key_template")
        built = KeyedHttpTool(http, template) if template else http
        timeout_s = body.get("timeout_s")
    return BuiltTool(with_spec(built, name=tool.name, description=tool.description or built.spec.description,
                               rate_limit_per_min=body.get("rate_limit_per_min")), timeout_s)


def mcp_tool_info(body: dict[str, Any], description: str) -> dict[str, Any]:
    """The tool entry `MCPTool.from_config` takes, from an `mcp` version body."""
    return {"name": body["remote_name"], "remote_name": body["remote_name"], "description": description,
            "input_schema": body["input_schema"], "output_schema": body.get("output_schema"),
            "read_only": bool(body.get("read_only")), "requires_approval": bool(body.get("requires_approval"))}


def _mcp_tool(tool: CustomTool, body: dict[str, Any]) -> Tool:
    server = tool.mcp_server
    if server is None or server.pk != body["server"]:
        server = McpServer.objects.get(project_id=tool.project_id, pk=body["server"])
    if server.transport == STDIO:
        check_stdio_command(server.command)  # an operator may have withdrawn the command since
    return MCPTool.from_config(server.runtime_config(), mcp_tool_info(body, tool.description))
