"""When and how long to wait before trying a request again.

Retried: connection errors (and, for requests that are safe to repeat, any transport error), 408,
409 with an `idempotency_in_progress` problem (the first attempt of the same create is still
running), 429 and every 5xx. The wait is exponential with full jitter, `Retry-After` (seconds or
an HTTP date) taking precedence when the server sends it.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries. `RetryPolicy(max_retries=0)` (or `retries=0`) turns retries off.

    The n-th retry (n from 0) waits `uniform(0, min(max_backoff, initial_backoff * 2**n))`, or
    the server's `Retry-After` if it sent one and it is at most `max_retry_after` (a longer one is
    not waited for: the error is raised). Streams reconnect up to `max_reconnects` times in a row
    without receiving an event, with the same backoff.
    """

    max_retries: int = 3
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    max_reconnects: int = 5
    jitter: bool = True

    def with_retries(self, max_retries: int) -> RetryPolicy:
        return replace(self, max_retries=max_retries)

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff, self.initial_backoff * (2 ** attempt))
        return random.uniform(0, ceiling) if self.jitter else ceiling

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `attempt`; None when the wait would be too long."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(attempt)


def as_policy(retries: RetryPolicy | int | None) -> RetryPolicy:
    if retries is None:
        return RetryPolicy()
    if isinstance(retries, RetryPolicy):
        return retries
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError("retries must be a RetryPolicy or a non-negative int")
    return RetryPolicy(max_retries=retries)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds (RFC 9110: delay-seconds or an HTTP date), or None."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def is_retryable_response(response: httpx.Response) -> bool:
    status = response.status_code
    if status in (408, 429) or status >= 500:
        return True
    if status == 409:
        return _problem_code(response) == "idempotency_in_progress"
    return False


def is_retryable_transport_error(exc: httpx.TransportError, method: str, has_idempotency_key: bool) -> bool:
    """A request that never reached the server can always be sent again; one that may have been
    processed only if repeating it is harmless (a safe method, or a create with its key)."""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return True
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.ProxyError, httpx.LocalProtocolError)):
        return False
    return method.upper() in SAFE_METHODS or has_idempotency_key


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    problem_type = body.get("type", "") if isinstance(body, dict) else ""
    return str(problem_type).rsplit("/", 1)[-1]


def sync_sleep(seconds: float) -> None:
    time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
