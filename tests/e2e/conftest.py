"""End-to-end fixtures: one Daphne server and one worker for the module, on the test DB."""
from __future__ import annotations

import uuid

import httpx
import pytest

from accounts import services
from tests.e2e.servers import start_server, start_worker


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """(base_url, worker) — the real ASGI server and a real RQ worker."""
    logs = tmp_path_factory.mktemp("logs")
    server, base = start_server(logs)
    worker = start_worker(logs, f"w-{uuid.uuid4().hex[:6]}", PLATFORM_RUN_LEASE_S="2")
    yield base, worker, logs
    worker.stop()
    server.stop()


@pytest.fixture
def e2e_project(transactional_db):
    project = services.create_project(slug=f"e2e-{uuid.uuid4().hex[:6]}")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    return project


@pytest.fixture
def http(stack, e2e_project):
    base, _, _ = stack
    _, raw = services.create_api_key(project=e2e_project, name="e2e", role="owner")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {raw}"}, timeout=30) as client:
        client.raw_key = raw
        yield client
