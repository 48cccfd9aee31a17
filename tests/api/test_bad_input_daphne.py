"""The input boundary on the real server (Daphne/Twisted), where the test client cannot see:
NUL in a path or query parameter, huge headers, and websocket refusals as close codes."""
from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from accounts import services
from runs.models import Run
from tests.e2e.servers import raw_exchange

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path, field", [("/api/v1/agents/a%00b", "path"), ("/api/v1/runs?agent=%00", "query.agent")])
def test_nul_in_path_or_query_is_a_400_problem(http, path, field):
    response = http.get(path)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field:
        assert field in response.json()["errors"]


@pytest.mark.parametrize("shape", ["one-huge-header", "many-headers"])
def test_headers_over_the_limit_get_an_http_error_status(stack, shape):
    base, _, _ = stack
    if shape == "one-huge-header":
        headers = b"X-Big: " + b"a" * 100_000 + b"\r\n"
    else:
        headers = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 200) for i in range(500))
    answer = raw_exchange(base, b"GET /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
    status_line = answer.split(b"\r\n", 1)[0]
    # our handlers (agent_platform.api.input_boundary): 431 problem+json for a long line and for the total
    assert status_line.startswith(b"HTTP/1.1 431"), answer[:300]
    assert b"application/problem+json" in answer and b'"status": 431' in answer


def ws_url(base: str, run_id: str) -> str:
    return base.replace("http://", "ws://") + f"/ws/runs/{run_id}/"


@pytest.mark.parametrize("key, expected", [("ap_not_a_key", 4401), (None, 4401)])
def test_a_websocket_with_a_bad_key_is_accepted_then_closed_with_4401(stack, e2e_project, key, expected):
    base, _, _ = stack
    run = Run.objects.create(project=e2e_project, kind="agent", status="waiting")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with ws_connect(ws_url(base, run.pk), additional_headers=headers, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == expected


def test_a_websocket_for_an_unknown_run_closes_with_4404(stack, e2e_project):
    base, _, _ = stack
    _, raw = services.create_api_key(project=e2e_project, name="ws", role="viewer")
    with ws_connect(ws_url(base, "run_doesnotexist"), additional_headers={"Authorization": f"Bearer {raw}"},
                    open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


def test_the_sse_stream_of_an_unknown_run_is_a_404_problem(http):
    response = http.get("/api/v1/runs/run_doesnotexist/stream")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
