"""Typed errors. Every 4xx/5xx answer becomes an `APIStatusError` subclass carrying the
problem+json body (RFC 9457): `status`, `type`, `title`, `detail` and the field map `errors`."""
from __future__ import annotations

from typing import Any

import httpx


class AgentPlatformError(Exception):
    """Base class of every error this SDK raises."""


class APIConnectionError(AgentPlatformError):
    """The server could not be reached (or the connection broke) and retries are exhausted."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out (per-call `timeout=` or the client's default)."""


class StreamDisconnectedError(APIConnectionError):
    """A run stream dropped more times in a row than `RetryPolicy.max_reconnects` allows."""

    def __init__(self, message: str, *, run_id: str, last_seq: int) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.last_seq = last_seq


class APIStatusError(AgentPlatformError):
    """An error answer. `type` is the problem type URI; `code` its last segment (e.g.
    `idempotency_key_reused`); `errors` maps field names to messages."""

    status: int

    def __init__(self, response: httpx.Response, body: Any) -> None:
        problem = body if isinstance(body, dict) else {}
        self.response = response
        self.status = response.status_code
        self.body = body
        self.type: str = str(problem.get("type", "about:blank"))
        self.title: str = str(problem.get("title", response.reason_phrase or ""))
        self.detail: str = str(problem.get("detail", "") or (body if isinstance(body, str) else ""))
        raw_errors = problem.get("errors") or {}
        self.errors: dict[str, list[str]] = {
            str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in raw_errors.items()} if isinstance(raw_errors, dict) else {}
        self.request_id: str | None = response.headers.get("x-request-id")
        super().__init__(f"{self.status} {self.title}: {self.detail}" if self.detail else f"{self.status} {self.title}")

    @property
    def code(self) -> str:
        return self.type.rstrip("/").rsplit("/", 1)[-1]


class BadRequestError(APIStatusError):
    status = 400


class AuthenticationError(APIStatusError):
    status = 401


class PermissionDeniedError(APIStatusError):
    status = 403


class NotFoundError(APIStatusError):
    status = 404


class ConflictError(APIStatusError):
    status = 409


class PayloadTooLargeError(APIStatusError):
    status = 413


class UnprocessableEntityError(APIStatusError):
    status = 422


class RateLimitError(APIStatusError):
    """429: a rate limit or budget (`code` is `rate_limited` or `budget_exceeded`)."""

    status = 429

    @property
    def retry_after(self) -> float | None:
        from agent_platform_sdk._retry import parse_retry_after

        return parse_retry_after(self.response.headers)


class InternalServerError(APIStatusError):
    """Any 5xx."""


_BY_STATUS = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
              409: ConflictError, 413: PayloadTooLargeError, 422: UnprocessableEntityError, 429: RateLimitError}


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The typed error for an error answer whose body has been read."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    status = response.status_code
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(response, body)
