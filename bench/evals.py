"""Eval runner throughput: N items at concurrency C against the ideal N·t/C, and promptfoo on the
same items in the same run.

    .venv/bin/python bench/evals.py [--items 200] [--delay-ms 50] [--concurrency 1,4,8] [--no-promptfoo]

Starts two platform workers on isolated embedded services (var/bench). The target is a scripted
agent whose model answers after `--delay-ms` (t). For each C, one eval of N items (`fresh`, so
nothing is reused) is created through `evals.eval_requests.create_eval` and run by the workers
on the `evals` queue; wall = the eval's `finished_at - created_at` (enqueue → report stored).
Budget (ARCHITECTURE §7): wall ≤ 1.25 × N·t/C. Overhead per item = (wall − ideal) · C / N.
CPU per item: each worker process's CPU time (user + system) over the eval, divided by N (the
coordinator is the worker that claimed the eval; the other one only competes for the cores).
The eval's end is polled every 0.2 s: the figure comes from the eval's own timestamps, so the
poll only needs to be cheap (at 10 ms it cost this process ~13 ms of CPU per item).

promptfoo (if installed in var/promptfoo: `npm install --ignore-scripts promptfoo@0.118.0 &&
npm rebuild better-sqlite3`): the same N items with an `equals` assertion through its HTTP
provider, against a local HTTP server answering after t, with `--max-concurrency C`; wall is
the `promptfoo eval` process time.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, Row, Stack, print_table, scripted_agent, wait_until  # noqa: E402

PROMPTFOO_DIR = ROOT / "var" / "promptfoo"
BUDGET = 1.25


def _cpu_s(processes: list) -> list[float]:
    times = [p.cpu_times() for p in processes]
    return [t.user + t.system for t in times]


def run_platform(stack: Stack, items: int, delay_s: float, levels: list[int]) -> list[Row]:
    import psutil

    from evals import eval_requests, services
    from evals.models import EvalRun

    workers = [stack.platform_worker(f"bench-evals-{i}") for i in range(2)]
    stack.wait_workers(workers)
    processes = [psutil.Process(w.pid) for w in workers]
    project, _ = stack.project("bench-evals")
    scripted_agent(project, "slow", [{"delay": delay_s, "echo": True}])
    services.create_dataset(project=project, name="bench", items=[{"id": f"i{n}", "input": f"question {n}",
                                                                   "expected": f"question {n}"} for n in range(items)])
    rows = []
    for concurrency in levels:
        cpu_before = _cpu_s(processes)
        eval_run = eval_requests.create_eval(project=project, data={
            "dataset": "bench", "target": {"agent": "slow"}, "metrics": [{"type": "exact"}], "fresh": True,
            "concurrency": concurrency})
        done = wait_until(lambda pk=eval_run.pk: EvalRun.objects.filter(pk=pk, status__in=("succeeded", "failed"))
                          .first(), timeout_s=items * delay_s * 3 + 120, what=f"eval at C={concurrency}",
                          interval_s=0.2)
        cpu = [(after - before) * 1000 / items for after, before in zip(_cpu_s(processes), cpu_before)]
        if done.status != "succeeded" or done.report["summary"]["exact"]["pass_rate"] != 1.0:
            raise RuntimeError(f"eval {done.pk} {done.status}: {done.error}")
        wall = (done.finished_at - done.created_at).total_seconds()
        ideal = items * delay_s / concurrency
        overhead = (wall - ideal) * concurrency / items
        rows.append(Row(f"platform C={concurrency}: wall", f"{wall:.2f} s", f"ideal {ideal:.2f} s",
                        f"{wall / ideal:.2f}x", f"<= {BUDGET}x", wall <= BUDGET * ideal))
        rows.append(Row(f"platform C={concurrency}: overhead per item", f"{overhead * 1000:.1f} ms"))
        rows.append(Row(f"platform C={concurrency}: wall's parts", _phases(done), "queue, setup, items, tail"))
        rows.append(Row(f"platform C={concurrency}: worker CPU per item (coordinator + other)",
                        " + ".join(f"{c:.1f}" for c in sorted(cpu, reverse=True)) + " ms",
                        f"load {os.getloadavg()[0]:.2f}"))
    EvalRun.objects.filter(project=project).delete()
    return rows


def _phases(done) -> str:
    """The wall's parts: waiting on the queue (created -> claimed), the setup before the first run
    starts, the items (first run started -> last result stored) and the tail (-> report stored)."""
    from django.db.models import Max, Min

    from evals.models import EvalResult
    from runs.models import Run

    first = Run.objects.filter(metadata__eval=done.pk).aggregate(t=Min("started_at"))["t"]
    last = EvalResult.objects.filter(eval=done).aggregate(t=Max("completed_at"))["t"]
    if first is None or last is None or done.started_at is None:
        return "n/a"
    parts = (done.started_at - done.created_at, first - done.started_at, last - first, done.finished_at - last)
    return " + ".join(f"{p.total_seconds():.2f}" for p in parts) + " s"


class _Target(BaseHTTPRequestHandler):
    delay_s = 0.05

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        time.sleep(self.delay_s)
        data = json.dumps({"text": body.get("message", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def run_promptfoo(items: int, delay_s: float, levels: list[int]) -> list[Row]:
    import yaml

    binary = PROMPTFOO_DIR / "node_modules" / ".bin" / "promptfoo"
    if not binary.exists():
        return [Row("promptfoo", "not installed (see the module docstring)")]
    _Target.delay_s = delay_s
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {"prompts": ["{{message}}"],
              "providers": [{"id": f"http://127.0.0.1:{server.server_port}/",
                             "config": {"method": "POST", "headers": {"Content-Type": "application/json"},
                                        "body": {"message": "{{message}}"}, "transformResponse": "json.text"}}],
              "tests": [{"vars": {"message": f"question {n}"},
                         "assert": [{"type": "equals", "value": f"question {n}"}]} for n in range(items)]}
    path = PROMPTFOO_DIR / "bench-config.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
           "PROMPTFOO_CONFIG_DIR": str(PROMPTFOO_DIR / ".promptfoo"), "PROMPTFOO_DISABLE_SHARING": "1"}
    rows = []
    try:
        for concurrency in levels:
            started = time.monotonic()
            done = subprocess.run([str(binary), "eval", "-c", str(path), "--max-concurrency", str(concurrency),
                                   "--no-cache", "--no-table", "--no-progress-bar", "-o",
                                   str(PROMPTFOO_DIR / "out.json")], cwd=PROMPTFOO_DIR, env=env,
                                  capture_output=True, text=True, timeout=600)
            wall = time.monotonic() - started
            ideal = items * delay_s / concurrency
            passes = None
            try:
                stats = json.loads((PROMPTFOO_DIR / "out.json").read_text())["results"]["stats"]
                passes = stats.get("successes")
            except (OSError, KeyError, ValueError):
                pass
            if done.returncode not in (0, 100) or passes != items:
                rows.append(Row(f"promptfoo C={concurrency}", f"failed (rc {done.returncode}, {passes} passed)",
                                done.stderr.strip().splitlines()[-1][:80] if done.stderr.strip() else ""))
                continue
            rows.append(Row(f"promptfoo C={concurrency}: wall", f"{wall:.2f} s", f"ideal {ideal:.2f} s",
                            f"{wall / ideal:.2f}x"))
    finally:
        server.shutdown()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", default="1,4,8")
    parser.add_argument("--no-promptfoo", action="store_true")
    parser.add_argument("--keep-services", action="store_true")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    delay_s = args.delay_ms / 1000
    with Stack(keep_services=args.keep_services) as stack:
        rows = run_platform(stack, args.items, delay_s, levels)
        if not args.no_promptfoo:
            rows += run_promptfoo(args.items, delay_s, levels)
    print_table(f"Evals: {args.items} items, scripted model t = {args.delay_ms:g} ms, two workers", rows)
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
