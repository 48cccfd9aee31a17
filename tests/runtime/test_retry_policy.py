"""The one retry policy (`runtime.retry`): bounded, backoff with `retry_after`, cancellation ends a wait."""
from __future__ import annotations

import time

import pytest

from runtime.errors import Cancelled, ModelBadRequest, ModelRateLimited, ModelServerError
from runtime.retry import Backoff, retry_call
from runtime.store import CancelFlag


def failing(errors: list[Exception], answer: str = "ok"):
    calls: list[int] = []

    def fn(attempt: int) -> str:
        calls.append(attempt)
        if errors:
            raise errors.pop(0)
        return answer
    return fn, calls


def test_retryable_errors_are_retried_and_observed_before_each_wait() -> None:
    fn, calls = failing([ModelRateLimited("slow", retry_after=0.25), ModelServerError("500")])
    seen: list[tuple[int, str, float]] = []
    sleeps: list[float] = []

    result = retry_call(fn, policy=Backoff(max_attempts=3, base_s=0.1, jitter=0.0), sleep=sleeps.append,
                        on_retry=lambda attempt, exc, delay: seen.append((attempt, exc.code, delay)))

    assert result == "ok" and calls == [1, 2, 3]
    assert seen == [(1, "model_rate_limited", 0.25), (2, "model_server_error", 0.2)]
    assert sleeps == [0.25, 0.2]


def test_non_retryable_and_exhausted_errors_are_raised_as_they_are() -> None:
    fn, calls = failing([ModelBadRequest("no")])
    with pytest.raises(ModelBadRequest):
        retry_call(fn, policy=Backoff(max_attempts=5), sleep=lambda _: None)
    assert calls == [1]

    fn, calls = failing([ModelServerError("a"), ModelServerError("b"), ModelServerError("c")])
    with pytest.raises(ModelServerError, match="b"):
        retry_call(fn, policy=Backoff(max_attempts=2, base_s=0.0), sleep=lambda _: None)
    assert calls == [1, 2]


def test_a_wait_that_would_pass_the_deadline_raises_the_last_error_at_once() -> None:
    fn, calls = failing([ModelRateLimited("slow", retry_after=30.0)])
    started = time.monotonic()
    with pytest.raises(ModelRateLimited):
        retry_call(fn, policy=Backoff(max_attempts=3), deadline=time.monotonic() + 5.0)
    assert calls == [1] and time.monotonic() - started < 1.0


def test_cancelling_during_a_backoff_wait_ends_it_at_once() -> None:
    cancel = CancelFlag()
    fn, calls = failing([ModelRateLimited("slow", retry_after=30.0)])
    started = time.monotonic()

    with pytest.raises(Cancelled):
        # the run is cancelled just as the 30 s wait begins (from the observer, no timing games)
        retry_call(fn, policy=Backoff(max_attempts=3), cancel=cancel,
                   on_retry=lambda *_: cancel.cancel())

    assert calls == [1]  # no second attempt after the cancel
    assert time.monotonic() - started < 1.0


def test_a_run_cancelled_before_the_wait_is_not_retried() -> None:
    cancel = CancelFlag()
    cancel.cancel()
    fn, calls = failing([ModelServerError("500")])
    with pytest.raises(Cancelled):
        retry_call(fn, policy=Backoff(max_attempts=3), cancel=cancel, sleep=lambda _: None)
    assert calls == [1]
