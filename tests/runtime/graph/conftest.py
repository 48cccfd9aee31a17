"""Fixtures of the graph engine tests: a real HTTP server on 127.0.0.1 and the in-memory stores."""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.events import CollectingSink, CollectingTracer
from runtime.store import MemoryCheckpointStore, MemoryLedger


class DemoService:
    """State of the local HTTP service: request counts by path, and a gate `/hold` waits on."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.bodies: list[tuple[str, object]] = []
        self.hold_reached = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.url = ""


def _handler(service: DemoService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            return

        def _reply(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            path = self.path.split("?", 1)[0]
            with service.lock:
                service.counts[path] += 1
                service.bodies.append((path, body))
            if path == "/hold":
                service.hold_reached.set()
                service.release.wait(timeout=30)
            if path.startswith("/orders/"):
                order_id = path.rsplit("/", 1)[-1]
                self._reply(200, {"order_id": order_id, "status": "shipped" if order_id == "42" else "pending"})
            elif path == "/fail":
                self._reply(500, {"error": "boom"})
            else:
                self._reply(200, {"ok": True, "path": path, "received": body})

        do_GET = do_POST = do_PUT = _handle

    return Handler


@pytest.fixture
def demo_service() -> Iterator[DemoService]:
    """A real HTTP server on 127.0.0.1 counting requests per path."""
    service = DemoService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    server.daemon_threads = True
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield service
    service.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def sink() -> CollectingSink:
    return CollectingSink()


@pytest.fixture
def tracer() -> CollectingTracer:
    return CollectingTracer()


@pytest.fixture
def store() -> MemoryCheckpointStore:
    return MemoryCheckpointStore()


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()
