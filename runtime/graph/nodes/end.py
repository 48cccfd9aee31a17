"""End: the result of a graph (or of one Loop iteration / Map item).

Its output is its mapped `inputs`, or, without inputs, the output of the node that led to it
(an object by node id when several did). `config.output_schema`, if declared, is enforced."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.errors import NodeOutputInvalid
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, NodeType, object_schema
from runtime.jsonschema_validation import error_messages, validator_for


@dataclass
class EndConfig:
    output_schema: dict[str, Any] | None = None


def upstream_output(ctx: NodeContext) -> Any:
    """The output of the node whose edge led here, or `{id: output}` when several did."""
    if len(ctx.sources) == 1:
        record = ctx.record_of(ctx.sources[0])
        return record.get("output") if record else None
    return {src: (ctx.record_of(src) or {}).get("output") for src in ctx.sources}


@register
class EndNode(NodeType):
    type = "end"
    config_schema = object_schema({"output_schema": SCHEMA_PROPERTY}, additional=False)
    Config = EndConfig

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        schema = self.config.output_schema
        self._validator = validator_for(schema) if schema else None

    def input_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        output = inputs if inputs else upstream_output(ctx)
        if self._validator is not None:
            errors = error_messages(self._validator, output, limit=5)
            if errors:
                raise NodeOutputInvalid(f"workflow output is invalid: {'; '.join(errors)}", errors=errors)
        return output
