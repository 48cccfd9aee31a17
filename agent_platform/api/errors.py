"""Errors as `application/problem+json` (RFC 9457): `{type, title, status, detail, errors}`.

Services raise the typed errors of `agent_platform.service_errors` (some still raise the
`ApiError`s below, or DRF's); `problem_exception_handler` maps every exception to a problem
response once. `ApiErrorMiddleware` covers what DRF never sees:
unmatched URLs and unexpected exceptions (a 500 without a traceback in the body).
"""
from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from agent_platform import service_errors
from agent_platform.outages import is_dependency_outage

logger = logging.getLogger("agent_platform.api")
PROBLEM_TYPE = "application/problem+json"
API_PREFIXES = ("/api/", "/v1/")


class ApiError(exceptions.APIException):
    status_code = 400
    default_code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, errors: dict | None = None,
                 code: str | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or ({field: [detail]} if field else {})
        if code:
            self.default_code = code


class FieldError(ApiError):
    """A bad value in one named field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors={field: [message]})


class Conflict(ApiError):
    status_code, default_code, title = 409, "conflict", "Conflict"


class Unprocessable(ApiError):
    status_code, default_code, title = 422, "unprocessable", "Unprocessable request"


class NotFound(ApiError):
    status_code, default_code, title = 404, "not_found", "Not found"


class Forbidden(ApiError):
    status_code, default_code, title = 403, "permission_denied", "Forbidden"


class ServiceUnavailable(ApiError):
    status_code, default_code, title = 503, "unavailable", "Service unavailable"


class TooManyRequests(ApiError):
    status_code, default_code, title = 429, "rate_limited", "Too many requests"


MAX_MESSAGE_CHARS = 200  # a problem's detail and each field message: never more than an excerpt of the input


def problem(status_code: int, title: str, detail: str = "", errors: dict | None = None,
            code: str | None = None) -> dict:
    """The problem body. Every type is `.../problems/<snake_case code>`; `detail` and each message in
    `errors` are cut to `MAX_MESSAGE_CHARS` (validator messages quote the offending value)."""
    body = {"type": f"https://agent-platform.dev/problems/{code or _slug(title)}", "title": title,
            "status": status_code, "detail": excerpt(detail or title)}
    if errors:
        body["errors"] = {field: [excerpt(str(message)) for message in messages] if isinstance(messages, list)
                          else [excerpt(str(messages))] for field, messages in errors.items()}
    return body


def excerpt(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, or its first `limit - 1` characters and an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _slug(title: str) -> str:
    return title.lower().replace(" ", "_").replace("-", "_")


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → `{"field.sub": [messages]}`."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" and not prefix else (f"{prefix}.{key}" if prefix else str(key))
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "body"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for k, v in _flatten(item, f"{prefix}[{index}]" if prefix else f"[{index}]").items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "body"] = [str(detail)]
    return out


# A service error's class decides the status; its message, code and field errors pass unchanged.
_SERVICE_ERROR_STATUS: tuple[tuple[type[service_errors.ServiceError], type[ApiError]], ...] = (
    (service_errors.ObjectNotFound, NotFound),
    (service_errors.PermissionRefused, Forbidden),
    (service_errors.StateConflict, Conflict),
    (service_errors.InputRejected, Unprocessable),
    (service_errors.TooManyRequests, TooManyRequests),
    (service_errors.DependencyUnavailable, ServiceUnavailable),
    (service_errors.ServiceError, ApiError),
)


def _from_service_error(exc: service_errors.ServiceError) -> ApiError:
    api_class = next(api for domain, api in _SERVICE_ERROR_STATUS if isinstance(exc, domain))
    api_exc = api_class(exc.message, errors=exc.errors, code=exc.code)
    if exc.title:
        api_exc.title = exc.title
    if isinstance(exc, service_errors.TooManyRequests):  # limits (limits/errors.py): when to retry
        api_exc.wait = exc.retry_after_s
        api_exc.title = "Budget exceeded" if exc.code == "budget_exceeded" else api_exc.title
    return api_exc


def _to_api_exception(exc: Exception) -> exceptions.APIException | None:
    if is_dependency_outage(exc):  # PostgreSQL/Redis down or the pool exhausted: retry, not a bug
        unavailable = ServiceUnavailable("A backing service (database or queue) is unavailable; retry shortly.",
                                         code="dependency_unavailable")
        unavailable.wait = 2
        return unavailable
    if isinstance(exc, service_errors.ServiceError):
        return _from_service_error(exc)
    if isinstance(exc, Http404):
        return NotFound("Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        error = ApiError("Request body is too large.", field="body", code="payload_too_large")
        error.status_code, error.title = 413, "Payload too large"
        return error
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, SuspiciousOperation):
        return ApiError("Bad request.", code="bad_request")
    return exc if isinstance(exc, exceptions.APIException) else None


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    api_exc = _to_api_exception(exc)
    if api_exc is None:
        return None  # unexpected: ApiErrorMiddleware answers 500
    code = api_exc.status_code
    if isinstance(api_exc, ApiError):
        body = problem(code, api_exc.title, str(api_exc.detail), api_exc.errors, api_exc.default_code)
    elif isinstance(api_exc, exceptions.ValidationError):
        body = problem(code, "Invalid request", "The request has invalid fields.", _flatten(api_exc.detail),
                       "validation_error")
    elif isinstance(api_exc, exceptions.ParseError):
        body = problem(code, "Malformed request body", str(api_exc.detail), {"body": [str(api_exc.detail)]},
                       "malformed_body")
    else:
        body = problem(code, _title(api_exc), str(api_exc.detail), None, api_exc.default_code)
    response = Response(body, status=code, content_type=PROBLEM_TYPE)
    if isinstance(api_exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    if getattr(api_exc, "wait", None):
        response["Retry-After"] = str(int(api_exc.wait))
    return response


def _title(exc: exceptions.APIException) -> str:
    return {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
            406: "Not acceptable", 415: "Unsupported media type", 429: "Too many requests"}.get(
        exc.status_code, "Error")


def problem_response(status_code: int, title: str, detail: str = "", errors: dict | None = None) -> JsonResponse:
    return JsonResponse(problem(status_code, title, detail, errors), status=status_code, content_type=PROBLEM_TYPE)


class ApiErrorMiddleware:
    """problem+json for API paths outside DRF: unknown URLs and unexpected exceptions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and request.path.startswith(API_PREFIXES) \
                and response.get("Content-Type", "").startswith("text/html"):
            return problem_response(404, "Not found", f"No endpoint at {request.path}.")
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIXES):
            return None
        api_exc = _to_api_exception(exception)
        if api_exc is not None:
            body = problem_exception_handler(api_exc, {})
            return JsonResponse(body.data, status=body.status_code, content_type=PROBLEM_TYPE)
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error",
                                f"An unexpected error occurred (request id {getattr(request, 'request_id', '-')}).")
