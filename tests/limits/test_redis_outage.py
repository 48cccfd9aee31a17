"""Redis (which holds the counters) down: run admission fails closed for callers with limits (503),
the request-rate check fails open with a warning."""
import logging

import pytest
import redis

from agent_platform import redis_client as redis_module
from runs.models import Run
from tests.conftest import client_for, make_key
from tests.e2e.servers import free_port
from tests.limits.helpers import problem_type, set_limits
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(monkeypatch):
    """The process's Redis client pointed at a port nobody listens on: every command fails to connect."""
    monkeypatch.setattr(redis_module, "_client", redis.Redis(host="127.0.0.1", port=free_port(),
                                                             socket_connect_timeout=0.5))


def test_admission_fails_closed_when_redis_is_down(project, redis_down):
    scripted_agent(project)
    set_limits(project, tokens_per_day=1000)
    api = client_for(make_key(project, "developer"))
    answer = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json")
    assert answer.status_code == 503 and problem_type(answer) == "dependency_unavailable"
    assert answer["Retry-After"] == "2"
    assert not Run.objects.filter(project=project).exists()


def test_request_rate_fails_open_with_a_warning(project, redis_down, caplog):
    set_limits(project, requests_per_minute=1)
    api = client_for(make_key(project, "viewer"))
    caplog.set_level(logging.WARNING, logger="limits.throttling")
    assert [api.get("/api/v1/agents").status_code for _ in range(2)] == [200, 200]
    assert "request rate not checked" in caplog.text
