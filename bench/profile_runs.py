"""Where the CPU of one trivial run goes: the create path and the worker's execution, in-process.

    BENCH_VAR_DIR=$PWD/var/bench-<name> .venv/bin/python bench/profile_runs.py [--runs 200] [--top 40]

In this process (the benchmark's own embedded services, as bench/run_throughput.py):
- statements per POST /api/v1/runs and per `execute_run` of a fresh run, counted at psycopg's
  `Cursor.execute` in this process (the model call's pool thread included);
- per-piece CPU (time.process_time over 300 calls each): the API-key lookup, the caller's limits,
  the agent + version a create pins, the project's redactor, RunOut, create_run, and a whole
  POST /api/v1/runs and GET /api/v1/runs/{id} through Django's test client (all middleware and
  DRF; not Daphne's ASGI hop);
- `cProfile.Profile(time.process_time)` over `--runs` sequential POSTs, then over as many
  `runs.tasks.execute_run` calls (what a worker does per job, minus RQ), then over a platform
  worker (`runs.worker.PlatformWorker`, burst mode, in this process) executing as many runs
  created with `create_run` (the job with RQ's own handling: the difference to the previous one
  is RQ's share), printed by cumulative CPU (cProfile inflates Python-heavy code ~3x: use it to
  rank, the per-piece figures for sizes).

For PostgreSQL's side, count statements with `pg_stat_statements` (docs/benchmarks.md says how).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, scripted_agent  # noqa: E402


@contextlib.contextmanager
def counting_statements() -> Iterator[collections.Counter]:
    """Counts the statements this process sends through psycopg (`Cursor.execute`: Django's
    cursors and the run writer's), by their first 60 characters, and the explicit commits."""
    import psycopg

    counts: collections.Counter = collections.Counter()
    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def counted_execute(self, query, params=None, **kwargs):
        counts[" ".join(str(query).split())[:60]] += 1
        return execute(self, query, params, **kwargs)

    def counted_commit(self):
        counts["(commit)"] += 1
        return commit(self)

    psycopg.Cursor.execute, psycopg.Connection.commit = counted_execute, counted_commit
    try:
        yield counts
    finally:
        psycopg.Cursor.execute, psycopg.Connection.commit = execute, commit


def per_call_ms(fn, calls: int = 300) -> float:
    fn()
    started = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - started) * 1000 / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--top", type=int, default=40, help="functions printed per profile")
    parser.add_argument("--dump", type=Path, default=None,
                        help="also write each profile there (pstats files: post.prof, execute.prof, worker.prof)")
    args = parser.parse_args()
    with Stack() as stack:
        project, raw_key = stack.project("bench-profile")
        scripted_agent(project, "trivial", [{"text": "ok"}])
        from django.test import Client

        from accounts.redaction_policy import redactor_for
        from accounts.selectors import active_api_key
        from agents import selectors as agent_selectors
        from limits.selectors import applicable_limits
        from runs.api.serializers import RunOut
        from runs.queue import QUEUE
        from runs.services import _agent_and_latest, create_run
        from runs.tasks import execute_run

        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_HOST="127.0.0.1")

        def post() -> str:
            response = client.post("/api/v1/runs", {"agent": "trivial", "input": {"message": "m"}},
                                   content_type="application/json")
            assert response.status_code == 201, response.content
            return response.json()["id"]

        key = active_api_key(raw_key)
        run = create_run(project=project, agent="trivial", input={"message": "x"})
        pieces = {
            "API-key lookup (active_api_key)": lambda: active_api_key(raw_key),
            "caller's limits (applicable_limits)": lambda: applicable_limits(project, key),
            "agent + latest version (create's lookup)": lambda: _agent_and_latest(project, "trivial"),
            "agent + latest version (the selectors)": lambda: agent_selectors.resolve_version(
                agent_selectors.get_agent_for_run(project, "trivial")),
            "project redactor (redactor_for)": lambda: redactor_for(project),
            "RunOut(run).data": lambda: RunOut(run).data,
            "create_run (no HTTP)": lambda: create_run(project=project, agent="trivial", input={"message": "x"}),
            "POST /api/v1/runs (test client)": post,
            "GET /api/v1/runs/{id} (test client)": lambda: client.get(f"/api/v1/runs/{run.pk}"),
        }
        print("CPU per call, ms (300 calls each)")
        for label, fn in pieces.items():
            print(f"  {label:40s} {per_call_ms(fn):7.3f}")
        import django_rq

        counted = 20
        with counting_statements() as counts:
            fresh = [post() for _ in range(counted)]
        print(f"\nStatements per POST /api/v1/runs ({counted} POSTs): {sum(counts.values()) / counted:.1f}")
        for statement, n in counts.most_common():
            print(f"  {n / counted:4.1f}  {statement}")
        with counting_statements() as counts:
            for run_id in fresh:
                execute_run(run_id)
        print(f"Statements per execute_run of a fresh one-turn run ({counted} runs; the worker's run writer is "
              f"autocommit: one transaction each): {sum(counts.values()) / counted:.1f}")
        for statement, n in counts.most_common():
            print(f"  {n / counted:4.1f}  {statement}")
        django_rq.get_queue(QUEUE).empty()  # nothing executes the pieces' runs

        ids: list[str] = []

        def queue_runs() -> None:  # for the burst worker; created before its profile starts
            django_rq.get_queue(QUEUE).empty()  # the POSTs' jobs (their runs were executed above)
            for _ in range(args.runs):
                create_run(project=project, agent="trivial", input={"message": "x"})

        from runs.worker import run_worker

        steps = (("post", "POST /api/v1/runs", None, lambda: ids.extend(post() for _ in range(args.runs))),
                 ("execute", "execute_run (worker, minus RQ)", None, lambda: [execute_run(i) for i in list(ids)]),
                 ("worker", "platform worker, burst (RQ + execute_run)", queue_runs,
                  lambda: run_worker(queues=[QUEUE], name="bench-profile", burst=True)))
        for name, label, setup, body in steps:
            if setup is not None:
                setup()
            profile = cProfile.Profile(time.process_time)
            started = time.process_time()
            profile.enable()
            body()
            profile.disable()
            used = (time.process_time() - started) * 1000 / args.runs
            if args.dump is not None:
                args.dump.mkdir(parents=True, exist_ok=True)
                profile.dump_stats(args.dump / f"{name}.prof")
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(f"\n== {label}: {used:.2f} ms CPU per run under cProfile ({args.runs} runs)")
            print(out.getvalue())
        django_rq.get_queue(QUEUE).empty()
    return 0


if __name__ == "__main__":
    sys.exit(main())
