"""Persisted workflow benchmark: orchestration overhead per node with Postgres persistence, compared in
the same run against one bare `INSERT ... RETURNING` + commit per step and against LangGraph with its
Postgres checkpointer running the same three graphs.

    .venv/bin/python bench/workflow_persisted.py [--runs 30] [--no-langgraph] [--langgraph-durability sync|async]

- ours: `workflows.engine.WorkflowEngine.execute` (the worker's code path: compiled-graph cache, real
  services, RunStore as event sink + tracer + checkpoint store + ledger, events published on Redis) on
  `linear_graph(100)`, `fanout_graph(20)` and `loop_graph(50)` of bench/workflow_engine.py; per node =
  median run time / nodes executed (every executed node emits node.started/node.completed, has a span
  and a checkpoint delta). A run's time includes building its RunStore and the final flush. Pure nodes'
  deltas are written with the next write (decision 0002); `--write-every-node` writes each on its own.
- bare insert: one `INSERT INTO bench_event ... RETURNING id` of a small JSONB event per step on an
  autocommit connection (each statement its own transaction, so one commit per step), median; measured
  between our runs (after each run, as many inserts as it had nodes), as the machine's load varies.
- LangGraph: `bench/langgraph/graphs.py` run with `bench/.venv-langgraph/bin/python` (langgraph and
  langgraph-checkpoint-postgres live only in that venv: `python3 -m venv bench/.venv-langgraph &&
  bench/.venv-langgraph/bin/pip install langgraph langgraph-checkpoint-postgres "psycopg[binary]"`),
  `PostgresSaver` on the same database, durability "sync" (each step's checkpoint written before the next;
  `--langgraph-durability async` for LangGraph's default, which writes in the background).

Everything runs in a throwaway database (`bench_wf_<pid>`, migrated, dropped at the end) on the server
the settings point at (the embedded PostgreSQL by default; `PLATFORM_VAR_DIR` picks another).
Budget (ARCHITECTURE §7): ours <= 2x the bare insert and >= 2x faster than LangGraph on each graph.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agent_platform.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.workflow_engine import fanout_graph, linear_graph, loop_graph  # noqa: E402

OWNER = "bench/owner"
LANGGRAPH_PYTHON = ROOT / "bench" / ".venv-langgraph" / "bin" / "python"
GRAPHS = {"linear 100": (linear_graph(100), None), "fan-out 20 + join": (fanout_graph(20), None),
          "loop 50": (loop_graph(50), 50)}


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh, migrated database for the benchmark; Django and the run writer point at it."""
    from runs import db as run_db

    name = f"bench_wf_{os.getpid()}"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    run_db.reset()
    try:
        yield name
    finally:
        run_db.reset()
        connection.creation.destroy_test_db(name, verbosity=0)


def database_url() -> str:
    """A psycopg URL of the current database (unix socket or TCP), for the LangGraph subprocess."""
    conf = connection.settings_dict
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    if conf["HOST"].startswith("/"):
        return f"postgresql://{auth}@/{conf['NAME']}?host={conf['HOST']}"
    return f"postgresql://{auth}@{conf['HOST']}{':' + str(conf['PORT']) if conf['PORT'] else ''}/{conf['NAME']}"


def _runs_for(project, workflow, version, count: int) -> list:
    from runs.models import Run

    far = timezone.now() + timezone.timedelta(hours=1)
    return [Run.objects.create(project=project, kind="workflow", workflow=workflow, workflow_version=version,
                               input={"value": 1}, status="running", lease_owner=OWNER, lease_expires_at=far,
                               started_at=timezone.now(), timeout_s=600) for _ in range(count)]


def _execute(run) -> tuple[float, int]:
    from runs.leases import RunControl
    from runs.models import Checkpoint
    from runs.store import RunStore
    from workflows.engine import WorkflowEngine

    started = time.perf_counter()
    store = RunStore(run.pk, owner=OWNER)
    control = RunControl(run_id=run.pk, owner=OWNER, deadline=time.monotonic() + 600)
    WorkflowEngine().execute(run, store=store, control=control, secrets={})
    store.flush()
    elapsed = time.perf_counter() - started
    return elapsed, Checkpoint.objects.filter(run_id=run.pk).count()


