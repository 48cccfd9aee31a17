"""Resolving an agent's or node's tool references to runtime Tool objects, and the services
(KV store, retriever, HTTP policy) tools use during a call.

Every resolved tool is wrapped in its rate limit (`tools.rate_limits`), so agents, workflow
nodes and the playground all enforce `rate_limit_per_min` the same way.
"""
from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

from runtime.errors import AgentSpecInvalid, ToolNotFound
from runtime.tools.base import Tool
from runtime.tools.registry import BUILTIN_NAMES, BuiltinRegistry, configured_builtin, default_builtins
from runtime.tools.ssrf import HttpPolicy
from tools.http_timeouts import with_http_timeout
from tools.rate_limits import rate_limited
from tools.tool_overrides import with_spec

_builtins: BuiltinRegistry | None = None
_lock = threading.Lock()


def builtins() -> BuiltinRegistry:
    """The process's built-in tools (`http`, `kv`, `code`, `retrieval`), created once."""
    global _builtins
    if _builtins is None:
        with _lock:
            if _builtins is None:
                _builtins = BuiltinRegistry(default_builtins(
                    allow_unsandboxed=settings.PLATFORM_ALLOW_UNSANDBOXED_CODE))
    return _builtins


def resolve_tool(project, name: str, *, secrets: dict[str, str] | None = None, version: int | None = None,
                 config: dict[str, Any] | None = None) -> Tool:
    """A built-in (configured by `config` if given) or the project's custom tool `name` (at
    `version`, default the latest), wrapped in its rate limit. Raises `ToolNotFound`; a config for a
    custom tool, or one a built-in does not accept, raises `ToolInputInvalid`."""
    if name in BUILTIN_NAMES:
        if config:
            tool = configured_builtin(name, config, allow_unsandboxed=settings.PLATFORM_ALLOW_UNSANDBOXED_CODE)
            return rate_limited(with_http_timeout(tool, config.get("timeout_s") if name == "http" else None))
        return rate_limited(builtins().get(name))
    from tools import custom

    tool = custom.lookup(project, name, secrets=secrets or {}, version=version)
    if tool is None:
        raise ToolNotFound(f"no tool named {name!r} in this project", name=name)
    return rate_limited(tool)


def toolset_for(project, refs: list, *, secrets: dict[str, str]) -> dict[str, Tool]:
    """`refs` as in an agent version: names or `{name, version?, config?, requires_approval?}`
    objects (`version` pins a custom tool's version; `config` configures a built-in)."""
    tools: dict[str, Tool] = {}
    for ref in refs:
        name = ref if isinstance(ref, str) else ref["name"]
        options = ref if isinstance(ref, dict) else {}
        if options.get("config") and name not in BUILTIN_NAMES:
            raise AgentSpecInvalid(f"custom tool {name!r} takes no config", tool=name)
        tool = resolve_tool(project, name, secrets=secrets, version=options.get("version"),
                            config=options.get("config"))
        if "requires_approval" in options:
            tool = with_spec(tool, requires_approval=bool(options["requires_approval"]))
        tools[name] = tool
    return tools


def http_policy(project) -> HttpPolicy:
    """The project's outbound HTTP policy: its allow-list, default caps."""
    return HttpPolicy(allow=tuple(project.http_allowlist or ()))


def tool_services(project, *, run=None) -> dict[str, Any]:
    """Services a tool call may use: the Postgres KV store, the HTTP policy, the retriever."""
    from tools.kv_store import PostgresKVStore

    services: dict[str, Any] = {"kv": PostgresKVStore(), "http_policy": http_policy(project)}
    try:
        from rag.retrieval import ProjectRetriever
    except ImportError:  # the RAG app is optional for tool calls
        return services
    services["retriever"] = ProjectRetriever(project)
    return services
