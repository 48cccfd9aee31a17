"""Start: the entry of a graph (or of a Loop/Map body). Its output is the scope's input,
checked against `config.input_schema` when one is declared."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.errors import InputInvalid
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, NodeType, object_schema
from runtime.jsonschema_validation import error_messages, validator_for


@dataclass
class StartConfig:
    input_schema: dict[str, Any] | None = None


@register
class StartNode(NodeType):
    type = "start"
    config_schema = object_schema({"input_schema": SCHEMA_PROPERTY}, additional=False)
    Config = StartConfig

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        schema = self.config.input_schema
        self._validator = validator_for(schema) if schema else None

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.input_schema

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        value = ctx.scope["input"]
        if self._validator is not None:
            errors = error_messages(self._validator, value, limit=5)
            if errors:
                raise InputInvalid(f"workflow input is invalid: {'; '.join(errors)}", errors=errors)
        return value
