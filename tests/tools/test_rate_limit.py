"""`rate_limit_per_min` is enforced per project and tool in Redis, for every caller: the
playground answers 429 with Retry-After; in a run the model gets a `tool_rate_limited` error."""
import uuid

import pytest

from runs.executor import execute_run
from runs.models import Event
from runtime.errors import ToolRateLimited
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.runtime.tools.local_server import json_answer
from tests.tools.conftest import http_tool, invoke
from tools.rate_limits import RateLimiter


def limited_tool(api, server, limit: int = 2) -> dict:
    server.route("/ping", lambda seen: json_answer({"pong": True}))
    return http_tool(api, "ping", {"method": "POST", "url": server.url("/ping"), "rate_limit_per_min": limit})


@pytest.mark.django_db
def test_playground_calls_past_the_limit_get_429(api, server, allow_loopback):
    tool = limited_tool(api, server)
    assert [invoke(api, tool["id"], {}).status_code for _ in range(2)] == [200, 200]
    response = invoke(api, tool["id"], {})
    assert response.status_code == 429, response.content
    assert response.json()["tool_error"]["type"] == "tool_rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert len(server.seen) == 2  # the refused call never reached the server


@pytest.mark.django_db
def test_limits_are_per_project(project, other_project, api, server, allow_loopback):
    other_project.http_allowlist = ["127.0.0.1"]
    other_project.save(update_fields=["http_allowlist"])
    other = client_for(make_key(other_project, "owner"))
    mine, theirs = limited_tool(api, server, limit=1), limited_tool(other, server, limit=1)
    assert invoke(api, mine["id"], {}).status_code == 200
    assert invoke(other, theirs["id"], {}).status_code == 200
    assert invoke(api, mine["id"], {}).status_code == 429


def test_window_slides_and_refused_calls_are_not_counted():
    now = [1_000_040.0]  # 20 s into a minute (60 * 16_667 = 1_000_020)
    limiter = RateLimiter(clock=lambda: now[0], prefix="tool-rate-test")
    key = f"p-{uuid.uuid4().hex}"
    limiter.acquire(key, "t", 2)
    limiter.acquire(key, "t", 2)
    with pytest.raises(ToolRateLimited) as refused:
        limiter.acquire(key, "t", 2)
    assert refused.value.retryable and refused.value.details["retry_after_s"] == 40
    now[0] += 60  # next minute, 20 s in: the previous minute still weighs 2 * 2/3
    with pytest.raises(ToolRateLimited):
        limiter.acquire(key, "t", 2)
    now[0] += 30  # 50 s in: the previous minute weighs 2 * 1/6
    limiter.acquire(key, "t", 2)


@pytest.mark.django_db(transaction=True)
def test_rate_limited_call_in_a_run_is_a_tool_error_for_the_model(project, server, allow_loopback):
    api = client_for(make_key(project, "developer"))
    limited_tool(api, server, limit=1)
    call = {"name": "ping", "arguments": {}}
    scripted_agent(project, tools=["ping"], script=[{"tool_calls": [call]}, {"tool_calls": [call]}, {"text": "ok"}])
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    completed = [e.data for e in Event.objects.filter(run_id=run_id, type="tool.completed").order_by("seq")]
    assert "output" in completed[0]
    assert completed[1]["error"]["type"] == "tool_rate_limited"
