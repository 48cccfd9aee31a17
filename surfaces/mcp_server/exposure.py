"""Which agents and workflows a project offers as MCP tools, and their tool names.

The project setting `settings["mcp"]["expose"]` is `"all"` (the default: an API key of the project
can already run every one of them through `/api/v1/runs`, so this grants nothing new), `"none"`,
or a list of references `agent:<name>[@<environment>|@v<N>]` / `workflow:<name>[…]` — a pin
fixes the version the tool runs; without one the tool runs the latest version.
Tool names are `agent_<name>` and `workflow_<name>` (MCP clients accept `[A-Za-z0-9_.-]`)."""
from __future__ import annotations

from dataclasses import dataclass

from surfaces.targets import Target, TargetRef, UnknownTarget, resolve, runnable_targets

PREFIXES = {"agent": "agent_", "workflow": "workflow_"}


@dataclass(frozen=True)
class ExposedTool:
    name: str
    target: Target


def exposed_refs(project) -> list[TargetRef]:
    setting = ((project.settings or {}).get("mcp") or {}).get("expose", "all")
    if setting == "all":
        return [TargetRef(kind=kind, name=definition.name) for kind, definition in runnable_targets(project)]
    if not isinstance(setting, list):
        return []
    refs = []
    for entry in setting:
        try:
            refs.append(TargetRef.parse(str(entry)))
        except UnknownTarget:
            continue  # a malformed entry exposes nothing (the project admin sees it in the setting)
    return refs


def exposed_tools(project) -> list[ExposedTool]:
    """The tools, each resolved to the version a call would run (refs that no longer resolve are left out)."""
    tools = []
    for ref in exposed_refs(project):
        try:
            target = resolve(project, ref)
        except UnknownTarget:
            continue
        tools.append(ExposedTool(name=f"{PREFIXES[ref.kind]}{ref.name}", target=target))
    return tools


def find_tool(project, name: str) -> ExposedTool | None:
    return next((tool for tool in exposed_tools(project) if tool.name == name), None)
