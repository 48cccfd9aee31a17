"""Typed errors that services raise when they refuse a request — no HTTP in them.

They are `runtime.errors.PlatformError`s like the engine's, each with a stable `code`, a `message`,
and `errors` (`{"field.path": [messages]}`, empty when no field is to blame).
`agent_platform.api.errors` maps them to problem+json once (the status by class: 400, 403, 404, 409,
422, 503; 429 for TooManyRequests); the admin console shows `errors` next to the form's fields.
"""
from __future__ import annotations

from runtime.errors import PlatformError


class ServiceError(PlatformError):
    """A refused request (400 unless a subclass says otherwise). `title`: the problem's title when the
    class's default (by status) does not fit."""

    code = "bad_request"
    title = ""

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = errors or ({field: [message]} if field else {})
        if code:
            self.code = code

    @property
    def detail(self) -> str:
        """The problem's `detail` (what the console shows when no field is named)."""
        return self.message


class InvalidField(ServiceError):
    """A bad value in one named field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors={field: [message]})


class ObjectNotFound(ServiceError):
    code = "not_found"


class PermissionRefused(ServiceError):
    """The actor's role does not allow this change (prod promotions need `deploy_project`): 403."""

    code = "permission_denied"


class StateConflict(ServiceError):
    """The object's current state forbids the change (a finished run cancelled, a run not waiting)."""

    code = "conflict"


class InputRejected(ServiceError):
    """Well-formed but unacceptable content (a run input that does not match its schema)."""

    code = "unprocessable"


class DependencyUnavailable(ServiceError):
    """Something the request needs besides the database and queue (an embedding model) cannot be
    reached: 503."""

    code = "unavailable"


class TooManyRequests(ServiceError):
    """A rate limit or budget refused the request (429 with `Retry-After: retry_after_s`)."""

    code = "rate_limited"
    retry_after_s: int = 1
