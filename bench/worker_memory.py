"""Worker memory soak: a worker's RSS over 1,000 consecutive runs stays flat (±10 %).

    .venv/bin/python bench/worker_memory.py [--quick] [--runs 1000] [--every 100] [--keep-services]

Starts one platform worker (`manage.py platform_worker`) on isolated embedded services
(var/bench) and feeds it `--runs` runs of a scripted agent that makes one `kv` tool call and
then answers (model turn, tool call with its ledger entry, checkpoints, spans, events: the
whole persisted path). Runs are created with `runs.services.create_run` in batches of
`--every`; after each batch has finished, the worker's RSS is sampled with psutil.

Printed: the RSS series, and the drift of every later sample against the first one (taken
after the first batch, when imports, caches and connection buffers are warm). Budget
(ARCHITECTURE §7): every sample within ±10 % of the first.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Row, Stack, print_table, scripted_agent, wait_terminal  # noqa: E402

AGENT = "soaker"
SCRIPT = [
    {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "last", "value": "{message}"}}]},
    {"text": "stored {message}"},
]
BUDGET = 0.10


def run_batch(project, start: int, count: int) -> None:
    from runs.models import Run
    from runs.services import create_run

    ids = [create_run(project=project, agent=AGENT, input={"message": f"message {start + i}"}).pk
           for i in range(count)]
    wait_terminal(ids, timeout_s=300, interval_s=0.1)
    failed = list(Run.objects.filter(pk__in=ids).exclude(status="succeeded").values_list("pk", "error")[:3])
    if failed:
        raise RuntimeError(f"runs did not succeed: {failed}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (CI), < 60 s")
    parser.add_argument("--runs", type=int, default=None, help="runs in total (default 1000, quick 300)")
    parser.add_argument("--every", type=int, default=None, help="runs between RSS samples (default 100, quick 50)")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded services running")
    args = parser.parse_args()
    total = args.runs or (300 if args.quick else 1000)
    every = args.every or (50 if args.quick else 100)

    import psutil

    with Stack(keep_services=args.keep_services) as stack:
        project, _ = stack.project("bench-memory")
        scripted_agent(project, AGENT, SCRIPT, tools=["kv"])
        worker = stack.platform_worker("bench-memory")
        stack.wait_workers([worker])
        process = psutil.Process(worker.pid)
        idle_mib = process.memory_info().rss / 2**20
        series: list[tuple[int, float]] = []
        started = time.monotonic()
        for done in range(every, total + 1, every):
            run_batch(project, done - every, every)
            series.append((done, process.memory_info().rss / 2**20))
        elapsed = time.monotonic() - started
        report(series, every, total, elapsed, idle_mib)
    return 0


def report(series: list[tuple[int, float]], every: int, total: int, elapsed: float, idle_mib: float) -> None:
    first = series[0][1]
    print(f"\nWorker RSS (MiB) after each batch of {every} runs; {total} runs in {elapsed:.1f} s "
          f"({total / elapsed:.0f} runs/s, including run creation); idle before the first run: {idle_mib:.1f} MiB")
    print("  runs    RSS MiB   vs first")
    for done, rss in series:
        print(f"  {done:>5}  {rss:>8.1f}  {(rss - first) / first:>+8.1%}")
    worst = max(abs(rss - first) / first for _, rss in series)
    drift = (series[-1][1] - first) / first
    print_table("Worker memory", [
        Row(f"RSS drift, after {series[0][0]} → after {series[-1][0]} runs", f"{drift:+.1%}", f"{first:.1f} MiB",
            "", "±10 %", abs(drift) <= BUDGET),
        Row("largest deviation of any sample from the first", f"{worst:.1%}", "", "", "±10 %", worst <= BUDGET),
    ])


if __name__ == "__main__":
    sys.exit(main())
