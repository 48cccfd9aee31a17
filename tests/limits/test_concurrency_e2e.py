"""Admission under real concurrency: two API processes (Daphne) share one concurrent-runs limit;
50 creates racing from 50 threads admit exactly the limit. And the Python SDK (sdk/python, imported
from its source) waits the `Retry-After` of a refusal before it tries again, against the same servers.

(It used to hang: every 4xx answer is logged by Django's ASGI handler from an executor thread of its
own, whose log-record redaction read the project's secrets there and so took a second pooled
database connection per refusal, never given back; 25 refusals per process exhausted the pool of 20
and waited on themselves. agent_platform/api/views.py LazyProjectRedactor.)"""
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from accounts import services
from runs.models import Run
from tests.e2e.servers import start_server
from tests.limits.helpers import problem_type, set_limits
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SDK_SRC = Path(__file__).resolve().parents[2] / "sdk" / "python" / "src"
CREATES, LIMIT = 50, 10


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, tmp_path_factory):
    logs = tmp_path_factory.mktemp("limits-logs")
    first, first_base = start_server(logs, PYTHONFAULTHANDLER="1")
    second, second_base = start_server(logs, PYTHONFAULTHANDLER="1")
    yield first_base, second_base
    first.stop()
    second.stop()


def test_fifty_parallel_creates_on_two_servers_admit_exactly_the_limit(two_servers):
    project = services.create_project(slug=f"lim-{uuid.uuid4().hex[:6]}")
    scripted_agent(project)
    set_limits(project, concurrent_runs=LIMIT)
    _, raw = services.create_api_key(project=project, name="race", role="developer")
    clients = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {raw}"}, timeout=60)
               for base in two_servers]
    for client in clients:  # warm both servers up (first request imports and connects)
        assert client.get("/api/v1/limits").status_code == 200
    start = threading.Barrier(CREATES)

    def create(index: int) -> httpx.Response:
        start.wait(timeout=30)
        return clients[index % 2].post("/api/v1/runs", json={"agent": "helper", "input": {"message": f"m{index}"}})

    try:
        with ThreadPoolExecutor(max_workers=CREATES) as pool:
            answers = list(pool.map(create, range(CREATES)))
    finally:
        for client in clients:
            client.close()
    admitted = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 429]
    assert len(admitted) == LIMIT and len(refused) == CREATES - LIMIT, [a.status_code for a in answers]
    assert {problem_type(a) for a in refused} == {"rate_limited"}
    assert all(a.headers["Retry-After"] == "1" and "limits.concurrent_runs" in a.json()["errors"] for a in refused)
    assert {a.request.url.port for a in admitted} == {httpx.URL(base).port for base in two_servers}  # both served
    assert Run.objects.filter(project=project).count() == LIMIT


def _sdk():
    if str(SDK_SRC) not in sys.path:
        sys.path.insert(0, str(SDK_SRC))
    import agent_platform_sdk

    return agent_platform_sdk


def test_the_python_sdk_waits_the_retry_after_of_a_refusal_then_gets_in(two_servers):
    """A create refused for the concurrency limit (429, `Retry-After: 1`) is retried by the SDK one
    second later, with the same Idempotency-Key; the slot was freed in between, so it is admitted."""
    sdk = _sdk()
    project = services.create_project(slug=f"lim-{uuid.uuid4().hex[:6]}")
    scripted_agent(project)
    set_limits(project, concurrent_runs=1)
    _, raw = services.create_api_key(project=project, name="sdk", role="developer")
    first = httpx.post(f"{two_servers[0]}/api/v1/runs", headers={"Authorization": f"Bearer {raw}"},
                       json={"agent": "helper", "input": {"message": "holds the slot"}}, timeout=30)
    assert first.status_code == 201, first.text
    seen: list[tuple[float, str, int, dict]] = []  # (monotonic time, method path, status, headers)

    def on_request(request: httpx.Request) -> None:
        seen.append((time.monotonic(), f"{request.method} {request.url.path}", 0,
                     {"idempotency-key": request.headers.get("Idempotency-Key")}))

    def on_response(response: httpx.Response) -> None:
        if response.status_code == 429:  # free the slot before the SDK starts waiting
            cancelled = httpx.post(f"{two_servers[0]}/api/v1/runs/{first.json()['id']}/cancel",
                                   headers={"Authorization": f"Bearer {raw}"}, timeout=30)
            assert cancelled.json()["status"] == "cancelled", cancelled.text
        seen.append((time.monotonic(), f"{response.request.method} {response.request.url.path}",
                     response.status_code, dict(response.headers)))

    http = httpx.Client(timeout=30, event_hooks={"request": [on_request], "response": [on_response]})
    with sdk.Client(raw, base_url=two_servers[1], http_client=http,
                    retries=sdk.RetryPolicy(max_retries=3, jitter=False)) as client:
        run = client.runs.create(agent="helper", input={"message": "waits its turn"})
    assert run.status == "queued"
    requests = [entry for entry in seen if entry[2] == 0]
    responses = [entry for entry in seen if entry[2] != 0]
    assert [r[2] for r in responses] == [429, 201]
    refused = responses[0]
    assert refused[3]["retry-after"] == "1" and refused[3]["content-type"] == "application/problem+json"
    assert len(requests) == 2 and requests[0][3] == requests[1][3]  # one Idempotency-Key for both attempts
    waited = requests[1][0] - refused[0]
    assert 1.0 <= waited < 1.8, waited  # Retry-After honoured: not earlier, and not much later
    assert Run.objects.filter(project=project).count() == 2
