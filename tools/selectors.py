"""Reads for tools: custom tools and their versions (the versioned-definition layer's selectors for
the custom-tool kind), MCP servers."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.definitions import selectors
from agent_platform.service_errors import ObjectNotFound
from tools.models import CUSTOM_TOOLS, CustomTool, CustomToolVersion, McpServer


def tool_exists(project, name: str) -> bool:
    """Whether `project` has a usable custom tool named `name` (one with at least one version)."""
    return CustomTool.objects.filter(project=project, name=name, versions__isnull=False).exists()


def custom_tools_for_project(project, *, kind: str | None = None) -> QuerySet[CustomTool]:
    query = CustomTool.objects.filter(project=project).select_related("mcp_server")
    return query.filter(kind=kind) if kind else query


def find_custom_tool(project, ref: str) -> CustomTool | None:
    """A custom tool by id (`tool_…`) or name, in this project only; None if absent."""
    return selectors.find_definition(CUSTOM_TOOLS, project, ref, queryset=custom_tools_for_project(project))


def get_custom_tool(project, ref: str) -> CustomTool:
    return selectors.get_definition(CUSTOM_TOOLS, project, ref, queryset=custom_tools_for_project(project))


def get_version(tool: CustomTool, number: int) -> CustomToolVersion:
    return selectors.get_version(CUSTOM_TOOLS, tool, number)


def latest_version(tool: CustomTool) -> CustomToolVersion | None:
    return selectors.latest_version(CUSTOM_TOOLS, tool)


def mcp_servers_for_project(project) -> QuerySet[McpServer]:
    return McpServer.objects.filter(project=project)


def get_mcp_server(project, ref: str) -> McpServer:
    """An MCP server by id (`mcp_…`) or name, in this project only."""
    query = mcp_servers_for_project(project)
    server = (query.filter(pk=ref).first() if ref.startswith("mcp_") else None) or query.filter(name=ref).first()
    if server is None:
        raise ObjectNotFound(f"MCP server {ref!r} not found.")
    return server

