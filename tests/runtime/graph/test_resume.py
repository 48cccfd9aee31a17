"""Durability: a run whose worker dies mid-graph is completed by another worker from its
checkpoints, with every side effect happening once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.events import CollectingSink
from runtime.graph import GraphServices, run_graph
from runtime.store import MemoryCheckpointStore, MemoryLedger
from tests.runtime.graph.conftest import DemoService
from tests.runtime.graph.fakes import JsonlCheckpointStore, LedgerToolInvoker
from tests.runtime.graph.graphs import chain, node

ROOT = Path(__file__).resolve().parents[3]


class WorkerDied(BaseException):
    """Stands for the worker process dying: not an error the engine may catch."""


def order_graph(url: str, middle: dict) -> dict:
    return chain(node("start", "start"),
                 node("charge", "http", {"method": "POST", "url": f"{url}/charge"}, inputs={"json": "$.input"}),
                 middle,
                 node("notify", "http", {"method": "POST", "url": f"{url}/notify"},
                      inputs={"json": {"paid": "$.nodes.charge.output.status"}}),
                 node("end", "end", inputs={"notified": "$.nodes.notify.output.status"}))


def test_resume_after_a_crash_runs_only_what_was_not_completed(demo_service: DemoService) -> None:
    attempts: list[int] = []

    def check(_: dict) -> dict:
        attempts.append(1)
        if len(attempts) == 1:
            raise WorkerDied()
        return {"checked": True}

    store, ledger = MemoryCheckpointStore(), MemoryLedger()
    services = GraphServices(tools=LedgerToolInvoker({"check": check}))
    graph = order_graph(demo_service.url, node("check", "tool", {"tool": "check"}))
    with pytest.raises(WorkerDied):
        run_graph(graph, {"order": 7}, run_id="r", services=services, checkpoints=store, ledger=ledger)
    assert store.keys["r"] == ["node:start", "node:charge"]

    sink = CollectingSink()
    result = run_graph(graph, {"order": 7}, run_id="r", services=services, checkpoints=store, ledger=ledger,
                       sink=sink)
    assert result.output == {"notified": 200}
    assert demo_service.counts["/charge"] == 1 and demo_service.counts["/notify"] == 1
    assert [e["node_id"] for e in sink.events if e["type"] == "node.started"] == ["check", "notify", "end"]


def test_a_crash_between_a_side_effect_and_its_checkpoint_does_not_repeat_it(demo_service: DemoService) -> None:
    """The worker dies after the charge happened but before its checkpoint: the ledger answers the retry."""

    class DyingSink(CollectingSink):
        died = False

        def emit(self, type: str, data: dict, *, node_id: str | None = None, span_id: str | None = None) -> None:
            if type == "node.completed" and node_id == "charge" and not DyingSink.died:
                DyingSink.died = True
                raise WorkerDied()
            super().emit(type, data, node_id=node_id, span_id=span_id)

    store, ledger = MemoryCheckpointStore(), MemoryLedger()
    services = GraphServices(tools=LedgerToolInvoker())
    graph = order_graph(demo_service.url, node("mid", "transform", inputs={"x": 1}))
    with pytest.raises(WorkerDied):
        run_graph(graph, {"order": 7}, run_id="r", services=services, checkpoints=store, ledger=ledger,
                  sink=DyingSink())
    assert "node:charge" not in store.keys["r"]
    result = run_graph(graph, {"order": 7}, run_id="r", services=services, checkpoints=store, ledger=ledger)
    assert result.status == "succeeded"
    assert demo_service.counts["/charge"] == 1 and demo_service.counts["/notify"] == 1


WORKER = """
import json, sys
from runtime.graph import GraphServices, run_graph
from runtime.store import MemoryLedger
from tests.runtime.graph.fakes import JsonlCheckpointStore, LedgerToolInvoker
graph = json.loads(sys.argv[1])
run_graph(graph, {"order": 7}, run_id="killed", checkpoints=JsonlCheckpointStore(sys.argv[2]),
          services=GraphServices(tools=LedgerToolInvoker()), ledger=MemoryLedger())
print("finished")
"""


def test_a_worker_killed_mid_graph_is_completed_by_another(demo_service: DemoService, tmp_path: Path) -> None:
    """A real worker process is SIGKILLed while a node waits on the network; this process finishes the run."""
    graph = order_graph(demo_service.url,
                        node("wait", "http", {"method": "GET", "url": f"{demo_service.url}/hold"}))
    checkpoints = str(tmp_path / "checkpoints.jsonl")
    worker = subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(graph), checkpoints], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        assert demo_service.hold_reached.wait(30), worker.stderr.read() if worker.poll() is not None else "no /hold"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    store = JsonlCheckpointStore(checkpoints)
    assert [d["node"] for d in store.load_checkpoints("killed")] == ["start", "charge"]

    demo_service.release.set()
    sink = CollectingSink()
    result = run_graph(graph, {"order": 7}, run_id="killed", checkpoints=store, sink=sink,
                       services=GraphServices(tools=LedgerToolInvoker()))
    assert result.output == {"notified": 200}
    assert demo_service.counts["/charge"] == 1 and demo_service.counts["/notify"] == 1
    assert demo_service.counts["/hold"] == 2  # the interrupted read ran again; the side effects did not
    assert [e["node_id"] for e in sink.events if e["type"] == "node.started"] == ["wait", "notify", "end"]
