"""A real HTTP service on 127.0.0.1 for workflow tests: counts calls per path and offers a few behaviours.

- any path: JSON `{"ok": true, "path", "count", "json"?}` (the request's JSON body echoed);
- `/pair/<name>`: answers only once two requests for the same name have arrived (then 200), else 504
  after `pair_timeout_s` — proof that two branches were in flight at the same time;
- `/block`: signals `blocked`, then waits for `release` (answers at once once released);
- `/orders/<id>`: `{"id", "status"}` (`shipped` for even ids, else `pending`);
- `/webhook` (POST): records the JSON body in `webhooks` and sets `webhook_received`.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalService:
    def __init__(self, port: int = 0, pair_timeout_s: float = 10.0) -> None:
        self.counts: Counter[str] = Counter()
        self.webhooks: list[dict[str, Any]] = []
        self.webhook_received = threading.Event()
        self.blocked = threading.Event()
        self.release = threading.Event()
        self.pair_timeout_s = pair_timeout_s
        self._barriers: dict[str, threading.Barrier] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _barrier(self, name: str) -> threading.Barrier:
        with self._lock:
            return self._barriers.setdefault(name, threading.Barrier(2, timeout=self.pair_timeout_s))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller went away (a killed worker): nothing to answer

            def _handle(self) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                data = json.loads(raw) if raw else None
                with service._lock:
                    service.counts[path] += 1
                    count = service.counts[path]
                if path.startswith("/pair/"):
                    try:
                        service._barrier(path).wait()
                    except threading.BrokenBarrierError:
                        return self._reply(504, {"ok": False, "path": path})
                elif path == "/block":
                    service.blocked.set()
                    service.release.wait(60)
                elif path == "/webhook":
                    service.webhooks.append(data)
                    service.webhook_received.set()
                elif path.startswith("/orders/"):
                    order = path.rsplit("/", 1)[-1]
                    status = "shipped" if order.isdigit() and int(order) % 2 == 0 else "pending"
                    return self._reply(200, {"id": order, "status": status})
                self._reply(200, {"ok": True, "path": path, "count": count, **({"json": data} if data else {})})

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: object) -> None:
                pass

        return Handler
