"""Retries against real faults: a proxy on 127.0.0.1 answers 429 + Retry-After (seconds or an HTTP
date), 409 in-progress, 502 after forwarding, or drops the connection, then forwards the retry.
Each create sends one Idempotency-Key and every retry reuses it, so one run is created, not two."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from factories import scripted_agent
from proxies import Answer, Delay, Disconnect, FaultProxy, ForwardThenAnswer

from agent_platform_sdk import APITimeoutError, BadRequestError, Client, RateLimitError, RetryPolicy

RUNS = ("POST", "/api/v1/runs")
FAST = RetryPolicy(max_retries=3, initial_backoff=0.05, max_backoff=0.2)


def _runs_of(client: Client, agent: str) -> list:
    return [run.id for run in client.runs.list(agent=agent)]


def test_429_with_retry_after_seconds_is_waited_for_then_retried_once(client: Client, base_url: str,
                                                                      api_key: str) -> None:
    agent = scripted_agent(client)
    with FaultProxy(base_url, {RUNS: [Answer(429, {"Retry-After": "1"})]}) as proxy, \
            Client(api_key, base_url=proxy.url, retries=FAST) as via_proxy:
        started = time.monotonic()
        run = via_proxy.runs.create(agent=agent, input={"message": "hi"})
        elapsed = time.monotonic() - started
    posts = proxy.requests(*RUNS)
    assert [p.fault for p in posts] == ["Answer", None]
    assert 1.0 <= posts[1].at - posts[0].at < 2.5 and elapsed >= 1.0  # Retry-After, not the 0.05 s backoff
    keys = {p.headers["Idempotency-Key"] for p in posts}
    assert len(keys) == 1 and next(iter(keys)).startswith("sdk-")
    assert _runs_of(client, agent) == [run.id]


def test_retry_after_as_an_http_date(client: Client, base_url: str, api_key: str) -> None:
    agent = scripted_agent(client)
    not_before = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=3)
    when = format_datetime(not_before, usegmt=True)
    with FaultProxy(base_url, {RUNS: [Answer(429, {"Retry-After": when})]}) as proxy, \
            Client(api_key, base_url=proxy.url, retries=FAST) as via_proxy:
        run = via_proxy.runs.create(agent=agent, input={"message": "hi"})
    first, second = proxy.requests(*RUNS)
    assert second.wall >= not_before.timestamp() - 0.05  # not retried before the date
    assert second.at - first.at < 4.5
    assert _runs_of(client, agent) == [run.id]


def test_retries_off_raise_the_typed_429(client: Client, base_url: str, api_key: str) -> None:
    agent = scripted_agent(client)
    with FaultProxy(base_url, {RUNS: [Answer(429, {"Retry-After": "7"})]}) as proxy, \
            Client(api_key, base_url=proxy.url, retries=0) as via_proxy:
        with pytest.raises(RateLimitError) as raised:
            via_proxy.runs.create(agent=agent, input={"message": "hi"})
    assert raised.value.status == 429 and raised.value.retry_after == 7 and raised.value.code == "rate_limited"
    assert len(proxy.requests(*RUNS)) == 1 and _runs_of(client, agent) == []


def test_a_lost_answer_is_retried_with_the_same_key_and_replayed(client: Client, base_url: str,
                                                                 api_key: str) -> None:
    agent = scripted_agent(client)
    faults = {RUNS: [ForwardThenAnswer(502), Disconnect(), Answer(409, body=(
        b'{"type": "https://agent-platform.dev/problems/idempotency_in_progress", "title": "Conflict", '
        b'"status": 409, "detail": "in progress", "errors": {"Idempotency-Key": ["in progress"]}}'))]}
    with FaultProxy(base_url, faults) as proxy, Client(api_key, base_url=proxy.url, retries=FAST) as via_proxy:
        run = via_proxy.runs.create(agent=agent, input={"message": "hi"})
    posts = proxy.requests(*RUNS)
    assert [p.fault for p in posts] == ["ForwardThenAnswer", "Disconnect", "Answer", None]
    assert len({p.headers["Idempotency-Key"] for p in posts}) == 1
    assert _runs_of(client, agent) == [run.id]  # the first attempt created it; the last got it replayed


def test_each_create_gets_its_own_key(client: Client, base_url: str, api_key: str) -> None:
    agent = scripted_agent(client)
    with FaultProxy(base_url, {}) as proxy, Client(api_key, base_url=proxy.url) as via_proxy:
        one = via_proxy.runs.create(agent=agent, input={"message": "1"})
        two = via_proxy.runs.create(agent=agent, input={"message": "1"})
    assert one.id != two.id
    assert len({p.headers["Idempotency-Key"] for p in proxy.requests(*RUNS)}) == 2


def test_client_errors_are_not_retried(client: Client, base_url: str, api_key: str) -> None:
    body = (b'{"type": "https://agent-platform.dev/problems/invalid", "title": "Invalid request", "status": 400, '
            b'"detail": "input: bad", "errors": {"input": ["bad"]}}')
    with FaultProxy(base_url, {RUNS: [Answer(400, body=body)]}) as proxy, \
            Client(api_key, base_url=proxy.url, retries=FAST) as via_proxy:
        with pytest.raises(BadRequestError) as raised:
            via_proxy.runs.create(agent="whatever", input={})
    assert raised.value.errors == {"input": ["bad"]} and len(proxy.requests(*RUNS)) == 1


def test_per_call_timeout(client: Client, base_url: str, api_key: str) -> None:
    agent = scripted_agent(client)
    run = client.runs.create_and_wait(agent=agent, input={"message": "x"}, wait_timeout=60)
    path = ("GET", f"/api/v1/runs/{run.id}")
    with FaultProxy(base_url, {path: [Delay(2.0)]}) as proxy, \
            Client(api_key, base_url=proxy.url, retries=0, timeout=30) as via_proxy:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            via_proxy.runs.get(run.id, timeout=0.3)
        assert time.monotonic() - started < 1.5
        assert via_proxy.runs.get(run.id).id == run.id  # the default timeout still applies otherwise
