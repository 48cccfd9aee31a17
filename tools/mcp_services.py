"""Writes for MCP servers: register, delete, and refresh (list the server's tools into the
project's registry as custom tools of kind `mcp`).

A stdio server is a command the workers run on their own hosts, unsandboxed: only commands the
operator lists in PLATFORM_MCP_STDIO_COMMANDS may be registered, refreshed or used
(`tools.mcp_commands`), and only callers with `manage_project` register one (see
tools/api/mcp_views.py and the admin).
"""
from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import reveal_secrets
from agent_platform.service_errors import InputRejected, InvalidField, StateConflict
from runtime.tools.mcp import discover_tools
from runtime.tools.mcp_session import MCPServerConfig, referenced_secret_names
from tools.mcp_commands import check_stdio_command, stdio_command_allowed
from tools.models import MCP, STDIO, STREAMABLE_HTTP, TRANSPORTS, CustomTool, McpServer
from tools.resolution import http_policy
from tools.services import create_custom_tool, create_tool_version

SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_TIMEOUT_S = 300.0


def create_mcp_server(*, project, name: str, transport: str, command: str = "", args: list[str] | None = None,
                      env: dict[str, str] | None = None, url: str = "", headers: dict[str, str] | None = None,
                      timeout_s: float = 30.0, requires_approval: bool = False) -> McpServer:
    """Register a server (nothing is started: `refresh_mcp_server` lists its tools)."""
    check_server(name, transport, command, url, timeout_s)
    try:
        with transaction.atomic():
            return McpServer.objects.create(
                project=project, name=name, transport=transport, command=command if transport == STDIO else "",
                args=list(args or []) if transport == STDIO else [], env=dict(env or {}) if transport == STDIO else {},
                url=url if transport == STREAMABLE_HTTP else "",
                headers=dict(headers or {}) if transport == STREAMABLE_HTTP else {}, timeout_s=timeout_s,
                requires_approval=requires_approval)
    except IntegrityError:
        raise StateConflict(f"an MCP server named {name!r} already exists", field="name") from None


def check_server(name: str, transport: str, command: str, url: str, timeout_s: float) -> None:
    """Raise a field error for a server that cannot work (bad name, missing command or URL)."""
    if not SERVER_NAME.match(name or ""):
        raise InvalidField("name", "use 1-40 letters, digits, '_' or '-' (tool names become <server>__<tool>)")
    if transport not in TRANSPORTS:
        raise InvalidField("transport", f"must be one of {', '.join(TRANSPORTS)}")
    if transport == STDIO and not command:
        raise InvalidField("command", "a stdio server needs a command")
    if transport == STDIO and not stdio_command_allowed(command):
        raise InputRejected("command: not in the operator's allow-list of stdio MCP commands "
                            "(PLATFORM_MCP_STDIO_COMMANDS)", field="command", code="stdio_command_not_allowed")
    if transport == STREAMABLE_HTTP and not re.match(r"^https?://", url or ""):
        raise InvalidField("url", "a streamable-HTTP server needs an http(s) URL")
    if not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise InvalidField("timeout_s", f"must be in (0, {MAX_TIMEOUT_S:g}] seconds")


PATCHABLE = ("transport", "command", "args", "env", "url", "headers", "timeout_s", "requires_approval")


def update_mcp_server(*, server: McpServer, changes: dict[str, Any], created_by=None) -> dict[str, list[str]]:
    """Change a server's transport, command, URL, headers, ... and re-list its tools, in one
    transaction: if the changed server cannot be listed, nothing changes (the typed `ToolError`
    is raised). Returns the refresh's `{added, updated, removed}`."""
    unknown = set(changes) - set(PATCHABLE)
    if unknown:
        raise InvalidField(sorted(unknown)[0], "cannot be changed")
    merged = {field: getattr(server, field) for field in PATCHABLE} | changes
    check_server(server.name, merged["transport"], merged["command"], merged["url"], float(merged["timeout_s"]))
    stdio = merged["transport"] == STDIO
    values = {**merged, "command": merged["command"] if stdio else "", "args": list(merged["args"]) if stdio else [],
              "env": dict(merged["env"]) if stdio else {}, "url": merged["url"] if not stdio else "",
              "headers": dict(merged["headers"]) if not stdio else {}}
    with transaction.atomic():
        for field, value in values.items():
            setattr(server, field, value)
        server.updated_at = timezone.now()
        server.save(update_fields=[*PATCHABLE, "updated_at"])
        return refresh_mcp_server(server=server, created_by=created_by)


def delete_mcp_server(*, server: McpServer) -> None:
    """Remove the server and every tool listed from it."""
    server.delete()


def refresh_mcp_server(*, server: McpServer, created_by=None) -> dict[str, list[str]]:
    """Connect, list the server's tools and mirror them as custom tools: new ones are added, changed
    ones get a new version, ones the server no longer offers are removed. Returns the names
    `{added, updated, removed}`. Connection problems raise the typed `ToolError`."""
    if server.transport == STDIO:
        check_stdio_command(server.command)
    config = MCPServerConfig.from_config(server.runtime_config())
    listed = discover_tools(config, secrets=reveal_secrets(server.project, referenced_secret_names(config)),
                            policy=http_policy(server.project))
    current = _tools_by_remote_name(server)
    _check_name_clashes(server, listed, current)
    changes: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
    with transaction.atomic():
        for info in listed:
            tool = current.pop(info["remote_name"], None)
            if tool is None:
                tool, _ = create_custom_tool(project=server.project, name=info["name"], kind=MCP, mcp_server=server,
                                             description=info.get("description") or info["remote_name"],
                                             body=_body(server, info, {}), created_by=created_by)
                changes["added"].append(tool.name)
                continue
            latest = tool.latest_version()
            _, created = create_tool_version(tool=tool, body=_body(server, info, latest.body if latest else {}),
                                             created_by=created_by)
            if created:
                changes["updated"].append(tool.name)
        for tool in current.values():
            changes["removed"].append(tool.name)
            tool.delete()
        server.tools, server.last_listed_at = listed, timezone.now()
        server.save(update_fields=["tools", "last_listed_at"])
    return changes


def _body(server: McpServer, info: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """A version body for a listed tool; the policy set on the previous version is kept."""
    body = {"server": server.pk, "remote_name": info["remote_name"],
            "input_schema": info.get("input_schema") or {"type": "object"},
            "output_schema": info.get("output_schema"), "read_only": bool(info.get("read_only")),
            "requires_approval": bool(server.requires_approval or previous.get("requires_approval"))}
    if previous.get("rate_limit_per_min"):
        body["rate_limit_per_min"] = previous["rate_limit_per_min"]
    return body


def _tools_by_remote_name(server: McpServer) -> dict[str, CustomTool]:
    found = {}
    for tool in CustomTool.objects.filter(mcp_server=server):
        latest = tool.latest_version()
        found[latest.body["remote_name"] if latest else tool.name] = tool
    return found


def _check_name_clashes(server: McpServer, listed: list[dict[str, Any]], current: dict[str, CustomTool]) -> None:
    new_names = [info["name"] for info in listed if info["remote_name"] not in current]
    taken = set(CustomTool.objects.filter(project=server.project, name__in=new_names).values_list("name", flat=True))
    if taken:
        raise StateConflict(f"tools named {', '.join(sorted(taken))} already exist in this project; rename them or the "
                            "server", field="name")
