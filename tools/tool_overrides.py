"""A tool whose spec is adjusted by whoever resolves it: an agent's reference
(`requires_approval: true`), a custom tool's stored name and description, its rate limit."""
from __future__ import annotations

import dataclasses
from typing import Any

from runtime.tools.base import Tool, ToolContext


class SpecOverride:
    """`tool` with some spec fields replaced; calls go to `tool` unchanged."""

    def __init__(self, tool: Tool, **changes: Any) -> None:
        self.inner = tool
        self.spec = dataclasses.replace(tool.spec, **changes)

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        return self.inner.invoke(input, ctx)


def with_spec(tool: Tool, **changes: Any) -> Tool:
    """`tool` itself when nothing changes, else a `SpecOverride`."""
    changed = {k: v for k, v in changes.items() if getattr(tool.spec, k) != v}
    return SpecOverride(tool, **changed) if changed else tool
