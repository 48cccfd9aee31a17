"""Checks that a workflow version's references exist in its project: agents of Agent nodes, tools of
Tool nodes (and their per-call config), knowledge bases of Retrieval nodes. Errors are keyed like
graph errors: `graph.nodes.<node path>.config.<field>`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_platform.service_errors import ServiceError
from runs.model_refs import check_model_refs
from runtime.errors import ToolError
from workflows.agent_refs import AgentRefError, check_agent_ref
from workflows.graph_nodes import iter_nodes


def validate_references(project, body: dict[str, Any]) -> None:
    """Raise a 422 naming every Prompt node whose model provider is not configured, then a 400 naming
    every node whose agent, tool or knowledge base is unknown."""
    nodes = list(iter_nodes(body.get("graph") or {}))
    check_model_refs(project, {f"graph.nodes.{path}.config.model": (node.get("config") or {}).get("model")
                               for path, node in nodes if node.get("type") == "prompt"},
                     message="A Prompt node names a model provider that is not configured.")
    errors: dict[str, list[str]] = {}
    for path, node in nodes:
        check = _CHECKS.get(node.get("type"))
        if check is None:
            continue
        for field, message in check(project, node.get("config") or {}):
            errors.setdefault(f"graph.nodes.{path}.config.{field}", []).append(message)
    if errors:
        raise ServiceError("The workflow version references unknown objects.", errors=errors, code="unknown_reference")


def tool_config_problems(project, name: str, config: dict[str, Any]) -> list[str]:
    """Why a node's per-call config cannot configure tool `name` (only built-ins take one)."""
    from tools.resolution import resolve_tool, split_side_effect

    try:
        _, rest = split_side_effect(config)
        if rest:
            resolve_tool(project, name, config=rest)
    except ToolError as exc:
        return [exc.message]
    return []


def _agent(project, config: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        check_agent_ref(project, str(config.get("agent", "")))
    except AgentRefError as exc:
        return [("agent", str(exc))]
    return []


def _tool(project, config: dict[str, Any]) -> list[tuple[str, str]]:
    from tools.resolution import resolve_tool

    name = str(config.get("tool", ""))
    try:
        resolve_tool(project, name)
    except ToolError as exc:
        return [("tool", exc.message)]
    return [("config", message) for message in tool_config_problems(project, name, config.get("config") or {})]


def _http(project, config: dict[str, Any]) -> list[tuple[str, str]]:
    return [("tool_config", m) for m in tool_config_problems(project, "http", config.get("tool_config") or {})]


def _retrieval(project, config: dict[str, Any]) -> list[tuple[str, str]]:
    from rag import selectors as rag_selectors

    ref = str(config.get("knowledge_base", ""))
    if not rag_selectors.knowledge_base_exists(project, ref):
        return [("knowledge_base", f"unknown knowledge base {ref!r}")]
    return []


_CHECKS: dict[str, Callable[[Any, dict[str, Any]], list[tuple[str, str]]]] = {
    "agent": _agent, "tool": _tool, "http": _http, "retrieval": _retrieval}
