"""The one entry point from a tool reference to a ready tool: `resolve_tool(project, ref)`.

Agents (`toolset_for`, the agent loop's tools), workflow Tool/HTTP nodes (`ToolRef.for_node`) and the
tool playground all call `resolve_tool`, which

1. builds the base tool: a built-in (configured by the reference's `config`: http headers/timeout,
   code limits) or the project's custom tool at the pinned version (`tools.custom.lookup`:
   HTTP/OpenAPI endpoints, MCP tools; their `{secret:NAME}` templates are filled per call from the
   call's secrets, never at build time);
2. applies the reference's spec overrides (`requires_approval` from an agent's reference, a node's
   `side_effect` class) — the tool's own spec otherwise;
3. bounds HTTP tools by their configured `timeout_s` (`tools.http_timeouts`);
4. wraps the result in its `rate_limit_per_min` (`tools.rate_limits`), outermost, so a refused
   call costs nothing.

`tool_services(project)` gives the services every call of those tools uses (KV store, HTTP policy,
retriever); input/output validation, retries, ledger and events are `runtime.tools.executor.call_tool`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from rag.retrieval import ProjectRetriever
from runtime.errors import AgentSpecInvalid, ToolInputInvalid, ToolNotFound
from runtime.tools.base import Tool
from runtime.tools.registry import BUILTIN_NAMES, BuiltinRegistry, configured_builtin, default_builtins
from runtime.tools.ssrf import HttpPolicy
from tools import custom
from tools.http_timeouts import with_http_timeout
from tools.kv_store import PostgresKVStore
from tools.rate_limits import rate_limited
from tools.tool_overrides import with_spec

SIDE_EFFECTS = ("read_only", "idempotent", "side_effecting")

_builtins: BuiltinRegistry | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class ToolRef:
    """What a caller asks for: a tool `name`, a custom tool's pinned `version`, a built-in's `config`,
    and spec overrides (`side_effect`, `requires_approval`; None keeps the tool's own)."""

    name: str
    version: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    side_effect: str | None = None
    requires_approval: bool | None = None

    @classmethod
    def for_agent(cls, ref: str | dict[str, Any]) -> ToolRef:
        """An agent version's reference: a name, or `{name, version?, config?, requires_approval?}`."""
        if isinstance(ref, str):
            return cls(name=ref)
        name = ref["name"]
        if ref.get("config") and name not in BUILTIN_NAMES:
            raise AgentSpecInvalid(f"custom tool {name!r} takes no config", tool=name)
        approval = ref.get("requires_approval")
        return cls(name=name, version=ref.get("version"), config=dict(ref.get("config") or {}),
                   requires_approval=None if approval is None else bool(approval))

    @classmethod
    def for_node(cls, name: str, config: dict[str, Any] | None) -> ToolRef:
        """A Tool/HTTP node's reference: its per-call config, whose `side_effect` overrides the tool's."""
        side_effect, rest = split_side_effect(config or {})
        return cls(name=name, config=rest, side_effect=side_effect)


def split_side_effect(config: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(`side_effect` override or None, the rest of the config); raise on an unknown value."""
    rest = dict(config)
    declared = rest.pop("side_effect", None)
    if declared is not None and declared not in SIDE_EFFECTS:
        raise ToolInputInvalid(f"side_effect must be one of {', '.join(SIDE_EFFECTS)}", field="side_effect")
    return declared, rest


def builtins() -> BuiltinRegistry:
    """The process's built-in tools (`http`, `kv`, `code`, `retrieval`), created once."""
    global _builtins
    if _builtins is None:
        with _lock:
            if _builtins is None:
                _builtins = BuiltinRegistry(default_builtins(
                    allow_unsandboxed=settings.PLATFORM_ALLOW_UNSANDBOXED_CODE))
    return _builtins


def resolve_tool(project, ref: ToolRef | str, *, secrets: dict[str, str] | None = None,
                 config: dict[str, Any] | None = None) -> Tool:
    """The ready tool `ref` names in `project` (a plain name with `config` is `ToolRef(name, config=config)`).
    Raises `ToolNotFound`; a config for a custom tool, or one a built-in does not accept, raises
    `ToolInputInvalid`."""
    if isinstance(ref, str):
        ref = ToolRef(name=ref, config=dict(config or {}))
    tool, timeout_s = _base_tool(project, ref, secrets or {})
    overrides: dict[str, Any] = {}
    if ref.side_effect is not None:
        overrides["side_effect"] = ref.side_effect
    if ref.requires_approval is not None:
        overrides["requires_approval"] = ref.requires_approval
    return rate_limited(with_http_timeout(with_spec(tool, **overrides), timeout_s))


def _base_tool(project, ref: ToolRef, secrets: dict[str, str]) -> tuple[Tool, float | None]:
    """The unwrapped tool and the HTTP timeout it is configured with (None: the project's default)."""
    if ref.name in BUILTIN_NAMES:
        if not ref.config:
            return builtins().get(ref.name), None
        tool = configured_builtin(ref.name, ref.config, allow_unsandboxed=settings.PLATFORM_ALLOW_UNSANDBOXED_CODE)
        return tool, ref.config.get("timeout_s") if ref.name == "http" else None
    if ref.config:
        raise ToolInputInvalid(f"custom tool {ref.name!r} takes no config", field="config")
    found = custom.lookup(project, ref.name, secrets=secrets, version=ref.version)
    if found is None:
        raise ToolNotFound(f"no tool named {ref.name!r} in this project", name=ref.name)
    return found.tool, found.timeout_s


def toolset_for(project, refs: list, *, secrets: dict[str, str]) -> dict[str, Tool]:
    """An agent version's `tools` (see `ToolRef.for_agent`), resolved, by name."""
    tools: dict[str, Tool] = {}
    for ref in refs:
        tool_ref = ToolRef.for_agent(ref)
        tools[tool_ref.name] = resolve_tool(project, tool_ref, secrets=secrets)
    return tools


def http_policy(project) -> HttpPolicy:
    """The project's outbound HTTP policy: its allow-list, default caps."""
    return HttpPolicy(allow=tuple(project.http_allowlist or ()))


def tool_services(project, *, run=None) -> dict[str, Any]:
    """Services a tool call may use: the Postgres KV store, the HTTP policy, the retriever."""
    return {"kv": PostgresKVStore(), "http_policy": http_policy(project), "retriever": ProjectRetriever(project)}
