"""The schema of an agent version body, its defaults and its validation (field-named errors)."""
from __future__ import annotations

from typing import Any

from agent_platform.service_errors import ServiceError
from runtime.jsonschema_validation import field_errors, schema_problems

DEFAULT_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "maxLength": 100_000},
        "messages": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "required": ["role", "content"],
            "properties": {"role": {"enum": ["system", "user", "assistant"]}, "content": {"type": "string"}}}},
    },
    "required": ["message"],
    "additionalProperties": False,
}

DEFAULT_LIMITS = {"max_steps": 10, "max_tokens": 100_000, "max_cost_usd": 1.0, "timeout_s": 300,
                  "call_timeout_s": 120, "max_tool_errors": 3}

_TOOL_REF = {"oneOf": [
    {"type": "string", "minLength": 1, "maxLength": 100},
    {"type": "object", "required": ["name"], "additionalProperties": False, "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "config": {"type": "object"},
        "version": {"type": "integer", "minimum": 1},
        "requires_approval": {"type": "boolean"}}},
]}

BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["model"],
    "properties": {
        "model": {"type": "string", "minLength": 3, "maxLength": 200},
        "fallbacks": {"type": "array", "items": {"type": "string", "minLength": 3}, "maxItems": 5},
        "model_settings": {"type": "object", "properties": {
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200_000},
            "script": {"type": "array"}}},
        "instructions": {"type": "string", "maxLength": 100_000},
        "tools": {"type": "array", "items": _TOOL_REF, "maxItems": 64},
        "knowledge": {"type": "array", "maxItems": 10, "items": {
            "type": "object", "required": ["knowledge_base"], "additionalProperties": False, "properties": {
                "knowledge_base": {"type": "string"}, "top_k": {"type": "integer", "minimum": 1, "maximum": 50},
                "filter": {"type": "object"}, "mode": {"enum": ["vector", "hybrid"]},
                "assembly": {"type": "object"}}}},
        "input_schema": {"type": "object"},
        "output_schema": {"type": "object"},
        "guardrails": {"type": "array", "maxItems": 20, "items": {
            "type": "object", "required": ["type"], "properties": {"type": {"type": "string"},
                                                                   "stage": {"enum": ["input", "output"]}}}},
        "limits": {"type": "object", "additionalProperties": False, "properties": {
            "max_steps": {"type": "integer", "minimum": 1, "maximum": 200},
            "max_tokens": {"type": "integer", "minimum": 1},
            "max_cost_usd": {"type": "number", "minimum": 0},
            "timeout_s": {"type": "number", "minimum": 0.1, "maximum": 86_400},
            "call_timeout_s": {"type": "number", "minimum": 0.1, "maximum": 3600},
            "max_tool_errors": {"type": "integer", "minimum": 0, "maximum": 50}}},
        "cache": {"type": "boolean"},
    },
}
def validate_agent_body(body: Any) -> dict:
    """Check a version body's shape and embedded JSON Schemas; returns the normalised body."""
    if not isinstance(body, dict):
        raise ServiceError("The version body must be a JSON object.", field="body")
    errors = field_errors(BODY_SCHEMA, body)
    for field in ("input_schema", "output_schema"):
        if field in body and field not in errors:
            problems = schema_problems(body[field])
            if problems:
                errors[field] = [f"not a valid JSON Schema: {problems[0]}"]
    if errors:
        raise ServiceError("The agent version is invalid.", errors=errors, code="invalid_agent_version")
    normalised = dict(body)
    normalised["limits"] = {**DEFAULT_LIMITS, **body.get("limits", {})}
    normalised.setdefault("instructions", "")
    normalised.setdefault("tools", [])
    return normalised


def input_schema(body: dict) -> dict:
    return body.get("input_schema") or DEFAULT_INPUT_SCHEMA
