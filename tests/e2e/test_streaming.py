"""Runs created over HTTP on the real server, executed by a real worker, read over SSE and
websocket: in order, gap-free, each event once; reconnects miss nothing."""
from __future__ import annotations

import json

import httpx
import pytest
from httpx_sse import connect_sse
from websockets.sync.client import connect as ws_connect

from accounts import services
from runs.models import Event
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TERMINAL = {"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"}
SCRIPT = [{"text": "one two three four five six seven eight"}]


def start_run(http, message="hello") -> str:
    response = http.post("/api/v1/runs", json={"agent": "streamer", "input": {"message": message}})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def read_sse(http, run_id: str, last_event_id: int | None = None, stop_after: int | None = None) -> list[dict]:
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    events = []
    with connect_sse(http, "GET", f"/api/v1/runs/{run_id}/stream", headers=headers) as source:
        for sse in source.iter_sse():
            event = json.loads(sse.data)
            assert int(sse.id) == event["seq"] and sse.event == event["type"]
            events.append(event)
            if event["type"] in TERMINAL or (stop_after and len(events) >= stop_after):
                break
    return events


def stored(run_id: str) -> list[int]:
    return list(Event.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))


def test_sse_delivers_every_event_once_in_order(http, e2e_project):
    scripted_agent(e2e_project, name="streamer", script=SCRIPT)
    run_id = start_run(http)
    events = read_sse(http, run_id)
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    assert events[-1]["type"] == "run.succeeded"
    assert [e["type"] for e in events].count("model.delta") >= 2
    assert seqs == stored(run_id)


def test_reconnect_with_last_event_id_misses_nothing(http, e2e_project):
    scripted_agent(e2e_project, name="streamer", script=SCRIPT)
    run_id = start_run(http)
    first = read_sse(http, run_id, stop_after=2)
    rest = read_sse(http, run_id, last_event_id=first[-1]["seq"])
    seqs = [e["seq"] for e in first + rest]
    assert seqs == list(range(1, len(seqs) + 1)) == stored(run_id)
    assert rest[-1]["type"] in TERMINAL


def test_resuming_at_the_terminal_event_ends_the_stream_at_once(http, e2e_project):
    scripted_agent(e2e_project, name="streamer", script=SCRIPT)
    run_id = start_run(http)
    events = read_sse(http, run_id)
    last = events[-1]["seq"]
    for after in (last, last + 5):  # a client that saw everything (or claims more) gets a closed stream
        with connect_sse(http, "GET", f"/api/v1/runs/{run_id}/stream", headers={"Last-Event-ID": str(after)},
                         timeout=httpx.Timeout(10.0)) as source:
            assert source.response.status_code == 200
            assert list(source.iter_sse()) == []  # ends without an event (a hang would time out)
    rest = read_sse(http, run_id, last_event_id=last - 1)
    assert [e["seq"] for e in rest] == [last]


def test_websocket_delivers_the_same_events(http, stack, e2e_project):
    scripted_agent(e2e_project, name="streamer", script=SCRIPT)
    run_id = start_run(http)
    base, _, _ = stack
    url = base.replace("http://", "ws://") + f"/ws/runs/{run_id}/?after_seq=0"
    events = []
    with ws_connect(url, additional_headers={"Authorization": f"Bearer {http.raw_key}"}, open_timeout=10) as ws:
        while True:
            message = json.loads(ws.recv(timeout=30))
            if message["type"] == "heartbeat":
                continue
            events.append(message)
            if message["type"] in TERMINAL:
                break
    assert [e["seq"] for e in events] == stored(run_id)
    resumed = []
    with ws_connect(url.replace("after_seq=0", "after_seq=3") + f"&token={http.raw_key}", open_timeout=10) as ws:
        while True:
            message = json.loads(ws.recv(timeout=30))
            resumed.append(message)
            if message["type"] in TERMINAL:
                break
    assert [e["seq"] for e in resumed] == stored(run_id)[3:]


def test_another_projects_key_gets_404_on_the_stream(http, stack, e2e_project):
    scripted_agent(e2e_project, name="streamer", script=SCRIPT)
    run_id = start_run(http)
    other = services.create_project(slug="intruder-co")
    _, raw = services.create_api_key(project=other, name="x", role="owner")
    base, _, _ = stack
    response = httpx.get(f"{base}/api/v1/runs/{run_id}/stream", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{base}/api/v1/runs/{run_id}/stream").status_code == 401
    with pytest.raises(Exception) as refused:
        with ws_connect(base.replace("http://", "ws://") + f"/ws/runs/{run_id}/?token={raw}", open_timeout=10) as ws:
            ws.recv(timeout=10)
    assert "4404" in str(refused.value) or "403" in str(refused.value)
