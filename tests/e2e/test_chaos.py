"""Chaos: 50 agent runs, each calling a slow side-effecting HTTP tool, on real processes — a Daphne
and two workers under the supervisor `make up` uses — while PostgreSQL is killed (-9) and
restarted, then Redis, then a worker. With no manual step every run ends `succeeded`, each side
effect happened once (counted at the server by idempotency key), every run's events are gap-free
with exactly one terminal event, and the API answered 503 (never 500) while a dependency was down.

The stack gets its OWN embedded PostgreSQL and Redis in a temporary directory: killing them
touches nobody else's test session.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from signal import SIGKILL

import httpx
import psycopg
import pytest

from agent_platform import embedded
from tests.e2e.servers import ROOT, Process, free_port, wait_until

# `chaos`: run in a pytest process of its own (`make test` does), apart from the rest of the suite.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.chaos]
RUNS = 50
TOOL_DELAY_S = 0.6

SEED = """
from accounts import services
from tests.runs.factories import scripted_agent
from tools.services import create_custom_tool

project = services.create_project(slug="chaos")
project.http_allowlist = ["127.0.0.1"]
project.save(update_fields=["http_allowlist"])
create_custom_tool(project=project, name="effect", body={
    "method": "POST", "url": "%(url)s/effect", "side_effect": "idempotent", "idempotency_key_template": "{key}",
    "timeout_s": 20, "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}})
scripted_agent(project, name="chaos", tools=["effect"], script=[
    {"tool_calls": [{"name": "effect", "arguments": {"n": 1}}]}, {"text": "done"}])
_, raw = services.create_api_key(project=project, name="chaos", role="owner")
print("KEY=" + raw)
"""


class EffectServer:
    """`POST /effect` applies an effect once per `Idempotency-Key` (repeats are answered, not
    applied), slowly; counts both."""

    def __init__(self) -> None:
        self.applied: dict[str, int] = {}
        self.calls = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key") or ""
                time.sleep(TOOL_DELAY_S)  # the slow remote API this test needs, not synchronisation
                with outer.lock:
                    outer.calls += 1
                    if key not in outer.applied:
                        outer.applied[key] = 1
                body = json.dumps({"ok": True}).encode()
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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Services:
    """This test's own embedded PostgreSQL and Redis."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.database_url = embedded.ensure_postgres(var)
        self.redis_url = embedded.ensure_redis(var)

    def _pid(self, path: Path) -> int:
        return int(path.read_text().splitlines()[0])

    def kill_postgres(self) -> None:
        lock = self.var / "pgdata" / "postmaster.pid"
        pid = self._pid(lock)
        os.kill(pid, SIGKILL)
        wait_until(lambda: not _alive(pid), timeout_s=10, what="the postmaster to die")
        # Its parent may never reap it: a zombie still "exists" for kill(pid, 0), so the start-up
        # check would take the stale lock file for a running server. (PostgreSQL itself ignores a
        # lock file whose process is gone.)
        lock.unlink()

    def start_postgres(self) -> None:
        # The killed postmaster's backends exit on their own a moment later; until then the
        # new postmaster refuses to start (shared memory still attached): retry.
        def started() -> bool:
            try:
                embedded.ensure_postgres(self.var)
                return True
            except subprocess.CalledProcessError:
                return False

        wait_until(started, timeout_s=60, what="PostgreSQL to restart", interval_s=0.5)

    def kill_redis(self) -> None:
        pid = self._pid(embedded._run_dir(self.var) / "redis.pid")
        os.kill(pid, SIGKILL)
        wait_until(lambda: not _alive(pid), timeout_s=10, what="Redis to die")

    def start_redis(self) -> None:
        embedded.ensure_redis(self.var)

    def stop(self) -> None:
        for stop in (embedded.stop_postgres, embedded.stop_redis):
            try:
                stop(self.var)
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def _query(database_url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(database_url, connect_timeout=2) as conn:
        return conn.execute(sql, params).fetchall()


def _counts(database_url: str) -> dict[str, int]:
    try:
        return dict(_query(database_url, "SELECT status, count(*) FROM runs_run GROUP BY status"))
    except psycopg.OperationalError:
        return {}


@pytest.fixture
def chaos_stack(tmp_path):
    var = Path(f"/tmp/chaos-{os.getpid()}-{tmp_path.name[-6:]}")
    var.mkdir(parents=True, exist_ok=True)
    services = Services(var)
    target = EffectServer()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "agent_platform.settings", "PLATFORM_VAR_DIR": str(var),
           "DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url, "LOG_LEVEL": "WARNING",
           "PLATFORM_RUN_LEASE_S": "2", "PLATFORM_RUN_SWEEP_AFTER_S": "3"}
    env.pop("TEST_DATABASE_NAME", None)
    processes: list[Process] = []
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        seeded = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED % {"url": target.url}], cwd=ROOT,
                                env=env, check=True, capture_output=True, text=True)
        key = next(line[4:] for line in seeded.stdout.splitlines() if line.startswith("KEY="))
        port = free_port()
        processes.append(Process([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                  "agent_platform.asgi:application"], env, tmp_path / "daphne.log"))
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _ready(base), timeout_s=60, what="daphne")
        pids = tmp_path / "pids"
        processes.append(Process([sys.executable, "-m", "runs.supervisor", "--workers", "2", "--log-dir",
                                  str(tmp_path), "--pid-dir", str(pids)], env, tmp_path / "supervisor.log"))
        yield {"base": base, "key": key, "services": services, "target": target, "pids": pids, "logs": tmp_path}
    finally:
        for process in reversed(processes):
            process.stop()
        target.close()
        services.stop()
        subprocess.run(["rm", "-rf", str(var)], check=False)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_runs_survive_postgres_redis_and_worker_deaths(chaos_stack):
    base, services, target = chaos_stack["base"], chaos_stack["services"], chaos_stack["target"]
    db = services.database_url
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {chaos_stack['key']}"}, timeout=30)
    run_ids = []
    for i in range(RUNS):
        created = http.post("/api/v1/runs", json={"agent": "chaos", "input": {"message": f"go {i}"}})
        assert created.status_code == 201, created.text
        run_ids.append(created.json()["id"])

    def succeeded_at_least(n: int):
        return lambda: _counts(db).get("succeeded", 0) >= n

    # 1. PostgreSQL: kill -9 mid-run; while it is down the API answers 503 problem+json.
    wait_until(succeeded_at_least(4), timeout_s=60, what="the first runs to finish")
    services.kill_postgres()
    during = http.get(f"/api/v1/runs/{run_ids[0]}")
    assert during.status_code == 503, during.text
    assert during.headers["content-type"].startswith("application/problem+json")
    services.start_postgres()
    wait_until(succeeded_at_least(16), timeout_s=90, what="runs to finish after PostgreSQL came back")

    # 2. Redis: kill -9 mid-run; /readyz says so; the API answers (rate limits live in Redis:
    # 503 problem+json, never a 500).
    services.kill_redis()
    assert httpx.get(f"{base}/readyz", timeout=10).status_code == 503
    during = http.get(f"/api/v1/runs/{run_ids[0]}")
    assert during.status_code in (200, 503), during.text
    assert during.status_code == 200 or during.headers["content-type"].startswith("application/problem+json")
    services.start_redis()
    wait_until(succeeded_at_least(28), timeout_s=90, what="runs to finish after Redis came back")

    # 3. A worker: kill -9 one that is executing a run; the supervisor starts a new one.
    pid_file = chaos_stack["pids"] / "worker-0.pid"
    victim = int(pid_file.read_text())
    os.kill(victim, SIGKILL)
    wait_until(lambda: pid_file.exists() and int(pid_file.read_text() or 0) not in (0, victim), timeout_s=30,
               what="the supervisor to restart the killed worker")

    wait_until(lambda: sum(_counts(db).get(s, 0) for s in ("succeeded", "failed", "cancelled", "timed_out"))
               == RUNS, timeout_s=120, what="every run to finish")
    statuses = dict(_query(db, "SELECT id, status FROM runs_run"))
    failed = {run_id: status for run_id, status in statuses.items() if status != "succeeded"}
    assert not failed, (failed, _query(db, "SELECT id, error FROM runs_run WHERE status <> 'succeeded'"))

    # Each run's side effect happened once: one applied effect per run, keyed by its call.
    assert len(target.applied) == RUNS and set(target.applied.values()) == {1}
    assert target.calls >= RUNS
    for run_id in run_ids:
        events = _query(db, "SELECT seq, type FROM runs_event WHERE run_id = %s ORDER BY seq", (run_id,))
        assert [seq for seq, _ in events] == list(range(1, len(events) + 1)), run_id
        types = [kind for _, kind in events]
        terminal = [kind for kind in types if kind in ("run.succeeded", "run.failed", "run.cancelled",
                                                        "run.timed_out")]
        assert terminal == ["run.succeeded"] and types[-1] == "run.succeeded", (run_id, types)
        assert types.count("run.started") == 1, (run_id, types)
    outputs = {row[0] for row in _query(db, "SELECT output::text FROM runs_run")}
    assert outputs == {json.dumps({"text": "done"})}
