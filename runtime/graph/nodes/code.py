"""Code: runs user code in the sandbox through the `CodeRunner` (a separate process without
network, with CPU/memory/time/output limits in the real implementation). `code` is the body of a
function whose parameter `input` holds the node's mapped inputs; its return value is the output."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.errors import NodeOutputInvalid
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, NodeType, object_schema
from runtime.jsonschema_validation import error_messages, validator_for


@dataclass
class CodeConfig:
    code: str
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    limits: dict[str, Any] = field(default_factory=dict)  # {timeout_s, memory_mb, max_output_bytes}


@register
class CodeNode(NodeType):
    type = "code"
    config_schema = object_schema({
        "code": {"type": "string", "minLength": 1}, "input_schema": SCHEMA_PROPERTY, "output_schema": SCHEMA_PROPERTY,
        "limits": object_schema({"timeout_s": {"type": "number", "exclusiveMinimum": 0},
                                 "memory_mb": {"type": "integer", "minimum": 16},
                                 "max_output_bytes": {"type": "integer", "minimum": 1}}, additional=False),
    }, ["code"], additional=False)
    Config = CodeConfig
    does_io = True  # a subprocess: worth running in parallel with other branches

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        schema = self.config.output_schema
        self._output_validator = validator_for(schema) if schema else None

    def input_schema(self) -> dict[str, Any] | None:
        return self.config.input_schema

    def runtime_input_schema(self) -> dict[str, Any] | None:
        return self.config.input_schema

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        runner = self.require(ctx.services.code, "code", self.type)
        output = runner.run(self.config.code, inputs, dict(self.config.limits), ctx=ctx.service_context())
        if self._output_validator is not None:
            errors = error_messages(self._output_validator, output, limit=5)
            if errors:
                raise NodeOutputInvalid(f"code output does not match the output schema: {'; '.join(errors)}",
                                        errors=errors)
        return output
