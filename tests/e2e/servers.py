"""Real processes for end-to-end tests: Daphne (HTTP + websockets) and platform workers,
pointed at the test database and Redis."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    conf = connection.settings_dict
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    if conf["HOST"].startswith("/"):
        return f"postgresql://{auth}@/{conf['NAME']}?host={conf['HOST']}"
    port = f":{conf['PORT']}" if conf["PORT"] else ""
    return f"postgresql://{auth}@{conf['HOST']}{port}/{conf['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "agent_platform.settings",
            "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL,
            "SECRET_KEY": settings.SECRET_KEY, "PLATFORM_ENCRYPTION_KEY": ",".join(settings.PLATFORM_ENCRYPTION_KEYS),
            "LOG_LEVEL": "WARNING", **extra}


class Process:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_handle = open(log, "ab")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log_handle, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_handle.close()


def start_server(log_dir: Path, **env: str) -> tuple[Process, str]:
    port = free_port()
    server = Process([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                      "agent_platform.asgi:application"], child_env(**env), log_dir / f"daphne-{port}.log")
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _ready(base), timeout_s=60, what=f"daphne on {port} (see {server.log})")
    return server, base


def start_worker(log_dir: Path, name: str, **env: str) -> Process:
    return Process([sys.executable, "manage.py", "platform_worker", "--name", name], child_env(**env),
                   log_dir / f"{name}.log")


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until(condition, *, timeout_s: float, what: str, interval_s: float = 0.02):
    """Poll a condition on another process (which offers no event to wait on) until true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval_s)
    raise TimeoutError(f"timed out waiting for {what}")


def raw_exchange(base: str, request: bytes) -> bytes:
    """Send raw bytes to a server and read its whole answer (until it closes, resets or goes quiet 15 s)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
