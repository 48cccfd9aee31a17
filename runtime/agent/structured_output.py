"""Structured output: parse and validate the final answer against the agent's JSON Schema,
and word the one repair request that shows the model what was wrong."""
from __future__ import annotations

import json
import re
from typing import Any

from runtime.jsonschema_validation import error_messages

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_answer(text: str, schema: dict[str, Any]) -> tuple[Any, list[str]]:
    """(value, errors): errors is empty when the text is JSON that validates against `schema`.
    A Markdown code fence around the JSON is tolerated."""
    match = _FENCE.match(text)
    candidate = match.group(1) if match else text
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError as exc:
        return None, [f"(root): the answer is not valid JSON ({exc.msg} at position {exc.pos})"]
    return value, error_messages(schema, value)


def repair_prompt(errors: list[str], schema: dict[str, Any]) -> str:
    """The user message of the repair turn."""
    listed = "\n".join(f"- {e}" for e in errors)
    return ("Your answer does not match the required JSON Schema. Validation errors:\n"
            f"{listed}\n\nReply again with only a JSON object that validates against this schema "
            f"(no prose, no code fence):\n{json.dumps(schema)}")
