"""OpenAPI additions: API-key auth, problem+json error responses on every operation, and the
SSE stream endpoint (a plain async view DRF does not see)."""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

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
    return result
