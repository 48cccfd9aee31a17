"""JSON Schema check: the text must be JSON that validates against a schema, or it is blocked."""
from __future__ import annotations

import json
from typing import Any

from runtime.guardrails.base import STAGES, Stage, Verdict
from runtime.jsonschema_validation import error_messages


class JsonSchemaCheck:
    """Blocks text that is not JSON matching `schema` (by default at the output stage)."""

    name = "json_schema"

    def __init__(self, schema: dict[str, Any], *, stages: frozenset[str] = STAGES["output"]) -> None:
        self.schema = schema
        self.stages = stages

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> JsonSchemaCheck:
        return cls(config["schema"], stages=STAGES[config.get("stage", "output")])

    def check(self, text: str, *, stage: Stage) -> Verdict:
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return Verdict.block(text, f"{stage} is not JSON")
        errors = error_messages(self.schema, value)
        if errors:
            return Verdict.block(text, f"{stage} does not match its schema: " + "; ".join(errors[:3]))
        return Verdict.allow(text)
