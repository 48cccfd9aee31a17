"""The input boundary on a real Daphne, for what the Django middleware cannot see: headers over the
server's limits (431 problem+json, never a bare 400 or a dropped connection) and the ASGI apps served
before Django (run event streams, the OpenAI-compatible and MCP surfaces) and websockets, where a NUL
in the path or a query parameter is a 400 problem+json (websockets: closed with 4400)."""
from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from accounts import services
from runs.models import Run
from tests.e2e.servers import raw_exchange

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


HEADER_SHAPES = {
    "one header of 100 KB": b"X-Big: " + b"a" * 100_000 + b"\r\n",
    "500 headers of 200 B": b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 200) for i in range(500)),
    "two headers of 9 KB (over 16 KiB in total)": b"X-A: " + b"a" * 9000 + b"\r\nX-B: " + b"b" * 9000 + b"\r\n",
    "501 tiny headers": b"".join(b"X-%d: 1\r\n" % i for i in range(501)),
}


@pytest.mark.parametrize("shape", list(HEADER_SHAPES))
def test_headers_over_the_limits_are_a_431_problem(stack, shape):
    base, _, _ = stack
    answer = raw_exchange(base, b"GET /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n" + HEADER_SHAPES[shape] + b"\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431"), answer[:300]
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["status"] == 431


def test_headers_under_the_limit_are_served(http):
    response = http.get("/api/v1/agents", headers={f"X-H{i}": "c" * 100 for i in range(100)})  # ~11 KB
    assert response.status_code == 200, response.text


def test_the_connection_after_a_431_is_closed_not_reused(stack):
    base, _, _ = stack
    huge = HEADER_SHAPES["two headers of 9 KB (over 16 KiB in total)"]
    answer = raw_exchange(base, b"GET /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n" + huge + b"\r\n"
                          + b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.count(b"HTTP/1.1 ") == 1 and answer.startswith(b"HTTP/1.1 431")


@pytest.fixture
def run_id(e2e_project):
    return Run.objects.create(project=e2e_project, kind="agent", status="waiting").pk


@pytest.mark.parametrize("url, field", [
    ("/api/v1/runs/{run}/stream?token=%00", "query.token"),
    ("/api/v1/runs/{run}/stream?after_seq=1&x%00=1", "query.x\\x00"),
    ("/v1/models/a%00b", "path"),
    ("/v1/chat/completions?user=%00", "query.user"),
    ("/mcp?session=a%00", "query.session"),
])
def test_nul_before_django_is_a_400_problem_naming_the_field(http, run_id, url, field):
    response = http.get(url.format(run=run_id))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_the_sse_stream_still_opens_with_clean_parameters(stack, e2e_project, run_id):
    base, _, _ = stack
    _, raw = services.create_api_key(project=e2e_project, name="sse", role="viewer")
    with httpx.stream("GET", f"{base}/api/v1/runs/{run_id}/stream?after_seq=0",
                      headers={"Authorization": f"Bearer {raw}"}, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize("suffix", ["{run}/?token=%00", "{run}/?after_seq=0&x=%00", "a%00b/"])
def test_a_websocket_with_nul_in_path_or_query_closes_with_4400(stack, e2e_project, run_id, suffix):
    base, _, _ = stack
    _, raw = services.create_api_key(project=e2e_project, name="ws", role="viewer")
    url = base.replace("http://", "ws://") + "/ws/runs/" + suffix.format(run=run_id)
    with ws_connect(url, additional_headers={"Authorization": f"Bearer {raw}"}, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
