"""OpenAPI additions: API-key auth, problem+json error responses on every operation, and the
SSE stream endpoint (a plain async view DRF does not see).

The document is made to say what the API does (issue 15, item 13), in this one hook:
- every list operation answers a page `{data: [...], next_cursor}` (the views all paginate,
  `agent_platform/api/pagination.py`), so an array documented as a 200 body is wrapped once here;
- request bodies of strict serializers (which refuse unknown fields) say `additionalProperties: false`;
- creates (POST) document the 409 of a state or Idempotency-Key conflict;
- a `oneOf` with no discriminator becomes `anyOf` (its alternatives overlap: an empty page).
Checked by tests/api/test_schemathesis.py (responses conform, statuses documented, no 5xx).
"""
from __future__ import annotations

import inspect

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "messages by field name"},
    },
    "required": ["type", "title", "status", "detail"],
}
CONFLICT_DESCRIPTION = ("Conflict: the object's state does not allow this, the name is taken, or the "
                        "Idempotency-Key is in use by a request still in flight")
ERROR_STATUSES = {"400": "Invalid request", "401": "Missing, invalid, expired or revoked API key",
                  "403": "The key's role does not allow this", "404": "Not found (or another project's)"}

STREAM_PATH = "/api/v1/runs/{run_id}/stream"
STREAM_OPERATION = {
    "get": {
        "operationId": "runs_stream",
        "summary": "Stream a run's events (Server-Sent Events)",
        "description": "Replays stored events after `Last-Event-ID` (or `after_seq`), then follows live events "
                       "until the terminal one. Each SSE message has `id:` = seq, `event:` = type and `data:` = the "
                       "event JSON `{seq, run_id, type, ts, node_id?, span_id?, data}`. Idle streams get a "
                       "`: heartbeat` comment every 15 s. The same stream is available at `WS /ws/runs/{id}/`.",
        "tags": ["runs"],
        "parameters": [
            {"name": "run_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "after_seq", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            {"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "integer"}},
        ],
        "responses": {"200": {"description": "An event stream", "content": {"text/event-stream": {
            "schema": {"type": "string"}}}}},
        "security": [{"ApiKey": []}],
    }
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A project API key: `Bearer ap_…`"}


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: document problem+json errors and the SSE endpoint."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem_ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    paths = result.setdefault("paths", {})
    paths[STREAM_PATH] = STREAM_OPERATION
    for operations in paths.values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(status, {"description": description, "content": problem_ref})
            if method in ("post", "patch", "put"):
                operation["responses"].setdefault("422", {"description": "Unprocessable (e.g. input schema)",
                                                          "content": problem_ref})
            if method == "post":
                operation["responses"].setdefault("409", {"description": CONFLICT_DESCRIPTION,
                                                          "content": problem_ref})
            if method == "get":
                _document_page(operation)
    _refuse_unknown_fields(result, generator)
    _overlapping_alternatives(result)
    return result


def _overlapping_alternatives(result: dict) -> None:
    """A `oneOf` without a discriminator (a polymorphic body such as TraceListPage: a page of traces
    or of spans) must match exactly one alternative, and an empty page matches both: `anyOf`."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        if "oneOf" in schema and "discriminator" not in schema:
            schema["anyOf"] = schema.pop("oneOf")


def page_schema(items: dict) -> dict:
    """The body of a list operation: one page and the cursor of the next."""
    return {"type": "object", "properties": {
        "data": items,
        "next_cursor": {"type": "string", "nullable": True,
                        "description": "pass as `?cursor=` for the next page; null on the last page"}},
        "required": ["data", "next_cursor"]}


def _document_page(operation: dict) -> None:
    ok = operation["responses"].get("200", {})
    media = (ok.get("content") or {}).get("application/json")
    if media and media.get("schema", {}).get("type") == "array":
        media["schema"] = page_schema(media["schema"])


def _refuse_unknown_fields(result: dict, generator) -> None:
    """`additionalProperties: false` on the request component of every strict serializer."""
    from agent_platform.api.serializers import StrictModelSerializer, StrictSerializer

    schemas = result.get("components", {}).get("schemas", {})
    for (name, kind), component in getattr(generator.registry, "_components", {}).items():
        if kind != ResolvedComponent.SCHEMA or name not in schemas:
            continue
        serializer = component.object
        serializer_class = serializer if inspect.isclass(serializer) else type(serializer)
        schema = schemas[name]
        if (inspect.isclass(serializer_class) and issubclass(serializer_class, (StrictSerializer, StrictModelSerializer))
                and schema.get("type") == "object" and "additionalProperties" not in schema
                and not _is_response_only(name, schemas)):
            schema["additionalProperties"] = False


def _is_response_only(name: str, schemas: dict) -> bool:
    """With COMPONENT_SPLIT_REQUEST a serializer used both ways has `X` (response) and `XRequest`."""
    return f"{name}Request" in schemas
