"""Real servers on 127.0.0.1 that stand between the SDK and the platform to inject faults.

`FaultProxy` is an HTTP proxy: requests are forwarded to the platform, except that the first
requests matching a (method, path) get the scripted faults (an error answer, a dropped
connection, or "forward, then lose the answer") — and it records every request it saw.

`CuttingProxy` is a TCP proxy: bytes are piped both ways untouched, but on a connection that
carries a run's SSE stream it cuts the connection after N events (a reset, or a clean EOF),
for the first `cuts` stream connections.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


@dataclass
class Answer:
    """Answer this status (and headers) without forwarding."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"type": "https://agent-platform.dev/problems/rate_limited", "title": "Too many requests", ' \
                  b'"status": 429, "detail": "slow down"}'


@dataclass
class ForwardThenAnswer:
    """Forward the request (the platform acts on it), then answer this status instead of its answer."""

    status: int


@dataclass
class Disconnect:
    """Close the connection without answering."""


@dataclass
class Delay:
    """Wait this long, then forward (for per-call timeouts)."""

    seconds: float


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic()
    wall: float  # time.time(), for comparing with an HTTP date
    fault: str | None


class FaultProxy:
    def __init__(self, upstream: str, faults: dict[tuple[str, str], list]) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = {key: list(value) for key, value in faults.items()}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def requests(self, method: str, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.method == method and seen.path == path]

    def _next_fault(self, method: str, path: str) -> object:
        with self._lock:
            queue = self.faults.get((method, path))
            return queue.pop(0) if queue else None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urlsplit(handler.path).path
        fault = self._next_fault(handler.command, path)
        headers = {k: v for k, v in handler.headers.items()}
        self.seen.append(Seen(handler.command, path, headers, time.monotonic(), time.time(),
                              type(fault).__name__ if fault else None))
        if isinstance(fault, Disconnect):
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(fault, Delay):
            time.sleep(fault.seconds)  # the fault itself: a slow upstream
        if isinstance(fault, Answer):
            self._reply(handler, fault.status, {"Content-Type": "application/problem+json", **fault.headers},
                        fault.body)
            return
        upstream = self._http.request(handler.command, self.upstream + handler.path, content=body,
                                      headers={k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP})
        if isinstance(fault, ForwardThenAnswer):
            self._reply(handler, fault.status, {"Content-Type": "application/problem+json"},
                        b'{"type": "about:blank", "title": "Bad gateway", "status": 502, "detail": "lost"}')
            return
        self._reply(handler, upstream.status_code,
                    {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}, upstream.content)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


class CuttingProxy:
    """TCP proxy that cuts the first `cuts` SSE stream connections after `after_events` events."""

    def __init__(self, upstream: str, *, after_events: int, cuts: int, mode: str = "reset") -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.after_events, self.cuts_left, self.mode = after_events, cuts, mode
        self.cut_connections = 0
        self.stream_connections = 0
        self.last_event_ids: list[str | None] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> CuttingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closed.set()
        try:  # wakes the accept() of the serving thread (a plain close() would not)
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self._upstream)
        state: dict = {"cut_after": None}

        def outbound() -> None:
            try:
                while data := client.recv(65536):
                    if data.startswith(b"GET ") and b"/stream" in data.split(b"\r\n", 1)[0]:
                        self._start_stream(data, state)
                    upstream.sendall(data)
            except OSError:
                pass
            finally:
                _close(upstream)

        state["outbound"] = threading.Thread(target=outbound, daemon=True)
        state["outbound"].start()
        buffer = b""
        head = b""
        events = 0
        try:
            while data := upstream.recv(65536):
                if state["cut_after"] is None:
                    client.sendall(data)
                    continue
                if not head and b"\r\n\r\n" in buffer + data:  # the response head, sent as it is
                    buffer += data
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    client.sendall(head + b"\r\n\r\n")
                    data = b""
                buffer += data
                # forward whole events only, counting them; cut after the N-th
                while (end := buffer.find(b"\n\n")) >= 0:
                    block, buffer = buffer[:end + 2], buffer[end + 2:]
                    client.sendall(block)
                    if b"\nid: " in b"\n" + block or block.startswith(b"id: "):
                        events += 1
                        if events >= state["cut_after"]:
                            self._cut(client, state["outbound"], chunked=b"transfer-encoding: chunked" in head.lower())
                            return
        except OSError:
            pass
        finally:
            _close(upstream)
            _close(client)

    def _start_stream(self, head: bytes, state: dict) -> None:
        with self._lock:
            self.stream_connections += 1
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"last-event-id:"):
                    self.last_event_ids.append(line.split(b":", 1)[1].strip().decode())
                    break
            else:
                self.last_event_ids.append(None)
            if self.cuts_left > 0:
                self.cuts_left -= 1
                state["cut_after"] = self.after_events

    def _cut(self, client: socket.socket, outbound: threading.Thread, *, chunked: bool) -> None:
        with self._lock:
            self.cut_connections += 1
        if self.mode == "reset":  # RST instead of FIN: the client sees a connection error
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Wake the thread blocked in recv() first: a socket closed while another thread
            # still reads it is not torn down (no RST would be sent).
            client.shutdown(socket.SHUT_RD)
            outbound.join(timeout=5)
            client.close()
            return
        # A clean end of the response between two events, before the terminal one: finish the
        # event's chunk and send the last (empty) chunk, then FIN.
        if chunked:
            client.sendall(b"\r\n0\r\n\r\n")
        client.shutdown(socket.SHUT_RDWR)
        client.close()


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
