"""Tool registries: the built-ins registered in code, and a composite that falls back to a
per-project lookup (custom HTTP/OpenAPI tools and MCP tools, supplied by the Django side)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from runtime.errors import ToolInputInvalid, ToolNotFound
from runtime.tools.base import Tool, ToolSpec
from runtime.tools.code import CodeTool
from runtime.tools.http import HttpTool
from runtime.tools.kv import KVTool
from runtime.tools.retrieval import RetrievalTool
from runtime.tools.sandbox import SandboxLimits

BUILTIN_NAMES = ("http", "kv", "code", "retrieval")
# Per-use config a built-in accepts (agent tool settings, the playground's `config`): key -> (min, max).
_HTTP_LIMITS = {"timeout_s": (0.1, 120.0)}
_CODE_LIMITS = {"wall_s": (0.5, 60.0), "cpu_s": (0.5, 60.0), "memory_mb": (32, 2048)}
ProjectLookup = Callable[[str], "Tool | None"]


class BuiltinRegistry:
    """`http`, `kv`, `code` and `retrieval` (or the tools given), by name."""

    def __init__(self, tools: Iterable[Tool] | None = None) -> None:
        chosen = list(tools) if tools is not None else default_builtins()
        self._tools = {tool.spec.name: tool for tool in chosen}

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise ToolNotFound(f"no built-in tool named {name!r}", name=name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        """Specs of every built-in (what the API lists read-only)."""
        return [tool.spec for tool in self._tools.values()]


class CompositeRegistry:
    """Built-ins first, then `lookup(name)` (a project's custom and MCP tools; None if absent)."""

    def __init__(self, builtins: BuiltinRegistry, lookup: ProjectLookup | None = None) -> None:
        self.builtins = builtins
        self.lookup = lookup

    def get(self, name: str) -> Tool:
        if name in self.builtins:
            return self.builtins.get(name)
        tool = self.lookup(name) if self.lookup else None
        if tool is None:
            raise ToolNotFound(f"no tool named {name!r} in this project", name=name)
        return tool


class MappingRegistry:
    """A registry over a fixed set of tools (tests, agent versions that pin their tools)."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {tool.spec.name: tool for tool in tools}

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise ToolNotFound(f"no tool named {name!r}", name=name) from None

    def __call__(self, name: str) -> Tool | None:
        """Usable as a `CompositeRegistry` lookup."""
        return self._tools.get(name)


def default_builtins(*, allow_unsandboxed: bool = False) -> list[Tool]:
    """Fresh instances of the four built-ins. Stores, retrievers and HTTP policies come from each
    call's `ctx.services`, so one set serves every project of a worker."""
    return [HttpTool(), KVTool(), CodeTool(allow_unsandboxed=allow_unsandboxed), RetrievalTool()]


def configured_builtin(name: str, config: Mapping[str, Any] | None, *, allow_unsandboxed: bool = False) -> Tool:
    """A built-in with per-use config: `http` `{headers?, timeout_s?}` (headers may use
    `{secret:NAME}`), `code` `{wall_s?, cpu_s?, memory_mb?}`; `kv` and `retrieval` take none.
    Unknown keys or values out of range raise `ToolInputInvalid`."""
    config = dict(config or {})
    if name == "http":
        _check_config(name, config, {"headers"}, _HTTP_LIMITS)
        headers = config.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ToolInputInvalid("http config `headers` must map names to strings", field="config.headers")
        return HttpTool(headers=headers, timeout_s=float(config.get("timeout_s", 30.0)))
    if name == "code":
        _check_config(name, config, set(), _CODE_LIMITS)
        defaults = SandboxLimits()
        limits = SandboxLimits(wall_s=float(config.get("wall_s", defaults.wall_s)),
                               cpu_s=float(config.get("cpu_s", defaults.cpu_s)),
                               memory_bytes=int(config.get("memory_mb", defaults.memory_bytes >> 20)) << 20)
        return CodeTool(limits=limits, allow_unsandboxed=allow_unsandboxed)
    if name in ("kv", "retrieval"):
        _check_config(name, config, set(), {})
        return RetrievalTool() if name == "retrieval" else KVTool()
    raise ToolNotFound(f"no built-in tool named {name!r}", name=name)


def _check_config(name: str, config: dict[str, Any], keys: set[str], ranges: dict[str, tuple[float, float]]) -> None:
    unknown = set(config) - keys - set(ranges)
    if unknown:
        raise ToolInputInvalid(f"unknown config for {name}: {', '.join(sorted(unknown))}", field="config")
    for key, (low, high) in ranges.items():
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not low <= value <= high):
            raise ToolInputInvalid(f"{name} config `{key}` must be a number in [{low}, {high}]",
                                   field=f"config.{key}")
