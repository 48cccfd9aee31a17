from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.runtime.models.http_server import ScriptedHTTPServer


@pytest.fixture
def server() -> Iterator[ScriptedHTTPServer]:
    srv = ScriptedHTTPServer().start()
    yield srv
    srv.stop()
