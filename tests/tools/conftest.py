"""Fixtures for the tools app: local HTTP servers, API clients by role, tool factories."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from runtime.tools.mcp import default_pool
from tests.conftest import client_for, make_key
from tests.runtime.tools.local_server import LocalServer
from tests.runtime.tools.sandbox_helpers import become_subreaper


@pytest.fixture(scope="session", autouse=True)
def _orphans_come_back_here() -> None:
    """Process-leak checks count descendants; an orphan must stay one (see sandbox_helpers)."""
    become_subreaper()


@pytest.fixture(autouse=True)
def _stdio_mcp_commands_allowed(settings) -> None:
    """The tests' stdio MCP servers (the Python interpreter, mcp-server-time) are allowed here;
    the default (none allowed) is tested in tests/security/test_mcp_stdio_allowlist.py."""
    settings.PLATFORM_MCP_STDIO_COMMANDS = ["*"]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def allow_loopback(project):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    return project


@pytest.fixture
def dev(project):
    """A developer-key client (write_project, not deploy/manage)."""
    return client_for(make_key(project, "developer"))


@pytest.fixture
def admin_api(project):
    """An admin-key client (deploy_project and manage_project)."""
    return client_for(make_key(project, "admin"))


@pytest.fixture
def mcp_pool_closed() -> Iterator[None]:
    """Stop the MCP servers this process started (the playground uses the process pool)."""
    yield
    default_pool.close_all()


def http_tool(api, name: str, body: dict, **fields) -> dict:
    """Create a custom HTTP tool with `body` as version 1; the created tool's JSON."""
    response = api.post("/api/v1/tools", {"name": name, "body": body, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def invoke(api, ref: str, input: dict, **extra):
    return api.post(f"/api/v1/tools/{ref}/invoke", {"input": input, **extra}, format="json")
