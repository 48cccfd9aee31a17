"""Issue 15 item 11 on the real server (Daphne): streams close within 5 s of their key's
revocation, a short-lived single-run stream token replaces the API key in URLs, and a stream
over a long stored history is replayed in pages, every event once and in order."""
from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from django.utils import timezone
from httpx_sse import connect_sse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from accounts import services
from accounts.models import ApiKey
from runs import streaming
from runs.models import Event, Run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_run(project, events: int = 0, terminal: bool = False) -> Run:
    """A run with `events` stored events (and a terminal one): no worker executes it."""
    run = Run.objects.create(project=project, kind="agent", status="succeeded" if terminal else "waiting")
    now = timezone.now()
    rows = [Event(run=run, seq=i, type="model.delta", ts=now, data={"text": str(i)}) for i in range(1, events + 1)]
    if terminal:
        rows.append(Event(run=run, seq=events + 1, type="run.succeeded", ts=now, data={}))
    Event.objects.bulk_create(rows)
    return run


def test_an_open_sse_stream_ends_within_5_s_of_its_key_being_revoked(stack, e2e_project):
    base, _, _ = stack
    key, raw = services.create_api_key(project=e2e_project, name="revoked-sse", role="viewer")
    run = open_run(e2e_project)
    opened, ended = threading.Event(), {}

    def follow():
        with httpx.stream("GET", f"{base}/api/v1/runs/{run.pk}/stream",
                          headers={"Authorization": f"Bearer {raw}"}, timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith(": stream open"):
                    opened.set()
        ended["at"] = time.monotonic()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    assert opened.wait(15)
    services.revoke_api_key(key=key)
    revoked_at = time.monotonic()
    reader.join(20)
    assert "at" in ended, "the stream did not end"
    assert ended["at"] - revoked_at < 5


def test_an_open_websocket_closes_with_4401_within_5_s_of_revocation(stack, e2e_project):
    base, _, _ = stack
    key, raw = services.create_api_key(project=e2e_project, name="revoked-ws", role="viewer")
    run = open_run(e2e_project)
    url = base.replace("http://", "ws://") + f"/ws/runs/{run.pk}/"
    with ws_connect(url, additional_headers={"Authorization": f"Bearer {raw}"}, open_timeout=10) as ws:
        services.revoke_api_key(key=key)
        revoked_at = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=20)
        assert time.monotonic() - revoked_at < 5
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def read_all(base: str, run_id: str, **params) -> list[dict]:
    events = []
    with httpx.Client(base_url=base, timeout=30) as client:
        with connect_sse(client, "GET", f"/api/v1/runs/{run_id}/stream", params=params) as source:
            for sse in source.iter_sse():
                events.append(json.loads(sse.data))
    return events


def test_a_stream_token_opens_only_its_run_and_dies_with_its_key(stack, e2e_project, http):
    base, _, _ = stack
    run, other = open_run(e2e_project, events=3, terminal=True), open_run(e2e_project, events=1, terminal=True)
    issued = http.post(f"/api/v1/runs/{run.pk}/stream-token")
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert token.startswith("rst_") and http.raw_key not in token
    assert [e["seq"] for e in read_all(base, run.pk, token=token)] == [1, 2, 3, 4]
    with httpx.stream("GET", f"{base}/api/v1/runs/{run.pk}/stream", params={"token": token}) as by_token:
        assert by_token.status_code == 200 and "deprecation" not in by_token.headers
    with httpx.stream("GET", f"{base}/api/v1/runs/{run.pk}/stream", params={"token": http.raw_key}) as by_key:
        assert by_key.status_code == 200 and by_key.headers["deprecation"] == "true"  # still works, deprecated
    assert httpx.get(f"{base}/api/v1/runs/{other.pk}/stream", params={"token": token}).status_code == 404
    assert httpx.get(f"{base}/api/v1/runs/{run.pk}/stream", params={"token": token[:-2] + "xx"}).status_code == 401
    services.revoke_api_key(key=ApiKey.objects.get(key_hash=services.hash_api_key(http.raw_key)))
    assert httpx.get(f"{base}/api/v1/runs/{run.pk}/stream", params={"token": token}).status_code == 401


def test_a_long_history_is_replayed_in_pages_each_event_once(stack, e2e_project, http):
    base, _, _ = stack
    stored = 3 * streaming.REPLAY_PAGE + 7
    run = open_run(e2e_project, events=stored, terminal=True)
    status, access, first_page = asyncio.run(streaming._authorise_and_replay(http.raw_key, run.pk, 0, False))
    assert status == 0 and access is not None and len(first_page) == streaming.REPLAY_PAGE
    token = http.post(f"/api/v1/runs/{run.pk}/stream-token").json()["token"]
    seqs = [e["seq"] for e in read_all(base, run.pk, token=token)]
    assert seqs == list(range(1, stored + 2))
