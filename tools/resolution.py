"""Resolving an agent's or node's tool references to runtime Tool objects, and the services
(KV store, retriever, HTTP policy) tools use during a call."""
from __future__ import annotations

import dataclasses
import threading
from typing import Any

from django.conf import settings

from runtime.errors import ToolNotFound
from runtime.tools.base import Tool, ToolContext
from runtime.tools.registry import BUILTIN_NAMES, BuiltinRegistry, default_builtins
from runtime.tools.ssrf import HttpPolicy

_builtins: BuiltinRegistry | None = None
_lock = threading.Lock()


def builtins() -> BuiltinRegistry:
    global _builtins
    if _builtins is None:
        with _lock:
            if _builtins is None:
                _builtins = BuiltinRegistry(default_builtins(
                    allow_unsandboxed=settings.PLATFORM_ALLOW_UNSANDBOXED_CODE))
    return _builtins


class _Overridden:
    """A tool whose spec is adjusted by the reference (e.g. `requires_approval: true`)."""

    def __init__(self, tool: Tool, **changes: Any) -> None:
        self._tool = tool
        self.spec = dataclasses.replace(tool.spec, **changes)

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        return self._tool.invoke(input, ctx)


def resolve_tool(project, name: str, *, secrets: dict[str, str] | None = None) -> Tool:
    if name in BUILTIN_NAMES:
        return builtins().get(name)
    from tools import custom

    tool = custom.lookup(project, name, secrets=secrets or {})
    if tool is None:
        raise ToolNotFound(f"no tool named {name!r} in this project", name=name)
    return tool


def toolset_for(project, refs: list, *, secrets: dict[str, str]) -> dict[str, Tool]:
    """`refs` as in an agent version: names or `{name, requires_approval?}` objects."""
    tools: dict[str, Tool] = {}
    for ref in refs:
        name = ref if isinstance(ref, str) else ref["name"]
        tool = resolve_tool(project, name, secrets=secrets)
        if isinstance(ref, dict) and "requires_approval" in ref:
            tool = _Overridden(tool, requires_approval=bool(ref["requires_approval"]))
        tools[name] = tool
    return tools


def http_policy(project) -> HttpPolicy:
    return HttpPolicy(allow=tuple(project.http_allowlist or ()))


def tool_services(project, *, run=None) -> dict[str, Any]:
    from tools.kv_store import PostgresKVStore

    services: dict[str, Any] = {"kv": PostgresKVStore(), "http_policy": http_policy(project)}
    try:
        from rag.retrieval import ProjectRetriever
    except ImportError:  # the RAG app is optional for tool calls
        return services
    services["retriever"] = ProjectRetriever(project)
    return services
