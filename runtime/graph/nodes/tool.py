"""Tool: one call of any registered tool (built-in or custom) through the `ToolInvoker`, which
owns validation, the idempotency ledger, approvals, timeouts and retries. The idempotency key is
`<run_id>:<node path>`, so a resumed run never repeats a completed call."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, NodeType, object_schema


@dataclass
class ToolConfig:
    tool: str
    config: dict[str, Any] = field(default_factory=dict)  # per-call tool config (e.g. secret refs, base url)
    output_schema: dict[str, Any] | None = None  # declared for type checks of consumers


@register
class ToolNode(NodeType):
    type = "tool"
    config_schema = object_schema({"tool": {"type": "string", "minLength": 1}, "config": {"type": "object"},
                                   "output_schema": SCHEMA_PROPERTY}, ["tool"], additional=False)
    Config = ToolConfig
    does_io = True
    side_effects = True

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        return invoke_tool(ctx, self.config.tool, inputs, self.config.config)


def invoke_tool(ctx: NodeContext, tool: str, input: dict[str, Any], config: dict[str, Any]) -> Any:
    """Call a tool through the run's `ToolInvoker` with this node's context and idempotency key."""
    invoker = NodeType.require(ctx.services.tools, "tools", "tool")
    service_ctx = ctx.service_context()
    return invoker.invoke(tool, input, config=config, key=service_ctx.idempotency_key, ctx=service_ctx)
