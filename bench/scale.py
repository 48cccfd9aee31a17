"""Scaling on one machine: API processes behind a load balancer, 1, 2 and 4 worker processes.

    .venv/bin/python bench/scale.py [--quick] [--runs 2000] [--api 2] [--workers 1,2,4] [--keep-services]

Starts its own Daphne processes (`--api`, default 2) behind HAProxy and, for each worker count,
that many `manage.py platform_worker` processes (separate processes, as separate hosts would be) on
one PostgreSQL and Redis. wrk (a Lua script, one unique token per run) creates `--runs` runs of a
scripted agent whose one tool call hits a local counter with the run's token, then answers; wrk is
bounded in count and in time. For each worker count it prints runs/s end to end (first create →
last finished), p50/p95/p99 create latency at the load balancer, the error rate, CPU ms per run by
component, and the audit: runs executed twice (a token counted twice), lost (created, never
executed) and unknown effects — all must be 0. The bare-RQ no-op rate with the same number of
workers is measured in the same run as the baseline. The reduced size runs in CI as
tests/e2e/test_scaling.py. Needs Debian's `haproxy` and `wrk` (`make test-tools`).
"""
from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Row, Stack, print_table, scripted_agent, wait_until  # noqa: E402
from load_tools import AGENT, EffectCounter, LoadBalancer, agent_script, audit, create_runs_with_wrk  # noqa: E402
from run_throughput import CpuMeter, rq_jobs_per_s  # noqa: E402

TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")


def measure(stack: Stack, balancer: LoadBalancer, key: str, project, counter: EffectCounter, api_pids: list[int],
            workers: int, runs: int, connections: int) -> list[Row]:
    from django.db.models import Max, Min

    from runs.models import Run

    children = [stack.platform_worker(f"bench-scale-{workers}-{i}") for i in range(workers)]
    stack.wait_workers(children)
    meter = CpuMeter({"workers": [c.pid for c in children], "daphne": api_pids, "haproxy": [balancer.proc.pid]})
    prefix = f"w{workers}-{uuid.uuid4().hex[:6]}"
    before = meter.sample()
    result = create_runs_with_wrk(balancer.url, key, runs=runs, threads=2, connections=connections, max_s=600,
                                  prefix=prefix)
    mine = Run.objects.filter(project=project, input__message__startswith=prefix + "-")
    wait_until(lambda: not mine.exclude(status__in=TERMINAL).exists(), timeout_s=600,
               what="every created run to end", interval_s=0.05)
    used = CpuMeter.delta(before, meter.sample())
    for child in children:
        stack.stop(child)
    rows = [(status, run_input["message"]) for status, run_input in mine.values_list("status", "input")]
    counts = counter.snapshot()
    report = audit(rows, {t: n for t, n in counts.items() if t.startswith(prefix + "-")})
    span = mine.aggregate(first=Min("created_at"), last=Max("finished_at"))
    rate = report.runs / (span["last"] - span["first"]).total_seconds()
    per_run = {part: seconds * 1000 / report.runs for part, seconds in used.items()}
    parts = ", ".join(f"{p} {per_run[p]:.1f}" for p in ("daphne", "workers", "postgres", "redis", "haproxy") if p in per_run)
    baseline = rq_jobs_per_s(stack, workers, min(runs, 1000))
    ok = report.succeeded == report.runs and not (report.executed_twice or report.never_executed
                                                   or report.unknown_effects) and result.error_rate == 0
    return [
        Row(f"{workers} worker(s): runs/s end to end ({report.runs} runs via HAProxy)", f"{rate:.0f} runs/s",
            f"RQ {baseline:.0f}/s", f"{rate / baseline:.2f}×", "all succeed, each once", ok),
        Row(f"  create latency p50 / p95 / p99 ({connections} connections)",
            f"{result.p50_ms:.1f} / {result.p95_ms:.1f} / {result.p99_ms:.1f} ms"),
        Row("  error rate (non-201 answers, socket errors)", f"{result.error_rate:.2%}"),
        Row("  executed twice / lost / unknown effects",
            f"{len(report.executed_twice)} / {len(report.never_executed)} / {len(report.unknown_effects)}"),
        Row(f"  CPU ms per run: {parts}; other processes {per_run['other']:.1f}",
            f"{per_run['machine'] - per_run['other']:.1f} ms"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 runs per worker count (CI-sized)")
    parser.add_argument("--runs", type=int, default=None, help="runs per worker count (default 2000)")
    parser.add_argument("--api", type=int, default=2, help="Daphne processes behind the load balancer")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded services running")
    args = parser.parse_args()
    runs = args.runs or (200 if args.quick else 2000)
    counts = [int(n) for n in args.workers.split(",")]

    with Stack(keep_services=args.keep_services) as stack, EffectCounter() as counter:
        project, key = stack.project("bench-scale")
        project.http_allowlist = ["127.0.0.1"]
        project.save(update_fields=["http_allowlist"])
        scripted_agent(project, AGENT, agent_script(counter.url), tools=["http"])
        bases, api_pids = [], []
        for _ in range(args.api):
            bases.append(stack.server())
            api_pids.append(stack.server_child.pid)
        balancer = LoadBalancer(bases, stack.log_dir)
        try:
            balancer.wait_ready()
            started = time.monotonic()
            rows: list[Row] = []
            for workers in counts:
                rows += measure(stack, balancer, key, project, counter, api_pids, workers, runs, args.connections)
        finally:
            balancer.stop()
        print_table(f"Scaling: {args.api} API processes behind HAProxy, {runs} runs per worker count "
                    f"({time.monotonic() - started:.0f} s)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
