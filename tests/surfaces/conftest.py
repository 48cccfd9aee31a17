"""Surfaces tests: the real Daphne server and a real worker (tests/e2e fixtures), a project with
an owner key, and another project with its own agent."""
from __future__ import annotations

import uuid

import pytest

from accounts import services
from tests.e2e.conftest import stack  # noqa: F401  (the module's server + worker)
from tests.e2e.servers import wait_until


@pytest.fixture
def surface_project(transactional_db):
    return services.create_project(slug=f"s-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def surface_key(surface_project):
    _, raw = services.create_api_key(project=surface_project, name="surfaces", role="owner")
    return raw


@pytest.fixture(scope="module")
def base_url(stack):  # noqa: F811
    """The server's URL, once its worker has registered (a cold worker on a busy machine can take
    longer to boot than a client's timeout)."""
    from django.conf import settings
    from redis import Redis
    from rq import Worker

    base, worker, _ = stack
    redis = Redis.from_url(settings.REDIS_URL)
    wait_until(lambda: any(f"-{worker.pid}-" in w.name for w in Worker.all(connection=redis)) or
               worker.proc.poll() is not None, timeout_s=120, what="the worker to register", interval_s=0.1)
    assert worker.proc.poll() is None, "the worker exited"
    return base
