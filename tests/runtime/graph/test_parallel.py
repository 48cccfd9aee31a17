"""Ready nodes run in parallel: I/O branches really overlap in time."""
from __future__ import annotations

import threading

from runtime.graph import GraphServices, run_graph
from tests.runtime.graph.fakes import LedgerToolInvoker
from tests.runtime.graph.graphs import graph, node


def barrier_graph(width: int) -> dict:
    branches = [f"b{i}" for i in range(width)]
    return graph([node("start", "start"), *[node(b, "tool", {"tool": "meet"}) for b in branches],
                  node("join", "join", {"merge": "list"}), node("end", "end")],
                 [("start", b) for b in branches] + [(b, "join") for b in branches] + [("join", "end")])


def test_parallel_branches_overlap_in_time() -> None:
    """Each branch waits on a shared barrier: the run can only succeed if both are inside it at once."""
    barrier = threading.Barrier(2, timeout=5)

    def meet(_: dict) -> dict:
        return {"arrived": barrier.wait()}

    services = GraphServices(tools=LedgerToolInvoker({"meet": meet}))
    result = run_graph(barrier_graph(2), {}, run_id="r", services=services)
    assert sorted(item["arrived"] for item in result.output) == [0, 1]


def test_parallelism_is_bounded_by_max_parallel() -> None:
    from runtime.graph import RunLimits

    lock = threading.Lock()
    running = [0, 0]  # now, peak
    gate = threading.Barrier(2, timeout=5)

    def meet(_: dict) -> dict:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        gate.wait()
        with lock:
            running[0] -= 1
        return {}

    run_graph(barrier_graph(6), {}, run_id="r", services=GraphServices(tools=LedgerToolInvoker({"meet": meet})),
              limits=RunLimits(max_parallel=2))
    assert running[1] == 2
