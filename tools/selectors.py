"""Reads for tools: custom tools and their versions, MCP servers."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.api.errors import NotFound
from tools.models import CustomTool, CustomToolVersion, McpServer


def tool_exists(project, name: str) -> bool:
    """Whether `project` has a usable custom tool named `name` (one with at least one version)."""
    return CustomTool.objects.filter(project=project, name=name, versions__isnull=False).exists()


def custom_tools_for_project(project, *, kind: str | None = None) -> QuerySet[CustomTool]:
    query = CustomTool.objects.filter(project=project).select_related("mcp_server")
    return query.filter(kind=kind) if kind else query


def find_custom_tool(project, ref: str) -> CustomTool | None:
    """A custom tool by id (`tool_…`) or name, in this project only; None if absent."""
    query = custom_tools_for_project(project)
    found = query.filter(pk=ref).first() if ref.startswith("tool_") else None
    return found or query.filter(name=ref).first()


def get_custom_tool(project, ref: str) -> CustomTool:
    tool = find_custom_tool(project, ref)
    if tool is None:
        raise NotFound(f"Tool {ref!r} not found.")
    return tool


def get_version(tool: CustomTool, number: int) -> CustomToolVersion:
    version = CustomToolVersion.objects.filter(tool=tool, number=number).first()
    if version is None:
        raise NotFound(f"Tool {tool.name!r} has no version {number}.")
    return version


def latest_version(tool: CustomTool) -> CustomToolVersion | None:
    return CustomToolVersion.objects.filter(tool=tool).order_by("-number").first()


def mcp_servers_for_project(project) -> QuerySet[McpServer]:
    return McpServer.objects.filter(project=project)


def get_mcp_server(project, ref: str) -> McpServer:
    """An MCP server by id (`mcp_…`) or name, in this project only."""
    query = mcp_servers_for_project(project)
    server = (query.filter(pk=ref).first() if ref.startswith("mcp_") else None) or query.filter(name=ref).first()
    if server is None:
        raise NotFound(f"MCP server {ref!r} not found.")
    return server

