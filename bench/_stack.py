"""Shared helpers for the run benchmarks (run_latency, run_throughput, worker_memory).

`Stack` sets up an isolated platform for a benchmark and tears down everything it started:
- the environment: `PLATFORM_VAR_DIR=var/bench` (or `$BENCH_VAR_DIR`) for this process and every
  child, so the embedded PostgreSQL and Redis are the benchmark's own (a `DATABASE_URL` /
  `REDIS_URL` in the environment is honoured, as by the platform itself);
- Django (`django.setup()`), migrations, a throw-away project with an owner API key;
- child processes: Daphne, platform workers, bare RQ `SimpleWorker`s and Redis subscribers for
  the baselines. All are stopped on exit (also on Ctrl-C and SIGTERM), the project and its runs
  are deleted, and the embedded services are stopped if this benchmark started them.

Run directly, this module is also the entry point of the baseline child processes:

    python bench/_stack.py rq-worker URL QUEUE      a bare RQ SimpleWorker (no Django)
    python bench/_stack.py redis-sub URL CHANNEL    prints publish -> receive latencies (ns, JSON)
"""
from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
T = TypeVar("T")


def noop() -> None:
    """The bare RQ baseline job."""
    return None


# --- environment and processes ------------------------------------------------------------------
def configure_environment() -> None:
    """Point this process (and, through os.environ, its children) at the benchmark services."""
    os.environ["PLATFORM_VAR_DIR"] = os.environ.get("BENCH_VAR_DIR") or str(ROOT / "var" / "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agent_platform.settings")
    for path in (str(ROOT), str(BENCH)):
        if path not in sys.path:
            sys.path.insert(0, path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], T], *, timeout_s: float, what: str, interval_s: float = 0.02) -> T:
    """Poll a condition on another process (which offers nothing to wait on) until it is true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval_s)
    raise TimeoutError(f"timed out after {timeout_s:g} s waiting for {what}")


class Child:
    """A child process in its own session, logging to a file (stopped with TERM, then KILL)."""

    def __init__(self, name: str, argv: list[str], log: Path, *, stdout_pipe: bool = False,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log
        self._log = open(log, "ab")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True,
                                     stdout=subprocess.PIPE if stdout_pipe else self._log, stderr=self._log,
                                     stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace_s: float = 10.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def _raise_exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


class Stack:
    """Everything one benchmark run starts; a context manager that stops it all on exit."""

    def __init__(self, *, keep_services: bool = False) -> None:
        self.keep_services = keep_services
        self.children: list[Child] = []
        self.projects: list[Any] = []
        self.server_child: Child | None = None
        self._services_before: dict[str, bool] = {}
        self.log_dir = Path()

    def __enter__(self) -> Stack:
        configure_environment()
        signal.signal(signal.SIGTERM, _raise_exit)
        from agent_platform import embedded

        self._services_before = embedded.status()
        self.log_dir = embedded.var_dir() / "log" / "bench"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for old_log in self.log_dir.glob("*.log"):  # only the last benchmark's logs are kept
            old_log.unlink()
        try:
            import django

            django.setup()  # starts (or finds) the embedded services
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
        except BaseException:
            self._stop_services()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for child in reversed(self.children):
                child.stop()
            self.children.clear()
            self._delete_projects()
        finally:
            from django.db import connections

            from runs import db

            connections.close_all()
            db.reset()
            self._stop_services()

    # --- processes ----------------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str], *, stdout_pipe: bool = False, **env: str) -> Child:
        child = Child(name, argv, self.log_dir / f"{name}.log", stdout_pipe=stdout_pipe, env=env)
        self.children.append(child)
        return child

    def stop(self, child: Child) -> None:
        child.stop()
        self.children.remove(child)

    def server(self) -> str:
        """Start Daphne (HTTP + websockets) as `make up` does; returns its base URL once ready."""
        port = free_port()
        child = self.spawn(f"daphne-{port}", [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                              "agent_platform.asgi:application"])
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _ready(base) or _died(child), timeout_s=90, what=f"daphne (see {child.log})")
        if not child.alive():
            raise RuntimeError(f"daphne exited; see {child.log}")
        self.server_child = child
        return base

    def platform_worker(self, name: str, **env: str) -> Child:
        """Start `manage.py platform_worker` (RQ SimpleWorker + recovery thread)."""
        return self.spawn(name, [sys.executable, "manage.py", "platform_worker", "--name", name], **env)

    def rq_worker(self, queue: str) -> Child:
        """Start a bare RQ SimpleWorker on `queue` (no Django), for the baselines."""
        from django.conf import settings

        return self.spawn(f"rq-{queue}-{uuid.uuid4().hex[:4]}",
                          [sys.executable, str(Path(__file__)), "rq-worker", settings.REDIS_URL, queue])

    def wait_workers(self, workers: Sequence[Child], timeout_s: float = 90) -> None:
        """Wait until each of these child processes has registered as an RQ worker (names carry the pid)."""
        from django.conf import settings
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(settings.REDIS_URL)

        def registered() -> bool:
            names = [w.name for w in Worker.all(connection=connection)]
            return all(any(n.endswith(f"-{c.pid}") or f"-{c.pid}-" in n for n in names) for c in workers)

        wait_until(lambda: registered() or not all(c.alive() for c in workers), timeout_s=timeout_s,
                   what=f"{len(workers)} workers to register", interval_s=0.05)
        dead = [c.name for c in workers if not c.alive()]
        if dead:
            raise RuntimeError(f"child processes exited: {dead}; logs in {self.log_dir}")

    # --- data ---------------------------------------------------------------------------------
    def project(self, prefix: str) -> tuple[Any, str]:
        """A fresh project (deleted on exit) and an owner API key for it."""
        from accounts import services

        project = services.create_project(slug=f"{prefix}-{uuid.uuid4().hex[:8]}")
        self.projects.append(project)
        _, raw = services.create_api_key(project=project, name="bench", role="owner")
        return project, raw

    def _delete_projects(self) -> None:
        from django.db import DatabaseError, connection

        from runs.models import Run

        for project in self.projects:
            try:
                with connection.cursor() as cur:  # runs' children first: the ORM cascade would load every row
                    for table in ("runs_event", "runs_checkpoint", "runs_span", "runs_toolcallrecord"):
                        cur.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT id FROM runs_run "
                                    "WHERE project_id = %s)", [project.pk])
                Run.objects.filter(project=project).delete()  # runs protect the agent versions they pinned
                project.delete()
            except DatabaseError as exc:  # e.g. a model whose migration is not written yet
                print(f"warning: benchmark project {project.slug} left in {os.environ['PLATFORM_VAR_DIR']}: "
                      f"{str(exc).splitlines()[0]}", file=sys.stderr)
        self.projects.clear()

    def _stop_services(self) -> None:
        if self.keep_services or os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
            return
        from agent_platform import embedded

        if not self._services_before.get("postgres") and not os.environ.get("DATABASE_URL"):
            embedded.stop_postgres()
        if not self._services_before.get("redis") and not os.environ.get("REDIS_URL"):
            embedded.stop_redis()


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _died(child: Child) -> bool:
    return not child.alive()


def scripted_agent(project: Any, name: str, script: list[dict[str, Any]], **body: Any) -> Any:
    """An agent with one version whose model is the deterministic scripted provider."""
    from agents import services

    agent = services.create_agent(project=project, name=name)
    services.create_agent_version(agent=agent, body={"model": f"scripted/{name}",
                                                     "model_settings": {"script": script},
                                                     "instructions": "Be brief.", **body})
    return agent


TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")


def wait_terminal(run_ids: Sequence[str], *, timeout_s: float, interval_s: float = 0.05) -> None:
    """Wait until every run is in a terminal status (polls the database)."""
    from runs.models import Run

    def done() -> bool:
        return Run.objects.filter(pk__in=run_ids, status__in=TERMINAL).count() == len(run_ids)

    wait_until(done, timeout_s=timeout_s, what=f"{len(run_ids)} runs to finish", interval_s=interval_s)


# --- figures -----------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def p50(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


@dataclass
class Row:
    """One line of a result table; `passed` is None for figures without a budget."""

    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    budget: str = ""
    passed: bool | None = None


def print_table(title: str, rows: Sequence[Row]) -> None:
    header = ("figure", "measured", "baseline", "ratio", "budget", "result")
    cells = [header] + [(r.figure, r.value, r.baseline, r.ratio, r.budget,
                         "" if r.passed is None else ("PASS" if r.passed else "FAIL")) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))


def ms(value: float) -> str:
    return f"{value:.2f} ms"


# --- baseline child processes --------------------------------------------------------------------
def _rq_worker(url: str, queue: str) -> int:
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    worker = SimpleWorker([Queue(queue, connection=connection)], connection=connection,
                          name=f"bench-{queue}-{os.getpid()}")
    worker.work(burst=False, logging_level="WARNING")
    return 0


def _redis_sub(url: str, channel: str) -> int:
    """Subscribe, say `ready`, then record now - t for every `t` (ns) published until `stop`."""
    from redis import Redis

    pubsub = Redis.from_url(url).pubsub()
    pubsub.subscribe(channel)
    for message in pubsub.listen():  # Redis confirms the subscription before anything is delivered
        if message["type"] == "subscribe":
            break
    print("ready", flush=True)
    latencies: list[int] = []
    for message in pubsub.listen():
        received = time.time_ns()
        if message["type"] != "message":
            continue
        if message["data"] == b"stop":
            break
        latencies.append(received - int(message["data"]))
    print(json.dumps(latencies), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "rq-worker":
        return _rq_worker(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "redis-sub":
        return _redis_sub(argv[2], argv[3])
    print(__doc__.strip().splitlines()[0] + " (a helper module: run the bench scripts that use it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
