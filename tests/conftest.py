"""Shared fixtures: projects, API keys and an HTTP client that sends a key."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services


@pytest.fixture
def project(db):
    return services.create_project(slug="acme", name="Acme")


@pytest.fixture
def other_project(db):
    return services.create_project(slug="globex", name="Globex")


def make_key(project, role: str = "owner", **kwargs) -> str:
    _, raw = services.create_api_key(project=project, name=f"{role}-key", role=role, **kwargs)
    return raw


def client_for(raw_key: str | None) -> APIClient:
    client = APIClient()
    if raw_key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


@pytest.fixture
def api(project):
    """An owner-key client of `project`."""
    return client_for(make_key(project, "owner"))


@pytest.fixture(autouse=True)
def _no_redactor_from_an_earlier_test():
    """Each test starts, as each request does (RequestIdMiddleware), with no project redactor in its
    context: a test-client request leaves its project's redactor active on the test thread, and a
    later test's log record would build it from a project that no longer exists."""
    from runtime.redaction import reset_redactor, use_redactor

    token = use_redactor(None)
    yield
    reset_redactor(token)


@pytest.fixture(scope="session", autouse=True)
def _close_run_writer(django_db_setup, django_db_blocker):
    """The run executor's own connection must be closed before the test database is dropped."""
    yield
    from runs import db as run_db

    run_db.reset()


@pytest.fixture(scope="session", autouse=True)
def _static_files_collected():
    """Pages and servers use the production static storage (hashed names): collect once."""
    from agent_platform.static_files import ensure_static_collected

    ensure_static_collected()
