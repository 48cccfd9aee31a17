"""Agent: runs an agent version as a sub-step, through the `AgentRunner` service.

`handoffs` names agents this one may hand off to: the runner offers them as handoff tools, and
when the agent hands off the node leaves by the port named after the target (edge `port`), which
leads to the next agent's node. Without a handoff it leaves by `default`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.errors import NodeOutputInvalid
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import DEFAULT_PORT, ERROR_PORT, SCHEMA_PROPERTY, NodeResult, NodeType, object_schema

_HANDOFF = {"anyOf": [{"type": "string", "minLength": 1},
                      object_schema({"name": {"type": "string", "minLength": 1}, "description": {"type": "string"}},
                                    ["name"], additional=False)]}
DEFAULT_AGENT_INPUT = object_schema({"message": {"type": "string"}, "messages": {"type": "array"}}, ["message"])
DEFAULT_AGENT_OUTPUT = object_schema({"text": {"type": "string"}})


@dataclass
class AgentConfig:
    agent: str  # agent reference understood by the runner: id, `name`, `name@env`, `id@version`
    handoffs: list[Any] = field(default_factory=list)
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None


@register
class AgentNode(NodeType):
    type = "agent"
    config_schema = object_schema({"agent": {"type": "string", "minLength": 1},
                                   "handoffs": {"type": "array", "items": _HANDOFF},
                                   "input_schema": SCHEMA_PROPERTY, "output_schema": SCHEMA_PROPERTY},
                                  ["agent"], additional=False)
    Config = AgentConfig
    does_io = True
    side_effects = True  # agents call tools

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        self.handoffs = [h if isinstance(h, dict) else {"name": h, "description": f"Hand off to {h}"}
                         for h in self.config.handoffs]

    def ports(self) -> frozenset[str]:
        return frozenset({DEFAULT_PORT, *(h["name"] for h in self.handoffs)}) - {ERROR_PORT}

    def input_schema(self) -> dict[str, Any] | None:
        return self.config.input_schema or DEFAULT_AGENT_INPUT

    def runtime_input_schema(self) -> dict[str, Any] | None:
        return self.input_schema()

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema or DEFAULT_AGENT_OUTPUT

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> NodeResult:
        runner = self.require(ctx.services.agents, "agents", self.type)
        result = runner.run_agent(self.config.agent, inputs, handoffs=self.handoffs, ctx=ctx.service_context())
        target = result.get("handoff")
        extra = None
        if target:
            if target not in self.ports():
                raise NodeOutputInvalid(f"agent handed off to {target!r}, which is not one of its handoffs")
            extra = {"handoff": {"target": target, "payload": result.get("handoff_payload") or {}}}
        return NodeResult(result.get("output"), port=target or DEFAULT_PORT, usage=result.get("usage"), extra=extra)
