"""A real HTTP server on 127.0.0.1 for tool calls in end-to-end tests."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SideEffectServer:
    """`/effect` counts calls; `/block` counts and signals its arrival, then waits until released."""

    def __init__(self) -> None:
        self.effects = 0
        self.blocks = 0
        self.blocked = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/effect"):
                    with outer._lock:
                        outer.effects += 1
                elif self.path.startswith("/block"):
                    with outer._lock:
                        outer.blocks += 1
                    outer.blocked.set()
                    outer.release.wait(60)
                body = json.dumps({"ok": True, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SideEffectServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
