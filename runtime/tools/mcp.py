"""MCP tools: the tools of a registered MCP server (stdio command or streamable-HTTP URL),
listed into the registry and called through `MCPSession`.

Discovery (`discover_tools`) connects once and returns one JSON tool config per server tool,
which the Django side stores; at run time `MCPTool.from_config` rebuilds the tool, and calls go
through a per-process `MCPSessionPool` (one live session per project and server).
"""
from __future__ import annotations

import atexit
import json
import re
import threading
from collections.abc import Mapping
from typing import Any

import mcp_types

from runtime.errors import ToolError
from runtime.tools.base import RetryPolicy, ToolContext, ToolSpec
from runtime.tools.mcp_session import MCPServerConfig, MCPSession, referenced_secrets
from runtime.tools.ssrf import HttpPolicy

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
MAX_TEXT_CHARS = 100_000


def tool_name(server: str, tool: str) -> str:
    """Registry name of a server's tool: `<server>__<tool>`, limited to [A-Za-z0-9_-]{1,64}."""
    return _NAME_CHARS.sub("_", f"{server}__{tool}")[:64]


def output_schema_for(tool_output_schema: dict[str, Any] | None) -> dict[str, Any]:
    """The output schema of an MCP tool: `{text, structured?, content?}`."""
    structured = tool_output_schema or {}
    return {"type": "object",
            "properties": {"text": {"type": "string"}, "structured": structured,
                           "content": {"type": "array", "items": {"type": "object"}}},
            "required": ["text"]}


class MCPSessionPool:
    """Live sessions of this worker process, one per (project, server config)."""

    def __init__(self) -> None:
        self._sessions: dict[tuple[str, str], MCPSession] = {}
        self._lock = threading.Lock()

    def session(self, config: MCPServerConfig, ctx: ToolContext) -> MCPSession:
        policy = ctx.services.get("http_policy")
        key = (ctx.project_id or "", json.dumps(_config_key(config), sort_keys=True))
        with self._lock:
            session = self._sessions.get(key)
            # Only the secrets this server references are read (and scope-checked): a changed value
            # restarts the session; the project's other secrets are never decrypted here.
            if session is None or session.secrets != referenced_secrets(config, ctx.secrets):
                if session is not None:
                    session.close()
                session = MCPSession(config, secrets=ctx.secrets,
                                     policy=policy if isinstance(policy, HttpPolicy) else None)
                self._sessions[key] = session
            return session

    def close_all(self) -> None:
        """Close every session and stop every server process (worker shutdown, tests)."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()


default_pool = MCPSessionPool()
atexit.register(default_pool.close_all)


class MCPTool:
    """One tool of an MCP server."""

    def __init__(self, server: MCPServerConfig, remote: mcp_types.Tool | Mapping[str, Any], *,
                 pool: MCPSessionPool | None = None, requires_approval: bool = False) -> None:
        info = remote if isinstance(remote, Mapping) else _tool_dict(remote)
        self.server = server
        self.remote_name = info.get("remote_name") or info["name"]
        self.pool = pool or default_pool
        self.spec = ToolSpec(
            name=tool_name(server.name, self.remote_name),
            description=(info.get("description") or self.remote_name)[:1024],
            input_schema=info.get("input_schema") or {"type": "object"},
            output_schema=output_schema_for(info.get("output_schema")),
            # A first call also connects; the session's own, clearer timeouts fire first.
            timeout_s=server.connect_timeout_s + server.timeout_s + 1.0,
            retry=RetryPolicy(max_attempts=1),
            side_effect="read_only" if info.get("read_only") else "side_effecting",
            requires_approval=requires_approval,
        )

    @classmethod
    def from_config(cls, server: Mapping[str, Any], tool: Mapping[str, Any], *,
                    pool: MCPSessionPool | None = None) -> MCPTool:
        """Rebuild from stored JSON: the server config and one entry of `discover_tools`."""
        return cls(MCPServerConfig.from_config(server), tool, pool=pool,
                   requires_approval=bool(tool.get("requires_approval")))

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        session = self.pool.session(self.server, ctx)
        timeout = self.server.timeout_s
        result = session.call_tool(self.remote_name, input, timeout_s=timeout, cancel=ctx.cancel,
                                   deadline=ctx.deadline)
        return result_output(result, self.server.name, self.remote_name)


def discover_tools(server: MCPServerConfig, *, secrets: Mapping[str, str] | None = None,
                   policy: HttpPolicy | None = None) -> list[dict[str, Any]]:
    """Connect once, list the server's tools and close: one JSON tool config per tool
    (`{name, remote_name, description, input_schema, output_schema, read_only}`)."""
    session = MCPSession(server, secrets=secrets, policy=policy)
    try:
        tools = session.list_tools()
    finally:
        session.close()
    return [dict(_tool_dict(t), remote_name=t.name, name=tool_name(server.name, t.name)) for t in tools]


def result_output(result: mcp_types.CallToolResult, server: str, tool: str) -> dict[str, Any]:
    """`{text, structured?, content?}` from a tool result; a result flagged as error raises."""
    texts = [item.text for item in result.content if isinstance(item, mcp_types.TextContent)]
    text = "\n".join(texts)[:MAX_TEXT_CHARS]
    if result.is_error:
        raise ToolError(f"MCP tool {tool} on {server} failed: {text or 'no detail'}", server=server)
    output: dict[str, Any] = {"text": text}
    if result.structured_content is not None:
        output["structured"] = result.structured_content
    others = [item.model_dump(mode="json", exclude_none=True) for item in result.content
              if not isinstance(item, mcp_types.TextContent)]
    if others:
        output["content"] = others
    return output


def _tool_dict(tool: mcp_types.Tool) -> dict[str, Any]:
    annotations = tool.annotations
    return {"name": tool.name, "description": tool.description or "", "input_schema": tool.input_schema,
            "output_schema": tool.output_schema,
            "read_only": bool(annotations and annotations.read_only_hint)}


def _config_key(config: MCPServerConfig) -> dict[str, Any]:
    return {"name": config.name, "command": config.command, "args": list(config.args), "env": dict(config.env),
            "cwd": config.cwd, "url": config.url, "headers": dict(config.headers)}
