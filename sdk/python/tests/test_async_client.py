"""The asynchronous client against the live server: the same behaviour as the sync one (which is
generated from it), including retries through a faulty proxy and a dropped stream."""
from __future__ import annotations

import time

import pytest
from factories import scripted_agent
from proxies import Answer, CuttingProxy, FaultProxy
from test_streaming import SCRIPT

from agent_platform_sdk import AsyncClient, Client, NotFoundError, RetryPolicy

FAST = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, max_reconnects=3)


async def test_async_create_and_stream_and_wait(aclient: AsyncClient, client: Client) -> None:
    agent = scripted_agent(client)
    async with await aclient.runs.create_and_stream(agent=agent, input={"message": "hey"}) as stream:
        events = [event async for event in stream]
    assert [e.seq for e in events] == list(range(1, len(events) + 1)) and events[-1].type == "run.succeeded"
    run = await aclient.runs.create_and_wait(agent=agent, input={"message": "again"}, wait_timeout=60)
    assert run.output == {"text": "echo: again"}
    ids = [r.id async for r in aclient.runs.list(agent=agent, limit=1)]
    assert set(ids) == {stream.run.id, run.id} and len(ids) == 2
    pages = [page async for page in aclient.runs.list(agent=agent, limit=1).iter_pages()]
    assert len(pages) == 2 and (await aclient.runs.list(agent=agent, limit=1).first_page()).next_cursor


async def test_async_typed_errors(aclient: AsyncClient) -> None:
    with pytest.raises(NotFoundError) as raised:
        await aclient.agents.get("agt_nope")
    assert raised.value.status == 404 and raised.value.type.endswith("not_found")


async def test_async_retry_after_and_dropped_stream(client: Client, base_url: str, api_key: str) -> None:
    agent = scripted_agent(client, SCRIPT, tools=["kv"])
    with FaultProxy(base_url, {("POST", "/api/v1/runs"): [Answer(429, {"Retry-After": "1"})]}) as faulty:
        async with AsyncClient(api_key, base_url=faulty.url, retries=FAST) as via_faulty:
            started = time.monotonic()
            run = await via_faulty.runs.create(agent=agent, input={"message": "go"})
            assert time.monotonic() - started >= 1.0
    posts = faulty.requests("POST", "/api/v1/runs")
    assert len(posts) == 2 and posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    assert [r.id for r in client.runs.list(agent=agent)] == [run.id]
    with CuttingProxy(base_url, after_events=2, cuts=3, mode="reset") as cutting:
        async with AsyncClient(api_key, base_url=cutting.url, retries=FAST) as via_cutting:
            events = [event async for event in via_cutting.runs.stream(run.id)]
    assert [e.seq for e in events] == list(range(1, len(events) + 1)) and events[-1].type == "run.succeeded"
    assert cutting.cut_connections == 3
