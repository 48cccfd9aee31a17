"""OpenAPI: the 429 of rate limits and budgets (with `Retry-After`) on every operation that a limit
can refuse, the `RateLimit-*` headers, and the 503 of run creation when limits cannot be checked."""
from __future__ import annotations

RUN_CREATES = ("/api/v1/runs", "/api/v1/runs/{run_id}/retry", "/api/v1/runs/{run_id}/fork")
UNLIMITED_PREFIXES = ("/api/v1/schema", "/api/v1/docs")
RATE_HEADERS = {
    "RateLimit-Limit": "requests allowed per minute (the tightest of the project's and the key's)",
    "RateLimit-Remaining": "requests left in the current minute",
    "RateLimit-Reset": "seconds until a request is counted out of the window",
    "RateLimit-Policy": "`<limit>;w=60`",
}



def add_limit_responses(result, generator, request, public):
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    retry = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
    headers = {name: {"description": text, "schema": {"type": "string" if name == "RateLimit-Policy" else "integer"}}
               for name, text in RATE_HEADERS.items()}
    for path, operations in result.get("paths", {}).items():
        if path.startswith(UNLIMITED_PREFIXES):
            continue
        creates_runs = path in RUN_CREATES
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            runs = creates_runs and method == "post"
            text = ("Refused by a limit: `type` ends `rate_limited` (requests per minute"
                    + (", concurrent runs" if runs else "") + ")"
                    + (" or `budget_exceeded` (tokens or USD per day or month)" if runs else "")
                    + "; `errors` names the limit (`limits.<name>`)")
            operation["responses"].setdefault("429", {"description": text, "headers": {**retry, **headers},
                                                      "content": problem})
            if runs:
                operation["responses"].setdefault("503", {
                    "description": "The project has limits and Redis, which counts them, is unavailable",
                    "headers": retry, "content": problem})
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    response.setdefault("headers", {}).update(
                        {name: {**value, "required": False} for name, value in headers.items()})
    return result
