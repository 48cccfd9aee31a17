"""Surfaces tests: the real Daphne server and a real worker (tests/e2e fixtures), a project with
an owner key, and another project with its own agent."""
from __future__ import annotations

import uuid

import pytest

from accounts import services
from tests.e2e.conftest import stack  # noqa: F401  (the module's server + worker)


@pytest.fixture
def surface_project(transactional_db):
    return services.create_project(slug=f"s-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def surface_key(surface_project):
    _, raw = services.create_api_key(project=surface_project, name="surfaces", role="owner")
    return raw


@pytest.fixture
def base_url(stack):  # noqa: F811
    return stack[0]
