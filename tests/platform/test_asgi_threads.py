"""The API process serves requests on a pool of threads (agent_platform/asgi_handler.py): a request
waiting on something no longer holds up the others, each has its own database connection, and
the connection goes back to the pool when the request ends."""
from __future__ import annotations

import asyncio
import json
import threading

import pytest
from asgiref.testing import ApplicationCommunicator

from agent_platform.asgi_handler import SyncChainASGIHandler
from tests.platform import asgi_barrier_urls

pytestmark = pytest.mark.django_db(transaction=True)


async def _get(app, path: str) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 80)}
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=20)
    body = await communicator.receive_output(timeout=20)
    await communicator.wait(timeout=5)
    return start["status"], body["body"]


def test_two_requests_are_served_at_once_each_on_its_own_connection(settings):
    settings.ROOT_URLCONF = "tests.platform.asgi_barrier_urls"
    settings.API_THREADS = 2
    asgi_barrier_urls.barrier.reset()
    app = SyncChainASGIHandler()

    async def both():
        return await asyncio.gather(_get(app, "/meet"), _get(app, "/meet"))

    # On one thread the first request would wait at the barrier alone until it broke (500).
    answers = asyncio.run(both())
    assert [status for status, _ in answers] == [200, 200]
    first, second = (json.loads(body) for _, body in answers)
    assert first["thread"] != second["thread"] and first["backend"] != second["backend"]
    # Given back when the request ended: neither thread still holds a connection.
    from django.db import connection

    both_threads = threading.Barrier(2, timeout=10)  # one call per pool thread

    def held() -> tuple[int, bool]:
        both_threads.wait()
        return threading.get_ident(), connection.connection is not None

    checks = [app._threads.submit(held) for _ in range(2)]
    states = dict(check.result(timeout=10) for check in checks)
    assert states == {first["thread"]: False, second["thread"]: False}
