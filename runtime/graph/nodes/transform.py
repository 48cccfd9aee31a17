"""Transform: builds an object from its mapped inputs (paths, templates, literals). No code, no I/O:
the cheapest node, used to reshape state between nodes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, NodeType, object_schema


@dataclass
class TransformConfig:
    output_schema: dict[str, Any] | None = None  # declared for type checks of consumers; not enforced


@register
class TransformNode(NodeType):
    type = "transform"
    config_schema = object_schema({"output_schema": SCHEMA_PROPERTY}, additional=False)
    Config = TransformConfig

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        return inputs
