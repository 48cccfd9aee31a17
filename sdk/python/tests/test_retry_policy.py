"""The retry policy's arithmetic: Retry-After parsing, exponential backoff with full jitter, caps."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from agent_platform_sdk import RetryPolicy
from agent_platform_sdk._retry import as_policy, parse_retry_after


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 28 <= parse_retry_after({"retry-after": later}) <= 30
    past = format_datetime(datetime.now(timezone.utc) - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": past}) == 0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=4)
    for attempt, ceiling in [(0, 0.5), (1, 1), (2, 2), (3, 4), (8, 4)]:
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.7 and min(waits) < ceiling * 0.3  # spread, not a constant
    assert RetryPolicy(jitter=False).backoff(2) == 2.0


def test_a_long_retry_after_is_not_waited_for() -> None:
    policy = RetryPolicy(max_retry_after=10)
    assert policy.delay(0, 3) == 3 and policy.delay(0, 11) is None


def test_retries_can_be_a_number_or_off() -> None:
    assert as_policy(0).max_retries == 0 and as_policy(5).max_retries == 5
    assert as_policy(None) == RetryPolicy()
    with pytest.raises(ValueError):
        as_policy(-1)
