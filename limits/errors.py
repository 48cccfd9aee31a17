"""The one refusal of every limit: 429 problem+json with `Retry-After` (see agent_platform/api/errors.py).

`type` ends `rate_limited` (requests per minute, concurrent runs) or `budget_exceeded` (tokens or
USD per day or month); `errors` names the limit that was hit, e.g. `{"limits.tokens_per_day": [...]}`."""
from __future__ import annotations

import math

from agent_platform.service_errors import TooManyRequests

RATE_LIMITS = ("requests_per_minute", "concurrent_runs")


class LimitExceeded(TooManyRequests):
    """A limit refused the request; `retry_after_s` is when it is worth trying again (whole seconds)."""

    def __init__(self, *, limit: str, scope: str, current: float, maximum: float, retry_after_ms: float,
                 unit: str = "", needed: float | None = None) -> None:
        self.limit, self.scope = limit, scope
        self.retry_after_s = max(1, math.ceil(retry_after_ms / 1000))
        who = "API key" if scope.startswith("k:") else "project"
        asks = f", this run's estimate is {_fmt(needed)}{unit}" if needed else ""
        message = (f"the {who}'s {limit} limit ({_fmt(maximum)}{unit}) is reached ({_fmt(current)}{unit} in use"
                   f"{asks}); retry after {self.retry_after_s} s")
        code = "rate_limited" if limit in RATE_LIMITS else "budget_exceeded"
        super().__init__(message, errors={f"limits.{limit}": [message]}, code=code)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)

