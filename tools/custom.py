"""Custom tools of a project (HTTP endpoints, OpenAPI operations, MCP server tools) as runtime Tools."""
from __future__ import annotations

from runtime.errors import ToolNotFound
from tools.building import BuiltTool, build_tool
from tools.models import CustomTool, CustomToolVersion


def lookup(project, name: str, *, secrets: dict[str, str], version: int | None = None) -> BuiltTool | None:
    """The project's custom tool named `name` at `version` (default: the latest), built,
    or None if the project has no such tool (or it has no version yet). A pinned version that does
    not exist raises `ToolNotFound`. Secrets are not needed to build a tool: each call gets them in
    its `ToolContext`."""
    tool = CustomTool.objects.filter(project=project, name=name).select_related("mcp_server").first()
    if tool is None:
        return None
    versions = CustomToolVersion.objects.filter(tool=tool)
    found = versions.filter(number=version).first() if version is not None else versions.order_by("-number").first()
    if found is None and version is not None:
        raise ToolNotFound(f"tool {name!r} has no version {version}", name=name, version=version)
    return build_tool(tool, found) if found is not None else None
