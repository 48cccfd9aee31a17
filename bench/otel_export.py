"""What OTLP export of run traces costs a run: the same scripted agent run (one model call asking for
a tool, the tool, a final model call) executed in this process by the worker's executor, alternately
with export off and on, against a collector that answers at once, then against one that hangs
(every export waits out its timeout). Off and on alternate run by run, so a busy machine slows both
alike; the baseline of each row is its interleaved "off" runs.

    .venv/bin/python bench/otel_export.py [--runs 100] [--quick]

Rows: median and p95 milliseconds per run (`execute_run` only; creating the run is not timed), and
the ratio of medians. "Off" is the same process with the pipeline installed but the run executed
outside an export context, so it pays nothing for export except sharing the CPU with the exporter's
thread. The collector is a child process that answers 200 to every request (no decoding); the
hanging one accepts connections and never answers. Budget: export adds under 10 % to a run's
median, whatever the collector does.
"""
from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _stack import Row, Stack, free_port, p95, print_table, scripted_agent, wait_until  # noqa: E402

COLLECTOR = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def interleaved(agent: Any, runs: int, endpoint: str) -> tuple[list[float], list[float]]:
    """(off, on): per-run milliseconds of `runs` runs each, alternating, exporting to `endpoint`."""
    from runs import otel_export
    from runs.executor import execute_run
    from runs.models import Run

    otel_export.install(endpoint)
    version = agent.versions.get()
    off: list[float] = []
    on: list[float] = []
    try:
        for i in range(2 * (runs + 5)):  # the first five of each warm up
            run = Run.objects.create(project=agent.project, kind="agent", agent=agent, agent_version=version,
                                     input={"message": f"hi {i}"})
            exporting = i % 2 == 1
            started = time.perf_counter()
            if exporting:
                with otel_export.execution(run.pk, None):
                    status = execute_run(run.pk, worker_name="bench")
            else:
                status = execute_run(run.pk, worker_name="bench")
            elapsed = (time.perf_counter() - started) * 1000
            if status != "succeeded":
                raise SystemExit(f"run {run.pk} ended {status}: {Run.objects.get(pk=run.pk).error}")
            if i >= 10:
                (on if exporting else off).append(elapsed)
    finally:
        otel_export.uninstall()
    return off, on


def _answering(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="30 runs per block (CI)")
    args = parser.parse_args()
    runs = 30 if args.quick else args.runs
    os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "50"  # batches leave during the block, not after it
    os.environ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] = "2"  # the hanging collector holds each export 2 s
    with Stack() as stack:
        logging.getLogger("opentelemetry.exporter").setLevel(logging.CRITICAL)  # the hung exports' errors
        project, _ = stack.project("bench-otel")
        agent = scripted_agent(project, "bench-otel-agent", [
            {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "k", "value": "v"}}]},
            {"text": "done"}], tools=["kv"])
        port = free_port()
        stack.spawn("otlp-collector", [sys.executable, "-c", COLLECTOR, str(port)])
        wait_until(lambda: _answering(port), timeout_s=30, what="the collector")
        hanging = socket.socket()
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(64)  # connections complete in the backlog; nothing ever reads or answers
        try:
            answered_off, answered_on = interleaved(agent, runs, f"http://127.0.0.1:{port}")
            hung_off, hung_on = interleaved(agent, runs, f"http://127.0.0.1:{hanging.getsockname()[1]}")
        finally:
            hanging.close()

    def row(name: str, off: list[float], on: list[float]) -> Row:
        ratio = statistics.median(on) / statistics.median(off)
        return Row(name, f"{statistics.median(on):.2f} ms (p95 {p95(on):.2f})",
                   f"{statistics.median(off):.2f} ms (p95 {p95(off):.2f})", f"{ratio:.3f}x", "< 1.10x", ratio < 1.10)

    print_table(f"OTLP export cost per run (scripted agent: model, tool, model), {runs} runs each", [
        row("export to a collector that answers", answered_off, answered_on),
        row("export to a collector that hangs", hung_off, hung_on)])


if __name__ == "__main__":
    main()
