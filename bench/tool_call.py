"""Tool-call overhead: what the platform adds around a tool's own work, and the sandbox start-up.

    .venv/bin/python bench/tool_call.py [--calls 2000] [--sandbox-runs 30] [--skip-postgres]

Rows (p50 / p95 per call, microseconds), all measured in the same run with a no-op tool (its
own work is a dict literal, so everything measured is overhead):
1. bare function call: `tool.invoke(input, ctx)`, the floor.
2. in memory: registry lookup (`CompositeRegistry`: built-ins, then a project lookup) + `call_tool`
   (input validation, ledger check, the call in a bounded worker thread, output validation,
   ledger record, `tool.started`/`tool.completed` events, a `tool` span) with `MemoryLedger`,
   `CollectingSink` and `CollectingTracer`.
3. the same with the rate-limit check in front (one Redis round trip per call).
4. Postgres: the same `call_tool` with the run's `RunStore` as ledger, event sink and tracer (the
   worker's configuration: ledger SELECT + INSERT, two event INSERTs + Redis PUBLISH, the span).
5. custom tool resolution from Postgres (`tools.resolution.resolve_tool` of a custom HTTP tool:
   two queries and building the tool), what an agent run pays once per tool at start.
Then the sandbox start-up (`bench/sandbox_startup.py`: bare interpreter vs bubblewrap sandbox).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _stack import Row, Stack, p95, print_table  # noqa: E402

from runtime.events import CollectingSink, CollectingTracer  # noqa: E402
from runtime.store import MemoryLedger  # noqa: E402
from runtime.tools.base import ToolContext, ToolSpec  # noqa: E402
from runtime.tools.executor import call_tool  # noqa: E402
from runtime.tools.registry import BuiltinRegistry, CompositeRegistry, MappingRegistry  # noqa: E402

INPUT = {"city": "Paris", "days": 3}
WARMUP = 200


class NoopTool:
    spec = ToolSpec(name="noop", description="Does nothing.", side_effect="read_only", rate_limit_per_min=10**9,
                    input_schema={"type": "object", "properties": {"city": {"type": "string"},
                                                                   "days": {"type": "integer", "minimum": 1}},
                                  "required": ["city"], "additionalProperties": False},
                    output_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]})

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        return {"ok": True}


def per_call_us(call: Callable[[int], object], calls: int) -> list[float]:
    for i in range(WARMUP):
        call(-i - 1)
    samples = []
    for i in range(calls):
        started = time.perf_counter_ns()
        call(i)
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def interleaved(first: Callable[[int], object], second: Callable[[int], object],
                calls: int) -> tuple[list[float], list[float]]:
    """Per-call µs of two operations measured alternately (a loaded machine affects both alike)."""
    for i in range(WARMUP):
        first(-i - 1)
        second(-i - 1)
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(calls):
        for operation, out in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter_ns()
            operation(i)
            out.append((time.perf_counter_ns() - started) / 1000)
    return samples


def us(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):8.1f} µs  p95 {p95(samples):8.1f} µs"


def overhead_rows(name: str, samples: list[float], bare: list[float]) -> Row:
    extra = statistics.median(samples) - statistics.median(bare)
    return Row(name, us(samples), f"bare p50 {statistics.median(bare):.2f} µs", f"+{extra:.1f} µs")


def in_memory(calls: int, tool: Any) -> Callable[[int], object]:
    registry = CompositeRegistry(BuiltinRegistry(), MappingRegistry([tool]))
    ledger, sink, tracer = MemoryLedger(), CollectingSink(), CollectingTracer()
    run = uuid.uuid4().hex[:8]

    def call(i: int) -> object:
        key = f"{run}:turn{i}:call0"
        found = registry.get("noop")
        outcome = call_tool(found, INPUT, key=key, ctx=ToolContext(idempotency_key=key, project_id="bench"),
                            ledger=ledger, sink=sink, tracer=tracer)
        assert outcome.ok, outcome.error
        if i % 500 == 0:  # keep memory flat
            sink.events.clear()
            tracer.spans.clear()
        return outcome
    return call


def postgres_rows(stack: Stack, calls: int, bare: list[float]) -> list[Row]:
    from runs.models import Run
    from runs.store import RunStore
    from tools import services as tool_services
    from tools.resolution import resolve_tool

    project, _ = stack.project("bench-tools")
    agent = _agent(project)
    run = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=agent.versions.get(),
                             status="running")
    store = RunStore(run.pk)
    registry = CompositeRegistry(BuiltinRegistry(), MappingRegistry([NoopTool()]))

    def call(i: int) -> object:
        key = f"{run.pk}:turn{i}:call0"
        outcome = call_tool(registry.get("noop"), INPUT, key=key, ctx=ToolContext(idempotency_key=key),
                            ledger=store, sink=store, tracer=store)
        assert outcome.ok, outcome.error
        return outcome

    try:
        stored, insert = interleaved(call, _bare_insert(), calls)  # same conditions for both
    finally:
        store.flush()
        _drop_insert_table()
    tool_services.create_custom_tool(project=project, name="orders", body={
        "method": "GET", "url": "https://api.example.com/orders/{id}", "rate_limit_per_min": 60})
    resolved = per_call_us(lambda i: resolve_tool(project, "orders"), min(calls, 500))
    ratio = statistics.median(stored) / statistics.median(insert)
    return [overhead_rows("call_tool, Postgres RunStore (ledger+events+span)", stored, bare),
            Row("  for scale: one INSERT ... RETURNING + commit", us(insert), "", f"call = {ratio:.1f} inserts"),
            Row("resolve_tool, custom HTTP tool from Postgres", us(resolved), "once per tool per run start")]


def _bare_insert() -> Callable[[int], object]:
    """One JSONB row INSERT ... RETURNING + commit on the run writer connection (the reference unit;
    a regular, logged table, so the commit pays the WAL flush as the ledger and events do)."""
    from runs.db import writer

    with writer() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_tool_insert")
        cur.execute("CREATE TABLE bench_tool_insert (id bigserial PRIMARY KEY, data jsonb)")

    def insert(i: int) -> object:
        with writer() as cur:
            cur.execute("INSERT INTO bench_tool_insert (data) VALUES (%s::jsonb) RETURNING id",
                        (json.dumps({"type": "tool.completed", "i": i}),))
            return cur.fetchone()
    return insert


def _drop_insert_table() -> None:
    from runs.db import writer

    with writer() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_tool_insert")


def _agent(project: Any) -> Any:
    from _stack import scripted_agent

    return scripted_agent(project, "bench-tool-agent", [{"text": "ok"}])


def sandbox_rows(runs: int) -> None:
    import sandbox_startup

    from runtime.tools.sandbox import Sandbox, SandboxLimits

    sandbox = Sandbox(SandboxLimits())
    problem = sandbox.unavailable_reason()
    python = str(sandbox.python)
    import subprocess
    print(f"\nsandbox start-up, {runs} runs each (ms)")
    print(sandbox_startup.row("bare `python -I -S -c pass` subprocess", sandbox_startup.measure(
        lambda: subprocess.run([python, "-I", "-S", "-c", "pass"], check=True), runs)))
    if problem:
        print(f"sandbox unavailable: {problem}")
        return
    print(sandbox_startup.row("Sandbox.run('return 1') (bubblewrap)",
                              sandbox_startup.measure(lambda: sandbox.run("return 1"), runs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sandbox-runs", type=int, default=30)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    tool = NoopTool()
    ctx = ToolContext(idempotency_key="bare")
    bare = per_call_us(lambda i: tool.invoke(INPUT, ctx), args.calls)
    memory = per_call_us(in_memory(args.calls, tool), args.calls)
    rows = [Row("bare function call tool.invoke()", us(bare)),
            overhead_rows("registry + call_tool, in-memory ledger", memory, bare)]
    if args.skip_postgres:
        print_table(f"tool-call overhead, no-op tool, {args.calls} calls", rows)
    else:
        with Stack() as stack:
            from tools.rate_limits import RateLimitedTool

            limited = per_call_us(in_memory(args.calls, RateLimitedTool(NoopTool())), args.calls)
            rows.append(overhead_rows("+ rate-limit check (Redis)", limited, bare))
            rows += postgres_rows(stack, args.calls, bare)
            print_table(f"tool-call overhead, no-op tool, {args.calls} calls", rows)
    sandbox_rows(args.sandbox_runs)


if __name__ == "__main__":
    main()