class BareInserts:
    """One `INSERT ... RETURNING` of a small JSONB event per step, each committed on its own (autocommit)."""

    def __init__(self) -> None:
        import psycopg

        params = connection.get_connection_params()
        for key in ("cursor_factory", "context", "server_side_binding", "prepare_threshold"):
            params.pop(key, None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.cur = self.conn.cursor()
        self.cur.execute("CREATE TABLE IF NOT EXISTS bench_event (id bigserial PRIMARY KEY, run_id text NOT NULL, "
                         "seq int NOT NULL, type text NOT NULL, ts timestamptz NOT NULL DEFAULT now(), data jsonb)")
        self.seq = 0
        self.samples: list[float] = []
        self.steps(50)  # warm-up
        self.samples.clear()

    def steps(self, count: int) -> None:
        from psycopg.types.json import Jsonb

        for _ in range(count):
            self.seq += 1
            started = time.perf_counter()
            self.cur.execute("INSERT INTO bench_event (run_id, seq, type, data) VALUES (%s, %s, %s, %s) RETURNING id",
                             ("run_bench", self.seq, "node.completed",
                              Jsonb({"output": {"value": 1, "step": f"t{self.seq}"}, "latency_ms": 0.01})))
            self.cur.fetchone()
            self.samples.append(time.perf_counter() - started)

    def close(self) -> None:
        self.cur.close()
        self.conn.close()


def measure_ours(project, name: str, graph: dict[str, Any], runs: int, inserts: BareInserts) -> dict[str, Any]:
    """Median ms per executed node of the real engine with the RunStore on Postgres, interleaved with as
    many bare inserts as the run has nodes (so both see the same load on this shared machine)."""
    from runs.models import Event
    from workflows import services

    workflow = services.create_workflow(project=project, name=name.replace(" ", "-").replace("+", "plus"))
    version, _ = services.create_workflow_version(workflow=workflow, body={"graph": graph})
    for run in _runs_for(project, workflow, version, 3):  # warm-up
        _execute(run)
    inserts.samples.clear()
    times, nodes = [], 0
    for run in _runs_for(project, workflow, version, runs):
        elapsed, nodes = _execute(run)
        times.append(elapsed)
        inserts.steps(nodes)
    events = Event.objects.filter(run_id=run.pk, type="node.completed").count()
    assert events == nodes, f"{name}: {events} node.completed events for {nodes} checkpoints"
    median = statistics.median(times)
    return {"nodes": nodes, "run_ms": median * 1e3, "ms_per_node": median * 1e3 / nodes,
            "insert_ms": statistics.median(inserts.samples) * 1e3}


def measure_langgraph(url: str, graph: str, runs: int, durability: str) -> dict[str, Any] | None:
    """One graph's LangGraph figures from its own venv, or None (the reason on stderr) if unavailable."""
    if not LANGGRAPH_PYTHON.exists():
        print(f"LangGraph skipped: {LANGGRAPH_PYTHON} is missing (see the module docstring)", file=sys.stderr)
        return None
    done = subprocess.run([str(LANGGRAPH_PYTHON), str(ROOT / "bench" / "langgraph" / "graphs.py"), "--url", url,
                           "--runs", str(runs), "--graph", graph, "--durability", durability], capture_output=True, text=True, timeout=1800,
                          check=False)
    if done.returncode != 0:
        print(f"LangGraph failed:\n{done.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout)[graph]


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Each graph: ours interleaved with bare inserts, then LangGraph on the same graph, back to back."""
    from accounts import services as account_services

    project = account_services.create_project(slug=f"bench-{uuid.uuid4().hex[:6]}")
    inserts = BareInserts()
    rows = []
    try:
        for name, (graph, iterations) in GRAPHS.items():
            ours = measure_ours(project, name, graph, args.runs, inserts)
            theirs = None if args.no_langgraph else measure_langgraph(database_url(), name, args.runs,
                                                                      args.langgraph_durability)
            rows.append({"graph": name, "nodes": ours["nodes"], "ours_ms_per_node": ours["ms_per_node"],
                         "ours_run_ms": ours["run_ms"], "iterations": iterations, "insert_ms": ours["insert_ms"],
                         "ratio_to_insert": ours["ms_per_node"] / ours["insert_ms"],
                         "langgraph_ms_per_node": theirs["ms_per_node"] if theirs else None,
                         "langgraph_nodes": theirs["nodes"] if theirs else None,
                         "langgraph_run_ms": theirs["run_ms"] if theirs else None,
                         "speedup": theirs["ms_per_node"] / ours["ms_per_node"] if theirs else None})
    finally:
        inserts.close()
    return rows


def print_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    mode = "every node written on its own" if args.write_every_node else "pure nodes' deltas batched"
    print(f"persisted workflow step, median of {args.runs} runs per graph (Postgres: "
          f"{connection.settings_dict['HOST']}; ours: {mode}; LangGraph durability: {args.langgraph_durability})")
    print("budget: ours <= 2x one bare INSERT + commit, and >= 2x faster than LangGraph + PostgresSaver")
    print(f"{'graph':<20}{'nodes':>6}{'ours ms/node':>14}{'insert ms':>11}{'ratio':>7}{'LangGraph ms/node':>19}"
          f"{'speed-up':>10}  {'ok':>3}")
    for r in rows:
        lg = f"{r['langgraph_ms_per_node']:.3f} ({r['langgraph_nodes']})" if r["langgraph_ms_per_node"] else "-"
        speedup = f"{r['speedup']:.1f}x" if r["speedup"] else "-"
        ok = r["ratio_to_insert"] <= 2 and (r["speedup"] is None or r["speedup"] >= 2)
        print(f"{r['graph']:<20}{r['nodes']:>6}{r['ours_ms_per_node']:>14.3f}{r['insert_ms']:>11.3f}"
              f"{r['ratio_to_insert']:>7.2f}{lg:>19}{speedup:>10}  {'yes' if ok else 'NO':>3}")
        if r["iterations"]:
            per_iteration = r["ours_run_ms"] / r["iterations"]
            print(f"{'':<20}{'':>6}  (per loop iteration: ours {per_iteration:.3f} ms, 3 body nodes each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measured runs per graph (after 3 warm-up runs)")
    parser.add_argument("--no-langgraph", action="store_true")
    parser.add_argument("--langgraph-durability", default="sync", choices=["sync", "async"],
                        help="LangGraph's checkpoint mode: sync (written before the next step) or async")
    parser.add_argument("--write-every-node", action="store_true",
                        help="write each node's checkpoint on its own (no batching of pure nodes' deltas)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if args.write_every_node:
        from workflows.engine import WorkflowEngine

        WorkflowEngine.defer_pure_checkpoints = False
    with throwaway_database():
        rows = run_all(args)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows, args)


if __name__ == "__main__":
    main()
