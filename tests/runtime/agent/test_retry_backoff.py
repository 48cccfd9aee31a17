"""Retries on retryable model errors: bounded attempts, exponential backoff with jitter,
`retry_after` honoured."""
from __future__ import annotations

import random

import pytest

from runtime.agent import run_agent
from runtime.errors import ModelBadRequest, ModelServerError
from runtime.retry import Backoff, backoff_delay
from tests.runtime.agent.factories import context, router_with, spec


def test_rate_limits_are_retried_after_their_retry_after() -> None:
    router = router_with(main=[{"error": "model_rate_limited", "retry_after": 0.25},
                               {"error": "model_rate_limited", "retry_after": 0.5}, {"text": "ok"}])
    sleeps: list[float] = []

    result = run_agent(spec(), {"message": "hi"}, ctx=context(router, sleeps=sleeps))

    assert result.output == {"text": "ok"}
    assert sleeps == [0.25, 0.5]


def test_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    router = router_with(main=[{"error": "model_server_error"}] * 10)
    sleeps: list[float] = []

    with pytest.raises(ModelServerError):
        run_agent(spec(retry=Backoff(max_attempts=4, base_s=0.01, max_s=1)), {"message": "hi"},
                  ctx=context(router, sleeps=sleeps))

    assert len(router.resolve("scripted/main")[0].requests) == 4
    assert len(sleeps) == 3


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = Backoff(max_attempts=10, base_s=0.1, max_s=0.5, jitter=0.5)
    rng = random.Random(1)

    delays = [backoff_delay(policy, attempt, rng) for attempt in range(1, 6)]

    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(0.5, 0.1 * 2 ** (attempt - 1))
        assert ceiling * 0.5 <= delay <= ceiling
    assert len(set(delays)) == len(delays)  # jittered, not constant
    assert backoff_delay(policy, 3, rng, retry_after=7.0) == 7.0


def test_non_retryable_errors_are_not_retried() -> None:
    router = router_with(main=[{"error": "model_bad_request"}, {"text": "never"}])
    sleeps: list[float] = []

    with pytest.raises(ModelBadRequest):
        run_agent(spec(), {"message": "hi"}, ctx=context(router, sleeps=sleeps))

    assert sleeps == [] and len(router.resolve("scripted/main")[0].requests) == 1
