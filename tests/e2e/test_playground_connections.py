"""The tool playground on a real Daphne returns every database connection it takes: 200 calls of
each built-in tool (the kv store's calls used to lose one pooled connection each, so about 20
calls exhausted the pool), then /readyz is 200 and an ordinary request answers within a second.

The server runs with a pool of 4 connections, so a leak of one per call shows within a few calls."""
from __future__ import annotations

import time
import uuid

import httpx
import pytest

from accounts import services
from tests.e2e.http_fixtures import SideEffectServer
from tests.e2e.servers import start_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CALLS = 200


@pytest.fixture(scope="module")
def small_pool_server(django_db_setup, django_db_blocker, tmp_path_factory):
    server, base = start_server(tmp_path_factory.mktemp("logs"), PLATFORM_DB_POOL_SIZE="4")
    yield base
    server.stop()


def test_playground_calls_of_every_builtin_return_their_connections(small_pool_server):
    project = services.create_project(slug=f"pg-{uuid.uuid4().hex[:6]}")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    _, raw = services.create_api_key(project=project, name="dev", role="developer")
    with SideEffectServer() as target, httpx.Client(base_url=small_pool_server, timeout=30,
                                                    headers={"Authorization": f"Bearer {raw}"}) as http:
        calls = {
            "kv": lambda i: {"input": {"op": "set", "key": f"x{i % 7}", "value": i}},
            "http": lambda i: {"input": {"method": "GET", "url": f"{target.url}/effect?i={i}"}},
            "code": lambda i: {"input": {"code": "return input * 2", "input": i}},
            "retrieval": lambda i: {"input": {"knowledge_base": "missing", "query": f"q{i}"}},
        }
        outcomes: dict[str, set[tuple[int, str]]] = {}
        for tool, body in calls.items():
            for i in range(CALLS):
                started = time.monotonic()
                response = http.post(f"/api/v1/tools/{tool}/invoke", json=body(i))
                assert time.monotonic() - started < 5, (tool, i, "call waited for a pooled connection")
                error = response.json().get("type", "") if response.status_code != 200 else ""
                outcomes.setdefault(tool, set()).add((response.status_code, error.rsplit("/", 1)[-1]))
        assert outcomes["kv"] == outcomes["http"] == outcomes["code"] == {(200, "")}, outcomes
        # The retrieval tool looked the knowledge base up in the database (on its tool thread).
        assert {error for _, error in outcomes["retrieval"]} == {"knowledge_base_not_found"}, outcomes
        assert target.effects == CALLS
        stored = http.post("/api/v1/tools/kv/invoke", json={"input": {"op": "get", "key": "x3"}}).json()
        assert stored["output"] == {"found": True, "value": max(i for i in range(CALLS) if i % 7 == 3)}
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text
        started = time.monotonic()
        listed = http.get("/api/v1/agents")
        assert listed.status_code == 200 and time.monotonic() - started < 1.0
