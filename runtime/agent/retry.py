"""Exponential backoff with jitter for retryable failures (model calls, tool calls).

A failure is retryable when the typed error says so (`RuntimeError_.retryable`); a
`retry_after` on the error (from a provider's `Retry-After` header) replaces the computed
delay. Attempts are always bounded.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from runtime.errors import Cancelled, RuntimeError_
from runtime.store import CancelToken

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """How often and how long to retry. `max_attempts` counts the first try (1 = no retry)."""

    max_attempts: int = 3
    base_s: float = 0.5
    max_s: float = 8.0
    jitter: float = 0.5  # fraction of the delay that is randomised (0 = none, 1 = full jitter)
    max_retry_after_s: float = 60.0

    @classmethod
    def from_dict(cls, data: dict | None) -> Backoff:
        """Build from a plain config dict, ignoring unknown keys."""
        data = data or {}
        known = {k: data[k] for k in ("max_attempts", "base_s", "max_s", "jitter", "max_retry_after_s") if k in data}
        return cls(**known)


def backoff_delay(policy: Backoff, attempt: int, rng: random.Random | None = None,
                  retry_after: float | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), policy.max_retry_after_s)
    raw = min(policy.max_s, policy.base_s * (2 ** (attempt - 1)))
    jitter = max(0.0, min(1.0, policy.jitter))
    return raw * (1.0 - jitter + jitter * (rng or random).random())


def retry_call(fn: Callable[[int], T], *, policy: Backoff, sleep: Callable[[float], None] = time.sleep,
               rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic,
               deadline: float | None = None, cancel: CancelToken | None = None,
               on_retry: Callable[[int, RuntimeError_, float], None] | None = None) -> T:
    """Call `fn(attempt)` until it succeeds, a non-retryable error is raised, attempts run
    out, or the next wait would pass `deadline`; the last error is re-raised as is."""
    attempt = 1
    while True:
        try:
            return fn(attempt)
        except RuntimeError_ as exc:
            if not exc.retryable or attempt >= policy.max_attempts:
                raise
            delay = backoff_delay(policy, attempt, rng, getattr(exc, "retry_after", None))
            if deadline is not None and clock() + delay >= deadline:
                raise
            if cancel is not None and cancel.is_cancelled():
                raise Cancelled("cancelled while waiting to retry") from exc
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            if delay > 0:
                sleep(delay)
            attempt += 1
