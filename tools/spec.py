"""The body of a custom tool version, per kind, and its validation (field-named errors).

Every kind shares the call policy fields (`COMMON`): `requires_approval`, `rate_limit_per_min`
and, for HTTP and OpenAPI tools, `output_schema`, `timeout_s`, `retry`, `side_effect`,
`idempotency_key_template`.

- `http`: `{method, url, headers?, query?, header_params?, body_field?, rest?, input_schema?, ...}`.
  `url` and `headers` are templates: `{field}` (URL only) comes from the input, `{secret:NAME}`
  from the project's secrets.
- `openapi`: `{operation: {...}, base_url, headers?, ...}`: the imported operation as
  `runtime.tools.openapi.OpenAPIOperation` fields; its input schema is derived from it.
- `mcp`: `{server, remote_name, input_schema, output_schema?, read_only?, ...}`: written by a
  server refresh.
"""
from __future__ import annotations

from typing import Any

from agent_platform.service_errors import ServiceError
from runtime.jsonschema_validation import field_errors, schema_problems
from runtime.tools.http import METHODS
from tools.models import HTTP, MCP, OPENAPI

NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # what model providers accept as a function name
RESERVED_NAMES = frozenset({"import-openapi"})
MAX_TIMEOUT_S = 300.0

_SCHEMA = {"type": "object"}
_STRINGS = {"type": "object", "additionalProperties": {"type": "string", "maxLength": 4096}, "maxProperties": 50}
_POLICY: dict[str, Any] = {
    "requires_approval": {"type": "boolean"},
    "rate_limit_per_min": {"type": ["integer", "null"], "minimum": 1, "maximum": 100_000},
}
_CALL: dict[str, Any] = {
    **_POLICY,
    "output_schema": {"type": ["object", "null"]},
    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT_S},
    "retry": {"type": "object", "additionalProperties": False, "properties": {
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 5},
        "backoff_s": {"type": "number", "minimum": 0, "maximum": 30},
        "max_backoff_s": {"type": "number", "minimum": 0, "maximum": 60}}},
    "side_effect": {"enum": ["read_only", "idempotent", "side_effecting"]},
    "idempotency_key_template": {"type": ["string", "null"], "minLength": 1, "maxLength": 200},
}
_FIELD_LIST = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}, "maxItems": 100}

HTTP_BODY: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["method", "url"],
    "properties": {
        "method": {"enum": [*METHODS, *(m.lower() for m in METHODS)]},
        "url": {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": r"^(https?://|\{secret:)"},
        "headers": _STRINGS,
        "query": _FIELD_LIST,
        "header_params": _STRINGS,
        "body_field": {"type": ["string", "null"], "minLength": 1, "maxLength": 100},
        "rest": {"enum": ["query", "json", "ignore", None]},
        "input_schema": _SCHEMA,
        **_CALL,
    },
}

OPENAPI_BODY: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["operation", "base_url"],
    "properties": {
        "operation": {"type": "object", "required": ["name", "method", "path"], "properties": {
            "name": {"type": "string"}, "method": {"enum": list(METHODS)}, "path": {"type": "string"},
            "summary": {"type": "string"}, "parameters": {"type": "array", "items": {"type": "object"}},
            "body_schema": {"type": ["object", "null"]}, "body_required": {"type": "boolean"},
            "operation_id": {"type": ["string", "null"]}, "body_field": {"type": "string"}}},
        "base_url": {"type": "string", "pattern": r"^https?://", "maxLength": 2000},
        "headers": _STRINGS,
        **_CALL,
    },
}

MCP_BODY: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["server", "remote_name", "input_schema"],
    "properties": {
        "server": {"type": "string", "minLength": 1},
        "remote_name": {"type": "string", "minLength": 1, "maxLength": 200},
        "input_schema": _SCHEMA,
        "output_schema": {"type": ["object", "null"]},
        "read_only": {"type": "boolean"},
        **_POLICY,
    },
}

_BODY_SCHEMAS = {HTTP: HTTP_BODY, OPENAPI: OPENAPI_BODY, MCP: MCP_BODY}


def validate_tool_body(kind: str, body: Any) -> dict:
    """Check a version body of a tool of `kind`; returns the normalised body or raises a 400
    naming the fields (`url`, `retry.max_attempts`, `input_schema`, ...)."""
    if not isinstance(body, dict):
        raise ServiceError("The version body must be a JSON object.", field="body")
    errors = field_errors(_BODY_SCHEMAS[kind], body)
    for field in ("input_schema", "output_schema"):
        if isinstance(body.get(field), dict) and field not in errors:
            problems = schema_problems(body[field])
            if problems:
                errors[field] = [f"not a valid JSON Schema: {problems[0]}"]
    if not errors:
        errors = _build_errors(kind, body)
    if errors:
        raise ServiceError(f"The {kind} tool version is invalid.", errors=errors, code="invalid_tool_version")
    normalised = dict(body)
    if kind == HTTP:
        normalised["method"] = body["method"].upper()
    normalised.setdefault("requires_approval", False)
    return normalised


def _build_errors(kind: str, body: dict) -> dict[str, list[str]]:
    """Problems only building the runtime tool reveals (a bad endpoint, a URL field the input
    schema does not define)."""
    if kind == MCP:
        return {}
    from runtime.tools.http_endpoint import tool_from_config
    from runtime.tools.secret_templates import template_fields
    from tools.building import http_tool_config

    try:
        tool_from_config(http_tool_config(name="check", description="", kind=kind, body=body))
    except (KeyError, TypeError, ValueError) as exc:
        return {"body": [f"cannot build the tool: {exc}"]}
    if kind == HTTP and "input_schema" in body:
        properties = body["input_schema"].get("properties") or {}
        missing = [f for f in template_fields(body["url"]) if f not in properties]
        if missing:
            return {"url": [f"uses {', '.join(map(repr, missing))}, which the input schema does not define"]}
    return {}
