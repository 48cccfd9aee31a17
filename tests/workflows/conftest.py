"""Fixtures for workflow tests: a project that may call 127.0.0.1, an owner API client, a local service."""
from __future__ import annotations

import pytest

from accounts import services as account_services
from tests.conftest import client_for, make_key
from tests.workflows.service import LocalService


@pytest.fixture
def wf_project(db):
    project = account_services.create_project(slug="flows", name="Flows")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    return project


@pytest.fixture
def wf_api(wf_project):
    return client_for(make_key(wf_project, "owner"))


@pytest.fixture
def service():
    with LocalService() as running:
        yield running
