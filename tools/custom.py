"""Custom tools of a project (HTTP endpoints, OpenAPI operations, MCP servers)."""
from __future__ import annotations


def lookup(project, name: str, *, secrets: dict[str, str]):
    """The project's custom tool named `name` as a runtime Tool, or None."""
    return None
