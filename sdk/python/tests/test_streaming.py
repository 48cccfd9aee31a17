"""`runs.stream()` through a TCP proxy on 127.0.0.1 that cuts the SSE connection after N events
(a reset, or a clean end of the response before the terminal event): the client reconnects with
Last-Event-ID and still yields every event exactly once, in order."""
from __future__ import annotations

import socket

import pytest
from factories import scripted_agent
from proxies import CuttingProxy

from agent_platform_sdk import Client, RetryPolicy, StreamDisconnectedError

# Three model turns with tool calls and latency: the run is still going when the proxy cuts.
SCRIPT = [{"delay": 0.2, "tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "a", "value": "1"}}]},
          {"delay": 0.2, "tool_calls": [{"name": "kv", "arguments": {"op": "get", "key": "a"}}]},
          {"delay": 0.2, "text": "all done after two tool calls and some words"}]
FAST = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, max_reconnects=3)


def _agent(client: Client) -> str:
    return scripted_agent(client, SCRIPT, tools=["kv"])


@pytest.mark.parametrize("mode", ["reset", "eof"])
def test_a_dropped_stream_yields_every_event_once_in_order(client: Client, base_url: str, api_key: str,
                                                           mode: str) -> None:
    agent = _agent(client)
    with CuttingProxy(base_url, after_events=3, cuts=3, mode=mode) as proxy, \
            Client(api_key, base_url=proxy.url, retries=FAST) as via_proxy:
        run = client.runs.create(agent=agent, input={"message": "go"})
        events = list(via_proxy.runs.stream(run.id))
    seqs = [event.seq for event in events]
    assert seqs == list(range(1, len(seqs) + 1)), seqs
    assert events[-1].type == "run.succeeded" and len(events) > 9
    assert proxy.cut_connections == 3 and proxy.stream_connections == 4
    assert proxy.last_event_ids == ["0", "3", "6", "9"]  # each reconnect resumed after the last event seen
    stored = [event.seq for event in client.runs.events(run.id)]
    assert seqs == stored


def test_create_and_stream_through_a_cutting_proxy(client: Client, base_url: str, api_key: str) -> None:
    agent = _agent(client)
    with CuttingProxy(base_url, after_events=2, cuts=2, mode="eof") as proxy, \
            Client(api_key, base_url=proxy.url, retries=FAST) as via_proxy:
        with via_proxy.runs.create_and_stream(agent=agent, input={"message": "go"}) as stream:
            events = list(stream)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].type == "run.succeeded" and proxy.cut_connections == 2


def test_reconnects_are_bounded(client: Client, base_url: str, api_key: str) -> None:
    agent = _agent(client)
    run = client.runs.create(agent=agent, input={"message": "go"})
    with socket.socket() as closed:  # a port nothing listens on (a closed proxy's may still accept)
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with Client(api_key, base_url=f"http://127.0.0.1:{port}", retries=FAST) as nowhere:
        with pytest.raises(StreamDisconnectedError) as raised:
            list(nowhere.runs.stream(run.id))
    assert raised.value.run_id == run.id and raised.value.last_seq == 0
    assert "4 times" in str(raised.value)  # the first attempt and max_reconnects=3 more
    client.runs.wait(run.id, wait_timeout=60)
