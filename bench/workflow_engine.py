"""Workflow engine benchmarks: orchestration overhead per node, in memory.

    .venv/bin/python bench/workflow_engine.py [--runs 200] [--size-linear 100] [--size-fanout 20] [--size-loop 50]

Three graphs of `transform` nodes (the cheapest node: no I/O, so the figure is the engine's own
cost: scheduling, input mapping, node events, spans, one checkpoint delta per node):
- `linear_graph(100)`: Start -> 100 transforms in a chain -> End (102 nodes);
- `fanout_graph(20)`: Start -> 20 parallel transforms -> Join (all) -> End (23 nodes);
- `loop_graph(50)`: Start -> Loop of 50 iterations whose body is Start -> transform -> End -> End
  (3 + 3 x 50 = 153 nodes executed).
Stores: `MemoryCheckpointStore`, `CollectingSink`, `NullTracer`. Each run compiles its graph
(as a worker does without a per-version cache); `cached` reuses one compiled graph.
Figures: median µs per executed node (and per loop iteration) over `--runs` runs.

The builders are importable (`from bench.workflow_engine import linear_graph, ...`) so the
Postgres / LangGraph comparison runs the very same graphs.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.events import CollectingSink, NullTracer
from runtime.graph import compile_graph, run_graph, validate_graph
from runtime.store import MemoryCheckpointStore


def _transform(node_id: str, source: str) -> dict[str, Any]:
    return {"id": node_id, "type": "transform", "inputs": {"value": source, "step": node_id}}


def linear_graph(n: int = 100) -> dict[str, Any]:
    """Start -> n transforms in a chain (each reads its predecessor's output) -> End."""
    nodes = [{"id": "start", "type": "start"}]
    edges = []
    previous, source = "start", "$.input.value"
    for i in range(n):
        node_id = f"t{i}"
        nodes.append(_transform(node_id, source))
        edges.append({"from": previous, "to": node_id})
        previous, source = node_id, f"$.nodes.{node_id}.output.value"
    nodes.append({"id": "end", "type": "end", "inputs": {"value": source}})
    edges.append({"from": previous, "to": "end"})
    return {"nodes": nodes, "edges": edges}


def fanout_graph(n: int = 20) -> dict[str, Any]:
    """Start -> n parallel transforms -> Join (wait all, merge by id) -> End."""
    branches = [f"b{i}" for i in range(n)]
    nodes = [{"id": "start", "type": "start"}, *[_transform(b, "$.input.value") for b in branches],
             {"id": "join", "type": "join", "config": {"wait": "all", "merge": "object"}},
             {"id": "end", "type": "end", "inputs": {"count": n, "merged": "$.nodes.join.output"}}]
    edges = ([{"from": "start", "to": b} for b in branches] + [{"from": b, "to": "join"} for b in branches]
             + [{"from": "join", "to": "end"}])
    return {"nodes": nodes, "edges": edges}


def loop_graph(n: int = 50) -> dict[str, Any]:
    """Start -> Loop (n iterations of Start -> transform -> End, carrying a counter) -> End."""
    body = {"nodes": [{"id": "bs", "type": "start"},
                      {"id": "step", "type": "transform",
                       "inputs": {"value": "$.input.value", "index": "$.loop.index", "previous": "$.loop.last.index"}},
                      {"id": "be", "type": "end", "inputs": {"index": "$.nodes.step.output.index"}}],
            "edges": [{"from": "bs", "to": "step"}, {"from": "step", "to": "be"}]}
    loop = {"id": "loop", "type": "loop", "inputs": {"value": "$.input.value"},
            "config": {"body": body, "max_iterations": n,
                       "condition": {"left": "$.loop.index", "op": "lt", "right": n}}}
    return {"nodes": [{"id": "start", "type": "start"}, loop,
                      {"id": "end", "type": "end", "inputs": {"last": "$.nodes.loop.output.index"}}],
            "edges": [{"from": "start", "to": "loop"}, {"from": "loop", "to": "end"}]}


def measure(graph: dict[str, Any], runs: int, cached: bool) -> tuple[float, int]:
    """Median seconds per run, and nodes executed per run."""
    target: Any = compile_graph(graph) if cached else graph
    times, steps = [], 0
    for i in range(runs):
        store, sink = MemoryCheckpointStore(), CollectingSink()
        started = time.perf_counter()
        result = run_graph(target, {"value": 1}, run_id=f"bench-{i}", checkpoints=store, sink=sink,
                           tracer=NullTracer())
        times.append(time.perf_counter() - started)
        steps = result.steps
        assert result.status == "succeeded" and len(store.deltas[f"bench-{i}"]) == steps
    return statistics.median(times), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--size-linear", type=int, default=100)
    parser.add_argument("--size-fanout", type=int, default=20)
    parser.add_argument("--size-loop", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    graphs = {f"linear {args.size_linear}": (linear_graph(args.size_linear), None),
              f"fan-out {args.size_fanout} + join": (fanout_graph(args.size_fanout), None),
              f"loop {args.size_loop}": (loop_graph(args.size_loop), args.size_loop)}
    rows = []
    for name, (graph, iterations) in graphs.items():
        assert validate_graph(graph) == [], validate_graph(graph)
        for cached in (False, True):
            measure(graph, max(args.runs // 10, 3), cached)  # warm up
            seconds, steps = measure(graph, args.runs, cached)
            rows.append({"graph": name, "compile": "cached" if cached else "per run", "nodes": steps,
                         "run_ms": round(seconds * 1e3, 3), "us_per_node": round(seconds / steps * 1e6, 2),
                         "us_per_iteration": round(seconds / iterations * 1e6, 2) if iterations else None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"workflow engine, in memory, median of {args.runs} runs (budget: < 50 µs per transform node)")
    print(f"{'graph':<22}{'compile':<10}{'nodes':>6}{'run ms':>10}{'µs/node':>10}{'µs/iter':>10}")
    for r in rows:
        per_iter = f"{r['us_per_iteration']:.1f}" if r["us_per_iteration"] else "-"
        print(f"{r['graph']:<22}{r['compile']:<10}{r['nodes']:>6}{r['run_ms']:>10.3f}{r['us_per_node']:>10.2f}"
              f"{per_iter:>10}")


if __name__ == "__main__":
    main()
