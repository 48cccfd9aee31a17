"""End-to-end run throughput with 1 and 2 workers, against bare RQ measured in the same run.

    .venv/bin/python bench/run_throughput.py [--quick] [--runs 500] [--clients 8] [--keep-services]

Starts its own Daphne and workers on isolated embedded services (var/bench). For 1 and then 2
workers (`manage.py platform_worker`, started and registered before the clock starts):

- baseline: `--runs` bare RQ no-op jobs enqueued one by one onto as many bare SimpleWorkers
  (other processes, same Redis): jobs/s = N / (last job's `ended_at` - first enqueue);
- HTTP: `--runs` runs of a one-turn scripted agent created with POST /api/v1/runs by
  `--clients` concurrent HTTP clients (threads with keep-alive `http.client` connections);
- in-process: the same created by `runs.services.create_run` in this process (no HTTP).

runs/s = N / (last run's `finished_at` - first create request), i.e. created → all terminal
(every run must succeed). The creation rate alone is shown too. Budget (ARCHITECTURE §7):
≥ 100 runs/s end to end with two workers.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Row, Stack, print_table, scripted_agent, wait_terminal, wait_until  # noqa: E402

AGENT = "trivial"
BUDGET_RUNS_PER_S = 100.0


# --- CPU accounting -------------------------------------------------------------------------------
class CpuMeter:
    """CPU seconds used by each part of the stack between two samples, and by the whole machine
    (`other` = machine busy time not used by the stack: the noise of a shared machine).

    PostgreSQL is the embedded postmaster plus its backends (live ones, and exited ones through
    the postmaster's reaped-children times); Redis reports its own (`INFO cpu`)."""

    def __init__(self, parts: dict[str, Sequence[int]]) -> None:
        import psutil

        self._psutil = psutil
        self.parts = {name: [psutil.Process(pid) for pid in pids] for name, pids in parts.items()}
        self.parts["bench"] = [psutil.Process()]
        self._postmaster = self._find_postmaster()

    def _find_postmaster(self) -> Any:
        from agent_platform import embedded

        pid_file = embedded.var_dir() / "pgdata" / "postmaster.pid"
        if os.environ.get("DATABASE_URL") or not pid_file.exists():
            return None
        return self._psutil.Process(int(pid_file.read_text().split()[0]))

    def sample(self) -> dict[str, float]:
        out = {name: sum(_cpu(p) for p in procs) for name, procs in self.parts.items()}
        if self._postmaster is not None:
            times = self._postmaster.cpu_times()
            out["postgres"] = (times.user + times.system + times.children_user + times.children_system
                               + sum(_cpu(child) for child in self._postmaster.children(recursive=True)))
        out["redis"] = _redis_cpu()
        out["machine"] = _machine_busy()
        return out

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        used = {name: after[name] - before[name] for name in before}
        used["other"] = used["machine"] - sum(v for k, v in used.items() if k != "machine")
        return used


def _cpu(process: Any) -> float:
    import psutil

    try:
        times = process.cpu_times()
    except psutil.Error:  # exited meanwhile: a backend's time is then in the postmaster's children times
        return 0.0
    return times.user + times.system


def _redis_cpu() -> float:
    from django.conf import settings
    from redis import Redis

    info = Redis.from_url(settings.REDIS_URL).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --- baseline ---------------------------------------------------------------------------------------
def rq_jobs_per_s(stack: Stack, workers: int, jobs: int) -> float:
    import uuid

    from django.conf import settings
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    name = f"bench-throughput-{uuid.uuid4().hex[:6]}"
    children = [stack.rq_worker(name) for _ in range(workers)]
    stack.wait_workers(children)
    connection = Redis.from_url(settings.REDIS_URL)
    queue = Queue(name, connection=connection)
    started = time.time()
    ids = [queue.enqueue("_stack.noop", result_ttl=600).id for _ in range(jobs)]
    wait_until(lambda: queue.finished_job_registry.count >= jobs, timeout_s=120, what="the no-op jobs",
               interval_s=0.01)
    ended = max(job.ended_at.timestamp() for job in Job.fetch_many(ids, connection=connection) if job)
    for child in children:
        stack.stop(child)
    return jobs / (ended - started)


# --- platform runs ----------------------------------------------------------------------------------
def create_over_http(base: str, key: str, runs: int, clients: int) -> list[str]:
    """`runs` POSTs from `clients` threads, each on its own keep-alive connection (the standard
    library's http.client: the load generator's CPU is part of the machine's budget; with httpx the
    benchmark process used 6-7.6 ms per run, with http.client 0.8-1.2 ms, on a quiet machine)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    address = urlsplit(base)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Host": address.netloc}
    local = threading.local()

    def create(index: int) -> str:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        body = json.dumps({"agent": AGENT, "input": {"message": f"m{index}"}})
        local.conn.request("POST", "/api/v1/runs", body=body, headers=headers)
        response = local.conn.getresponse()
        payload = response.read()
        if response.status != 201:
            raise RuntimeError(f"POST /api/v1/runs answered {response.status}: {payload[:300]!r}")
        return json.loads(payload)["id"]

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(create, range(runs)))


def create_in_process(project, runs: int) -> list[str]:
    from runs.services import create_run

    return [create_run(project=project, agent=AGENT, input={"message": f"m{index}"}).pk for index in range(runs)]


def finished(run_ids: list[str]) -> float:
    """The last run's finished_at (all must have succeeded)."""
    from django.db.models import Max

    from runs.models import Run

    runs = Run.objects.filter(pk__in=run_ids)
    failed = runs.exclude(status="succeeded").values_list("pk", "status", "error")[:3]
    if failed:
        raise RuntimeError(f"runs did not succeed: {list(failed)}")
    return runs.aggregate(last=Max("finished_at"))["last"].timestamp()


def measure(create, runs: int, meter: CpuMeter) -> tuple[float, float, dict[str, float]]:
    """(runs/s end to end, creations/s, CPU ms per run by part) for runs made by `create()`."""
    before = meter.sample()
    started = time.time()
    run_ids = create()
    created = time.time()
    wait_terminal(run_ids, timeout_s=300)
    used = CpuMeter.delta(before, meter.sample())
    return runs / (finished(run_ids) - started), runs / (created - started), \
        {part: seconds * 1000 / runs for part, seconds in used.items()}


def cpu_row(cpu: dict[str, float], label: str) -> Row:
    parts = ", ".join(f"{part} {cpu[part]:.1f}" for part in ("workers", "daphne", "bench", "postgres", "redis")
                      if part in cpu)
    return Row(f"  CPU ms per run ({label}): {parts}; other processes {cpu['other']:.1f}",
               f"{cpu['machine'] - cpu['other']:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sample sizes (CI), < 60 s")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (default 500, quick 100)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients creating runs")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded services running")
    args = parser.parse_args()
    runs = args.runs or (100 if args.quick else 500)

    with Stack(keep_services=args.keep_services) as stack:
        project, key = stack.project("bench-throughput")
        scripted_agent(project, AGENT, [{"text": "ok"}])
        base = stack.server()
        rows: list[Row] = []
        for count in (1, 2):
            baseline = rq_jobs_per_s(stack, count, runs)
            workers = [stack.platform_worker(f"bench-tp-{count}-{i}") for i in range(count)]
            stack.wait_workers(workers)
            meter = CpuMeter({"workers": [w.pid for w in workers], "daphne": [stack.server_child.pid]})
            http_rate, http_creation, http_cpu = measure(
                lambda: create_over_http(base, key, runs, args.clients), runs, meter)
            local_rate, local_creation, local_cpu = measure(lambda: create_in_process(project, runs), runs, meter)
            for child in workers:
                stack.stop(child)
            budget = count == 2
            rows += [
                Row(f"{count} worker(s): bare RQ no-op jobs", f"{baseline:.0f} jobs/s"),
                Row(f"{count} worker(s): runs created over HTTP ({args.clients} clients), end to end",
                    f"{http_rate:.0f} runs/s", f"RQ {baseline:.0f}/s", f"{http_rate / baseline:.2f}×",
                    "≥ 100/s" if budget else "", http_rate >= BUDGET_RUNS_PER_S if budget else None),
                Row("  creation rate over HTTP", f"{http_creation:.0f} runs/s"),
                cpu_row(http_cpu, "HTTP"),
                Row(f"{count} worker(s): runs created in-process (create_run), end to end",
                    f"{local_rate:.0f} runs/s", f"RQ {baseline:.0f}/s", f"{local_rate / baseline:.2f}×",
                    "≥ 100/s" if budget else "", local_rate >= BUDGET_RUNS_PER_S if budget else None),
                Row("  creation rate in-process", f"{local_creation:.0f} runs/s"),
                cpu_row(local_cpu, "in-process"),
            ]
        print_table(f"Throughput ({runs} one-turn scripted agent runs per measurement)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
