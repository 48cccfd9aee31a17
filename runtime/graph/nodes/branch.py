"""Branch: ordered conditions, each naming an output port; the first that holds picks the port,
else `default`. Edges name the port they leave from; the others' targets are skipped."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import DEFAULT_PORT, ERROR_PORT, NodeResult, NodeType, object_schema

_PORT = {"type": "string", "minLength": 1, "not": {"enum": [ERROR_PORT]}}


@dataclass
class BranchConfig:
    conditions: list[dict[str, Any]] = field(default_factory=list)  # [{"port": str, "when": condition}]
    default: str = DEFAULT_PORT


@register
class BranchNode(NodeType):
    type = "branch"
    config_schema = object_schema({
        "conditions": {"type": "array", "items": object_schema({"port": _PORT, "when": {}}, ["port", "when"], False)},
        "default": _PORT,
    }, ["conditions"], additional=False)
    Config = BranchConfig

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        self._rules = [(rule["port"], self.compile_field(f"config.conditions[{i}].when", rule["when"], "condition"))
                       for i, rule in enumerate(self.config.conditions)]

    def ports(self) -> frozenset[str]:
        return frozenset({self.config.default, *(port for port, _ in self._rules)})

    def output_schema(self) -> dict[str, Any] | None:
        return object_schema({"port": {"type": "string"}}, ["port"])

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> NodeResult:
        scope = ctx.with_inputs(inputs) if inputs else ctx.scope
        for port, condition in self._rules:
            if condition.evaluate(scope):
                return NodeResult({"port": port}, port=port)
        return NodeResult({"port": self.config.default}, port=self.config.default)
