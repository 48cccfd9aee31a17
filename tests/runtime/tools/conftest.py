from __future__ import annotations

from collections.abc import Iterator

import pytest

from runtime.tools.base import ToolContext
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.local_server import LocalServer
from tests.runtime.tools.sandbox_helpers import become_subreaper


@pytest.fixture(scope="session", autouse=True)
def _orphans_come_back_here() -> None:
    """Leak checks count descendants; a leaked orphan must stay one (see sandbox_helpers)."""
    become_subreaper()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


def make_ctx(*, policy: HttpPolicy | None = None, secrets: dict[str, str] | None = None,
             project_id: str = "proj_1", **services: object) -> ToolContext:
    if policy is not None:
        services["http_policy"] = policy
    return ToolContext(idempotency_key="test-key", project_id=project_id, secrets=secrets or {},
                       services=services)


LOOPBACK = HttpPolicy(allow=("127.0.0.1",))
