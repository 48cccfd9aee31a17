"""Tool errors as problem+json, mapped once (the playground and MCP refresh use it).

| error `type` | status |
| --- | --- |
| `tool_input_invalid` (input fails the input schema, or the tool rejects a field) | 422 |
| `tool_refused` (SSRF guard, missing secret) | 403 |
| `tool_not_found` | 404 |
| `tool_rate_limited` (with `Retry-After`) | 429 |
| `sandbox_unavailable` | 503 |
| `tool_timeout` | 504 |
| any other tool error (`tool_error`, `tool_connection_error`, `tool_output_invalid`, `code_error`, `sandbox_limit_exceeded`, ...) | 502 |

The body is the usual `{type, title, status, detail, errors}` plus `tool_error`: the typed error
as a run's `tool.completed` event would carry it (its messages cut to an excerpt).
"""
from __future__ import annotations

from typing import Any

from rest_framework.response import Response

from agent_platform.api.errors import PROBLEM_TYPE, excerpt, problem

STATUS_BY_TYPE = {"tool_input_invalid": 422, "tool_refused": 403, "tool_not_found": 404, "tool_rate_limited": 429,
                  "sandbox_unavailable": 503, "tool_timeout": 504}
TITLES = {422: "Tool input invalid", 403: "Tool call refused", 404: "Tool not found", 429: "Tool rate limited",
          503: "Tool unavailable", 504: "Tool timed out", 502: "Tool failed"}


def tool_error_status(error: dict[str, Any]) -> int:
    return STATUS_BY_TYPE.get(str(error.get("type")), 502)


def input_errors(error: dict[str, Any]) -> dict[str, list[str]]:
    """`{"input.<path>": [messages]}` from a `tool_input_invalid` error's details."""
    details = error.get("details") or {}
    fields: dict[str, list[str]] = {}
    for item in details.get("errors") or []:
        path, _, message = str(item).partition(": ")
        name = "input" if path in ("(root)", "") else "input." + path.replace("/", ".")
        fields.setdefault(name, []).append(message or str(item))
    if not fields:
        field = details.get("field")
        fields["input" + (f".{field}" if field else "")] = [str(error.get("message", "invalid input"))]
    return fields


def tool_error_response(error: dict[str, Any]) -> Response:
    status = tool_error_status(error)
    errors = input_errors(error) if status == 422 else None
    body = problem(status, TITLES[status], str(error.get("message", "")), errors, str(error.get("type")))
    body["tool_error"] = _excerpted(error)
    response = Response(body, status=status, content_type=PROBLEM_TYPE)
    retry_after = (error.get("details") or {}).get("retry_after_s")
    if status == 429 and retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


def _excerpted(error: dict[str, Any]) -> dict[str, Any]:
    """The typed error with its message and detail messages cut to an excerpt, as the problem's own
    (validator messages quote the offending input)."""
    out = dict(error)
    if isinstance(out.get("message"), str):
        out["message"] = excerpt(out["message"])
    details = out.get("details")
    if isinstance(details, dict) and isinstance(details.get("errors"), list):
        out["details"] = {**details, "errors": [excerpt(str(item)) for item in details["errors"]]}
    return out

