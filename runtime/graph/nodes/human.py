"""Human input: pauses the run until someone answers.

Without an answer the node raises `WaitingForInput` with `{node, prompt, input_schema}`; the run
goes to `waiting`. The API validates the answer with `check_resume_input` (the same check the node
makes), appends a `resume` delta and re-enqueues the run; the node then outputs the answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.errors import WaitingForInput
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import SCHEMA_PROPERTY, NodeType, object_schema
from runtime.jsonschema_validation import error_messages, validator_for


@dataclass
class HumanConfig:
    prompt: str = ""  # template shown to the person
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@register
class HumanNode(NodeType):
    type = "human"
    config_schema = object_schema({"prompt": {"type": "string"}, "input_schema": SCHEMA_PROPERTY}, additional=False)
    Config = HumanConfig
    does_io = True  # it waits on a person

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        self._prompt = self.compile_field("config.prompt", self.config.prompt, "template")
        self._validator = validator_for(self.config.input_schema)

    def output_schema(self) -> dict[str, Any] | None:
        return self.config.input_schema

    def answer_errors(self, answer: Any) -> list[str]:
        """Why an answer does not fit the node's input schema (empty when it does)."""
        return error_messages(self._validator, answer, limit=5)

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        answer = ctx.resume_input()
        prompt = {"node": ctx.path, "prompt": self._prompt.evaluate(ctx.with_inputs(inputs)),
                  "input_schema": self.config.input_schema}
        if answer is ctx.MISSING:
            raise WaitingForInput("human_input", prompt=prompt)
        errors = self.answer_errors(answer)
        if errors:  # the API should have refused it: keep waiting, and say why
            raise WaitingForInput("human_input", prompt={**prompt, "errors": errors})
        return answer
