"""The three benchmark graphs in LangGraph with its Postgres checkpointer (run by
bench/workflow_persisted.py with bench/.venv-langgraph/bin/python; not part of the platform).

    bench/.venv-langgraph/bin/python bench/langgraph/graphs.py --url postgresql://... [--runs 30]

Graphs equivalent to bench/workflow_engine.py: a chain of 100 nodes; a start node fanning out to 20
parallel nodes joined by one node; one node looping 50 times through a conditional edge. Each node
does what a `transform` node does (copy a value and name itself). Every run uses a fresh thread id.
Prints `{graph: {nodes, run_ms, ms_per_node, durability}}` as JSON, median of `--runs` runs.
"""
from __future__ import annotations

import argparse
import json
import operator
import statistics
import time
import uuid
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.graph import END, START, StateGraph


class Linear(TypedDict):
    value: int
    step: str


class Fanout(TypedDict):
    value: int
    results: Annotated[dict, operator.or_]
    merged: dict


class Loop(TypedDict):
    value: int
    index: int


def _copy(name: str):
    return lambda state: {"value": state["value"], "step": name}


def linear_graph(n: int = 100) -> tuple[StateGraph, int]:
    builder = StateGraph(Linear)
    previous = START
    for i in range(n):
        builder.add_node(f"t{i}", _copy(f"t{i}"))
        builder.add_edge(previous, f"t{i}")
        previous = f"t{i}"
    builder.add_edge(previous, END)
    return builder, n


def fanout_graph(n: int = 20) -> tuple[StateGraph, int]:
    builder = StateGraph(Fanout)
    builder.add_node("start", lambda state: {"value": state["value"]})
    branches = [f"b{i}" for i in range(n)]
    for name in branches:
        builder.add_node(name, (lambda nm: lambda state: {"results": {nm: {"value": state["value"], "step": nm}}})(name))
        builder.add_edge("start", name)
    builder.add_node("join", lambda state: {"merged": dict(state["results"])})
    builder.add_edge(START, "start")
    builder.add_edge(branches, "join")
    builder.add_edge("join", END)
    return builder, n + 2


def loop_graph(n: int = 50) -> tuple[StateGraph, int]:
    builder = StateGraph(Loop)
    builder.add_node("step", lambda state: {"value": state["value"], "index": state["index"] + 1})
    builder.add_edge(START, "step")
    builder.add_conditional_edges("step", lambda state: "step" if state["index"] < n else END)
    return builder, n


def measure(saver: PostgresSaver, builder: StateGraph, nodes: int, runs: int, durability: str,
            initial: dict[str, Any]) -> dict[str, Any]:
    graph = builder.compile(checkpointer=saver)
    limit = {"recursion_limit": nodes + 10}
    for _ in range(3):  # warm-up
        graph.invoke(initial, {"configurable": {"thread_id": uuid.uuid4().hex}, **limit}, durability=durability)
    times = []
    for _ in range(runs):
        config = {"configurable": {"thread_id": uuid.uuid4().hex}, **limit}
        started = time.perf_counter()
        graph.invoke(initial, config, durability=durability)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    return {"nodes": nodes, "run_ms": median * 1e3, "ms_per_node": median * 1e3 / nodes, "durability": durability}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="psycopg connection string")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--durability", default="sync", choices=["sync", "async", "exit"])
    parser.add_argument("--graph", default=None, help="only this graph (by name)")
    args = parser.parse_args()
    graphs = {"linear 100": (linear_graph(100), {"value": 1, "step": ""}),
              "fan-out 20 + join": (fanout_graph(20), {"value": 1, "results": {}, "merged": {}}),
              "loop 50": (loop_graph(50), {"value": 1, "index": 0})}
    out = {}
    with PostgresSaver.from_conn_string(args.url) as saver:
        saver.setup()
        for name, ((builder, nodes), initial) in graphs.items():
            if args.graph in (None, name):
                out[name] = measure(saver, builder, nodes, args.runs, args.durability, initial)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
