"""The one retry policy of the engine: bounded attempts, exponential backoff with jitter, a server's
`retry_after` honoured, and waits that end as soon as the run is cancelled.

Model calls (`runtime.models.router`), tool calls (`runtime.tools.executor`) and graph node retries
(`runtime.graph.runner`) all go through `retry_call`, which drives `tenacity` (the stop, wait and
retry decisions below) and waits with `pause` (in slices, checking the cancel token). Job-level
retries of the queue are RQ's own and are not this module's business.

A failure is retried when `retryable(exc)` says so — by default when it is a typed
`PlatformError` whose `retryable` is true.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import tenacity

from runtime.errors import Cancelled, PlatformError
from runtime.store import CancelToken, NeverCancelled

T = TypeVar("T")
POLL_S = 0.05  # how often a wait looks at the cancel token


@dataclass(frozen=True)
class Backoff:
    """How often and how long to retry. `max_attempts` counts the first try (1 = no retry).

    `retry_after` says what a failure's own `retry_after` (a provider's `Retry-After`) does:
    `replace` the computed delay (capped at `max_retry_after_s`), or act as its floor (`at_least`)."""

    max_attempts: int = 3
    base_s: float = 0.5
    max_s: float = 8.0
    jitter: float = 0.5  # fraction of the delay that is randomised (0 = none, 1 = full jitter)
    max_retry_after_s: float = 60.0
    retry_after: Literal["replace", "at_least"] = "replace"

    @classmethod
    def from_dict(cls, data: dict | None) -> Backoff:
        """Build from a plain config dict, ignoring unknown keys."""
        data = data or {}
        known = {k: data[k] for k in ("max_attempts", "base_s", "max_s", "jitter", "max_retry_after_s") if k in data}
        return cls(**known)


def backoff_delay(policy: Backoff, attempt: int, rng: random.Random | None = None,
                  retry_after: float | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    if retry_after is not None and retry_after >= 0 and policy.retry_after == "replace":
        return min(float(retry_after), policy.max_retry_after_s)
    raw = min(policy.max_s, policy.base_s * (2 ** (attempt - 1)))
    jitter = max(0.0, min(1.0, policy.jitter))
    delay = raw * (1.0 - jitter + jitter * (rng or random).random()) if jitter else raw
    if retry_after is not None and retry_after >= 0:
        delay = max(delay, min(float(retry_after), policy.max_retry_after_s))
    return delay


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, PlatformError) and exc.retryable


def pause(delay: float, *, cancel: CancelToken | None = None, sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic, deadline: float | None = None,
          timed_out: Callable[[], BaseException] | None = None) -> None:
    """Wait `delay` seconds; raise `Cancelled` as soon as `cancel` is set, and `timed_out()` once the
    clock passes `deadline` (when given). A token that can never cancel is not polled."""
    if cancel is None or isinstance(cancel, NeverCancelled):
        if deadline is None or timed_out is None:
            if delay > 0:
                sleep(delay)
            return
    end = clock() + delay
    while (left := end - clock()) > 0:
        if cancel is not None and cancel.is_cancelled():
            raise Cancelled("cancelled while waiting to retry")
        if deadline is not None and timed_out is not None and clock() > deadline:
            raise timed_out()
        sleep(min(left, POLL_S))


class _StopBeforeDeadline(tenacity.stop.stop_base):
    """Stop when the upcoming wait would end at or after `deadline` (a `clock()` value)."""

    def __init__(self, deadline: float | None, clock: Callable[[], float]) -> None:
        self.deadline = deadline
        self.clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.deadline is not None and self.clock() + retry_state.upcoming_sleep >= self.deadline


def retry_call(fn: Callable[[int], T], *, policy: Backoff, retryable: Callable[[BaseException], bool] = is_retryable,
               sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
               clock: Callable[[], float] = time.monotonic, deadline: float | None = None,
               cancel: CancelToken | None = None,
               on_retry: Callable[[int, BaseException, float], None] | None = None,
               wait: Callable[[float], None] | None = None) -> T:
    """Call `fn(attempt)` until it succeeds, a non-retryable error is raised, attempts run out, or
    the next wait would pass `deadline`; the last error is re-raised as is. Before each wait,
    `on_retry(attempt, error, delay)` is told (events, notes); a cancelled token raises `Cancelled`
    instead of retrying, also in the middle of a wait. `wait(delay)` replaces the default wait
    (`pause` on `sleep`, `clock`, `cancel`)."""

    def delay_for(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return backoff_delay(policy, state.attempt_number, rng, getattr(exc, "retry_after", None))

    def before_wait(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if cancel is not None and cancel.is_cancelled():
            raise Cancelled("cancelled while waiting to retry") from exc
        if on_retry is not None and exc is not None:
            on_retry(state.attempt_number, exc, state.upcoming_sleep)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, policy.max_attempts)) | _StopBeforeDeadline(deadline, clock),
        wait=delay_for, retry=tenacity.retry_if_exception(retryable), before_sleep=before_wait, reraise=True,
        sleep=wait or (lambda delay: pause(delay, cancel=cancel, sleep=sleep, clock=clock)))
    for attempt in retrying:
        with attempt:
            return fn(attempt.retry_state.attempt_number)
    raise AssertionError("unreachable: the last attempt either returns or raises")
