"""Fixtures of the versioned-definition layer tests: the admin test fixtures, and no gate left behind."""
from __future__ import annotations

import pytest

from agent_platform.definitions import gates
from tests.admin.conftest import agent, member_client, outsider_client, superuser_client  # noqa: F401


@pytest.fixture
def gate():
    """Register gates for one test only: `gate(fn, kinds=...)`."""
    registered = []

    def register(fn, **kwargs):
        registered.append(gates.register(fn, **kwargs))
        return fn
    yield register
    for fn in registered:
        gates.unregister(fn)
