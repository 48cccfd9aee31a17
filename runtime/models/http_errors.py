"""Map a provider's HTTP failure (status, headers, body) to a typed model error.

Shared by the hosted adapters so that every wire format fails the same way:
429 → ModelRateLimited (with `retry_after`), 408 → ModelTimeout, 401/403 → ModelAuthError,
400/404/413/422 → ModelBadRequest, 5xx and 529 → ModelServerError.
"""
from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

from runtime.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelRateLimited,
    ModelServerError,
    ModelTimeout,
)

_BAD_REQUEST = {400, 404, 409, 413, 415, 422}


def _seconds(value: str | None, scale: float = 1.0) -> float | None:
    try:
        return None if value is None else max(0.0, float(value) * scale)
    except ValueError:
        return None


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = _seconds(lowered.get("retry-after-ms"), 0.001)
    if millis is not None:
        return millis
    value = lowered.get("retry-after")
    seconds = _seconds(value)
    if seconds is not None or not value:
        return seconds
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_for_status(status: int, message: str, headers: Mapping[str, str] | None = None,
                     provider: str = "") -> ModelError:
    """The typed error for an HTTP status from a model provider."""
    detail = f"{provider}: HTTP {status}: {message}" if provider else f"HTTP {status}: {message}"
    if status == 429:
        return ModelRateLimited(detail, retry_after=parse_retry_after(headers), status=status)
    if status == 408:
        return ModelTimeout(detail, status=status)
    if status in (401, 403):
        return ModelAuthError(detail, status=status)
    if status in _BAD_REQUEST:
        return ModelBadRequest(detail, status=status)
    if status >= 500:
        return ModelServerError(detail, status=status)
    return ModelError(detail, status=status)
