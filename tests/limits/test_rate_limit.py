"""Requests per minute: a sliding one-minute window per project and per key, RateLimit-* headers."""
import time

import pytest

from accounts.models import ApiKey
from tests.conftest import client_for, make_key
from tests.limits.helpers import problem_type, set_limits

pytestmark = pytest.mark.django_db(transaction=True)


def test_requests_past_the_limit_get_429_with_an_exact_retry_after(project):
    set_limits(project, requests_per_minute=3)
    api = client_for(make_key(project, "viewer"))
    started = time.time()
    answers = [api.get("/api/v1/runs")]
    first_answered = time.time()  # the first request entered the window between these two instants
    answers += [api.get("/api/v1/runs") for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert all(a["RateLimit-Limit"] == "3" and a["RateLimit-Policy"] == "3;w=60" for a in answers)
    assert 59 <= int(answers[0]["RateLimit-Reset"]) <= 60

    refused = api.get("/api/v1/agents")
    assert refused.status_code == 429 and problem_type(refused) == "rate_limited"
    assert refused.json()["errors"].keys() == {"limits.requests_per_minute"}
    now = time.time()  # the first request leaves the window 60 s after it entered
    earliest, latest = 60 - (now - started), 60 - (now - first_answered)
    assert earliest - 1 <= int(refused["Retry-After"]) <= latest + 1
    assert refused["RateLimit-Remaining"] == "0"


def test_a_key_limit_is_counted_apart_from_the_project(project):
    limited_raw, other_raw = make_key(project, "viewer"), make_key(project, "viewer")
    set_limits(project, api_key=ApiKey.objects.get(prefix=limited_raw[:10]), requests_per_minute=1)
    limited, other = client_for(limited_raw), client_for(other_raw)
    assert limited.get("/api/v1/runs").status_code == 200
    refused = limited.get("/api/v1/runs")
    assert refused.status_code == 429 and "API key" in refused.json()["detail"]
    assert [other.get("/api/v1/runs").status_code for _ in range(3)] == [200, 200, 200]
    assert "RateLimit-Limit" not in other.get("/api/v1/runs")  # no limit applies to it


def test_another_projects_limit_does_not_apply(project, other_project):
    set_limits(other_project, requests_per_minute=1)
    api = client_for(make_key(project, "viewer"))
    assert [api.get("/api/v1/runs").status_code for _ in range(3)] == [200, 200, 200]
