"""Prompt: one model call. Messages are templates rendered from the state (and the node's
`inputs` as `$.inputs.*`); streamed text is emitted as `model.delta`; with `output_schema` the
output is the structured object (validated), otherwise `{"text": ...}`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.errors import NodeOutputInvalid
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, ConfigInvalid, NodeResult, NodeType, object_schema
from runtime.jsonschema_validation import error_messages, validator_for

_MESSAGE = object_schema({"role": {"enum": ["system", "user", "assistant"]}, "content": {"type": "string"}},
                         ["role", "content"], additional=False)
TEXT_OUTPUT = object_schema({"text": {"type": "string"}}, ["text"])


@dataclass
class PromptConfig:
    model: str  # model reference for the router (`provider/model`, an alias, `default`)
    prompt: str | None = None  # user message template
    system: str | None = None  # system message template
    messages: list[dict[str, Any]] | None = None  # full message templates, instead of prompt/system
    output_schema: dict[str, Any] | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@register
class PromptNode(NodeType):
    type = "prompt"
    config_schema = object_schema({
        "model": {"type": "string", "minLength": 1}, "prompt": {"type": "string"}, "system": {"type": "string"},
        "messages": {"type": "array", "items": _MESSAGE, "minItems": 1}, "output_schema": SCHEMA_PROPERTY,
        "temperature": {"type": "number", "minimum": 0}, "max_tokens": {"type": "integer", "minimum": 1},
    }, ["model"], additional=False)
    Config = PromptConfig
    does_io = True

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        cfg = self.config
        if (cfg.prompt is None) == (cfg.messages is None) or (cfg.messages is not None and cfg.system is not None):
            raise ConfigInvalid([{"node_id": node_id, "field": "config.prompt",
                                  "message": "give either `prompt` (and optionally `system`) or `messages`"}])
        raw = cfg.messages or [m for m in ({"role": "system", "content": cfg.system},
                                           {"role": "user", "content": cfg.prompt}) if m["content"] is not None]
        self._messages = [(m["role"], self.compile_field(f"config.messages[{i}].content", m["content"], "template"))
                          for i, m in enumerate(raw)]
        self._output_validator = validator_for(cfg.output_schema) if cfg.output_schema else None
        self._options = {k: v for k, v in (("temperature", cfg.temperature), ("max_tokens", cfg.max_tokens))
                         if v is not None}

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.output_schema or TEXT_OUTPUT

    def render(self, inputs: dict[str, Any], ctx: NodeContext) -> list[dict[str, Any]]:
        """The messages sent to the model."""
        scope = ctx.with_inputs(inputs)
        return [{"role": role, "content": template.evaluate(scope)} for role, template in self._messages]

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> NodeResult:
        model = self.require(ctx.services.models, "models", self.type)
        result = model.complete(self.config.model, self.render(inputs, ctx), output_schema=self.config.output_schema,
                                on_delta=lambda text: ctx.emit("model.delta", {"text": text}),
                                ctx=ctx.service_context(), options=self._options or None)
        if self._output_validator is None:
            return NodeResult({"text": result.get("text") or ""}, usage=result.get("usage"))
        output = result.get("output")
        errors = error_messages(self._output_validator, output, limit=5)
        if errors:
            raise NodeOutputInvalid(f"model output does not match the output schema: {'; '.join(errors)}",
                                    errors=errors)
        return NodeResult(output, usage=result.get("usage"))
