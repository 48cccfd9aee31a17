"""`make up` / `make down`: run Daphne (HTTP + websockets), RQ workers and the scheduler in the background.

The workers run under a supervisor (`runs.supervisor`) that restarts one that dies.

Processes are started in their own sessions with pid files under var/run and logs under
var/log; `up` waits until /readyz answers and prints the cold-start time; `down` stops the
processes (TERM, then KILL after a grace period) and then the embedded services.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from agent_platform import embedded
from agent_platform.metrics import multiproc as metrics_multiproc

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("PLATFORM_HOST", "127.0.0.1")
PORT = int(os.environ.get("PLATFORM_PORT", "8000"))
# Two by default, so one slow run does not hold every other run (about 150 MB each; docs/runs.md).
WORKERS = int(os.environ.get("PLATFORM_WORKERS", "2"))


def _pid_dir() -> Path:
    path = embedded.var_dir() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _spawn(name: str, argv: list[str]) -> int:
    log_dir = embedded.var_dir() / "log"
    log_dir.mkdir(exist_ok=True)
    with open(log_dir / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "DJANGO_SETTINGS_MODULE": "agent_platform.settings"})
    (_pid_dir() / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (exited, not reaped) is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except OSError:
        return True


def _running(name: str) -> int | None:
    pid_file = _pid_dir() / f"{name}.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text() or 0)
    return pid if pid and _alive(pid) else None


def wait_ready(url: str, timeout_s: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)  # polling an external process's readiness; nothing to wait on instead
    raise TimeoutError(f"{url} not ready after {timeout_s:.0f} s; see var/log/daphne.log")


def up() -> int:
    started = time.monotonic()
    if not os.environ.get("DATABASE_URL"):
        embedded.ensure_postgres()
    if not os.environ.get("REDIS_URL"):
        embedded.ensure_redis()
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    subprocess.run([python, "-m", "agent_platform.static_files"], cwd=ROOT, check=True)  # collectstatic if changed
    if not any(_running(name) for name in ("daphne", "supervisor", "scheduler")):  # metrics start from zero
        metrics_multiproc.reset(embedded.var_dir())
    if not _running("daphne"):
        _spawn("daphne", [python, "-m", "daphne", "-b", HOST, "-p", str(PORT), "agent_platform.asgi:application"])
    if not _running("supervisor"):  # starts WORKERS workers and restarts any that dies
        _spawn("supervisor", [python, "-m", "runs.supervisor", "--workers", str(WORKERS),
                              "--log-dir", str(embedded.var_dir() / "log"), "--pid-dir", str(_pid_dir())])
    if not _running("scheduler"):  # periodic jobs (agent_platform/scheduler/jobs.py); one leader at a time
        _spawn("scheduler", [python, "-m", "agent_platform.scheduler"])
    wait_ready(f"http://{HOST}:{PORT}/readyz")
    print(f"ready at http://{HOST}:{PORT}/ in {time.monotonic() - started:.2f} s "
          f"(admin: http://{HOST}:{PORT}/admin/, API docs: http://{HOST}:{PORT}/api/v1/docs/)")
    return 0


def _signal(pid: int, sig: int) -> None:
    """The whole group of a process we started in its own session, else just the process."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def down() -> int:
    # The supervisor first (it stops its workers, and must not restart them), then the rest.
    pid_files = sorted(_pid_dir().glob("*.pid"), key=lambda path: (path.name != "supervisor.pid", path.name))
    for pid_file in pid_files:
        if pid_file.name == "redis.pid":
            continue
        try:
            pid = int(pid_file.read_text() or 0)
        except (OSError, ValueError):  # the supervisor removed its workers' pid files
            continue
        if pid and _alive(pid):
            _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                _signal(pid, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)
    print(f"stopped; embedded services: postgres {embedded.stop_postgres()}, redis {embedded.stop_redis()}")
    return 0


if __name__ == "__main__":
    sys.exit({"up": up, "down": down}[sys.argv[1]]())
