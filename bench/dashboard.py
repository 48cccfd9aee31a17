"""Dashboard overview from the hourly rollups, against a naive aggregate over the runs table.

    .venv/bin/python bench/dashboard.py [--runs 100000] [--days 30] [--repeat 15]

On isolated embedded services (var/bench): a project with 10 agents × 2 versions and `--runs`
finished runs (one model span each) spread over `--days` days, inserted in one SQL statement.
Then: the first full rollup pass (`dashboards.rollups.rollup_runs`), an incremental pass after
1,000 more runs — the scheduler's every-minute job, timed with the `runs_run.finished_at` index
(dashboards migration 0003) and, in a transaction rolled back afterwards, without it — and the overview page (`GET /admin/?project=…&range=…`, the whole Django view,
template and SVG charts, logged in as a superuser) for each range, `--repeat` times. Baseline,
in the same run: the same figures (per-step counts by status, p50/p95 duration, tokens, cost,
top failing agents) computed by one naive aggregate query over `runs_run`.
Budget (ARCHITECTURE §7): the overview of a project with 100k runs answers in < 300 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Row, Stack, p50, p95, print_table, scripted_agent  # noqa: E402

BUDGET_MS = 300.0

_SEED_SQL = """
INSERT INTO runs_run (id, project_id, kind, agent_id, agent_version_id, environment, status, input, usage, metadata,
    webhook_url, timeout_s, cancel_requested, last_seq, lease_owner, attempts, created_at, started_at, finished_at)
SELECT 'run_bench' || %(tag)s || g, %(project)s, 'agent', v.agent_id, v.id, (ARRAY['dev','stage','prod'])[1 + g %% 3],
    CASE WHEN g %% 17 = 0 THEN 'failed' WHEN g %% 41 = 0 THEN 'timed_out' WHEN g %% 97 = 0 THEN 'cancelled'
         ELSE 'succeeded' END,
    '{}'::jsonb,
    jsonb_build_object('input_tokens', 100 + g %% 900, 'output_tokens', 20 + g %% 200, 'cost_usd', (g %% 50) / 10000.0),
    '{}'::jsonb, '', 300, false, 5, '', 1, t.finished - interval '2 seconds', t.finished - t.took, t.finished
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT now() - (%(span_s)s * random() + 0 * g) * interval '1 second' AS finished,
                           (50 + 8000 * random() ^ 3 + 0 * g) * interval '1 millisecond' AS took) t
JOIN LATERAL (SELECT id, agent_id FROM agents_agentversion WHERE agent_id = ANY(%(agents)s)
              ORDER BY id OFFSET (g %% %(versions)s) LIMIT 1) v ON true
"""
_SPANS_SQL = """
INSERT INTO runs_span (id, run_id, parent_id, kind, name, status, started_at, ended_at, duration_ms, input_tokens,
    output_tokens, cost_usd, attributes)
SELECT md5(r.id), r.id, '', 'model', 'scripted/agent-' || (1 + abs(hashtext(r.agent_id)) %% 10),
    CASE WHEN r.status = 'succeeded' THEN 'ok' ELSE 'error' END, r.started_at, r.finished_at,
    extract(epoch FROM r.finished_at - r.started_at) * 1000, (r.usage->>'input_tokens')::int,
    (r.usage->>'output_tokens')::int, (r.usage->>'cost_usd')::float8, '{}'::jsonb
FROM runs_run r WHERE r.project_id = %(project)s AND r.id LIKE 'run_bench' || %(tag)s || '%%'
"""
# The overview's figures straight from the runs: what a dashboard without rollups would run.
_NAIVE_SQL = """
WITH r AS (
    SELECT date_trunc(%(step)s, finished_at) AS step, status, agent_id,
           extract(epoch FROM finished_at - started_at) * 1000 AS ms,
           (usage->>'input_tokens')::numeric + (usage->>'output_tokens')::numeric AS tokens,
           (usage->>'cost_usd')::float8 AS cost
    FROM runs_run WHERE project_id = %(project)s AND finished_at >= %(since)s
      AND status IN ('succeeded', 'failed', 'cancelled', 'timed_out')
)
SELECT 'series', step::text, count(*), count(*) FILTER (WHERE status = 'succeeded'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms),
       sum(tokens), sum(cost) FROM r GROUP BY step
UNION ALL
SELECT 'total', '', count(*), count(*) FILTER (WHERE status = 'succeeded'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms),
       sum(tokens), sum(cost) FROM r
UNION ALL
(SELECT 'failing', agent_id, count(*), count(*) FILTER (WHERE status IN ('failed', 'timed_out')), NULL, NULL, NULL,
        NULL FROM r GROUP BY agent_id ORDER BY 4 DESC LIMIT 5)
"""


def seed(project, agents: list, runs: int, days: float, tag: str) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_SEED_SQL, {"tag": tag, "project": project.pk, "n": runs, "span_s": days * 86400,
                                "agents": [a.pk for a in agents], "versions": 2 * len(agents)})
        cur.execute(_SPANS_SQL, {"project": project.pk, "tag": tag})
        cur.execute("ANALYZE runs_run")
    return time.perf_counter() - started


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


class _Undo(Exception):
    """Raised to roll back the index drop of `time_incremental(indexed=False)`."""


def time_incremental(repeat: int, *, indexed: bool) -> tuple[list[float], list[float], bool]:
    """Incremental rollup passes (the window of the last hour); `indexed=False` drops the
    `finished_at` index inside a transaction that is rolled back afterwards. Returns the pass
    times, the times of the pass's runs query alone (EXPLAIN ANALYZE of its SELECT: the part the
    index serves), and whether the planner used the index for it."""
    from django.db import connection, transaction

    from dashboards.rollups import _RUNS_SQL, high_water, rollup_runs, window_start

    timings: list[float] = []
    selects: list[float] = []
    used_index = False
    select_sql = "SELECT" + _RUNS_SQL.split("SELECT", 1)[1]
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                if not indexed:
                    cur.execute("DROP INDEX run_finished_at_rollup")
            for _ in range(repeat):
                timings.append(rollup_runs().duration_ms)
            with connection.cursor() as cur:
                params = {"start": window_start(high_water())}
                for _ in range(repeat):
                    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + select_sql, params)
                    [plan] = cur.fetchone()[0]
                    selects.append(plan["Execution Time"])
                used_index = "run_finished_at_rollup" in json.dumps(plan)
            if not indexed:
                raise _Undo
    except _Undo:
        pass
    return timings, selects, used_index


def time_overview(client, project, range_key: str, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(f"/admin/?project={project.slug}&range={range_key}")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b"dashboard-overview" not in response.content:
            raise RuntimeError(f"overview answered {response.status_code}")
        timings.append(elapsed)
    return timings[1:]  # the first request warms the template and URL caches


def time_figures(project, range_key: str, repeat: int) -> list[float]:
    """The overview's own work without the admin page around it: selectors and charts."""
    from dashboards import selectors
    from dashboards.chart_sets import run_charts

    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        win = selectors.window(range_key)
        data = selectors.overview(project, win)
        run_charts(data.series)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def profile_page(client, project, range_key: str) -> None:
    import cProfile
    import pstats

    client.get(f"/admin/?project={project.slug}&range={range_key}")  # warm: imports, templates, URL caches
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(f"/admin/?project={project.slug}&range={range_key}")
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(60)


def time_naive(project, range_key: str, repeat: int) -> list[float]:
    from django.db import connection

    from dashboards.selectors import window

    win = window(range_key)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(_NAIVE_SQL, {"project": project.pk, "since": win.since, "step": win.step})
            cur.fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one overview request to stderr")
    args = parser.parse_args()
    with Stack() as stack:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from agent_platform.static_files import ensure_static_collected
        from agents import services as agent_services
        from dashboards.rollups import rollup_runs

        ensure_static_collected()
        project, _ = stack.project("bench-dash")
        agents = []
        for index in range(10):
            agent = scripted_agent(project, f"agent-{index + 1}", [{"echo": True}])
            agent_services.create_agent_version(agent=agent, body={
                "model": f"scripted/agent-{index + 1}", "model_settings": {"script": [{"echo": True}]},
                "instructions": "Be briefer."})
            agents.append(agent)
        seeded_s = seed(project, agents, args.runs, args.days, "a")
        first = rollup_runs(rebuild=True)
        seed(project, agents, 1000, 1 / 24, "b")  # the last hour's new runs
        incremental = rollup_runs()
        with_index, select_indexed, index_used = time_incremental(args.repeat, indexed=True)
        without_index, select_unindexed, _ = time_incremental(args.repeat, indexed=False)
        User = get_user_model()
        user = User.objects.filter(username="bench-dashboards").first() or User.objects.create_superuser(
            "bench-dashboards", password=None)
        client = Client()
        client.force_login(user)
        rows = [Row("load average (1 / 5 / 15 min) before the timings", load_average()),
                Row("seed: runs + model spans inserted", f"{args.runs + 1000:,}", f"{seeded_s:.1f} s"),
                Row("rollup: first full pass", f"{first.duration_ms:.0f} ms",
                    f"{first.run_rows:,} run rows, {first.model_rows:,} model rows"),
                Row("rollup: incremental pass (1,000 new runs)", f"{incremental.duration_ms:.0f} ms",
                    f"window from {incremental.window_start:%H:%M} UTC"),
                Row("rollup: incremental pass, finished_at index: p50 / p95",
                    f"{p50(with_index):.1f} / {p95(with_index):.1f} ms",
                    f"no index {p50(without_index):.1f} / {p95(without_index):.1f} ms",
                    f"{p50(without_index) / p50(with_index):.1f}x faster",
                    "planner uses the index", index_used),
                Row("rollup: its runs query alone (EXPLAIN ANALYZE): p50 / p95",
                    f"{p50(select_indexed):.1f} / {p95(select_indexed):.1f} ms",
                    f"no index {p50(select_unindexed):.1f} / {p95(select_unindexed):.1f} ms",
                    f"{p50(select_unindexed) / p50(select_indexed):.1f}x faster")]
        if args.profile:
            profile_page(client, project, "30d")
        for range_key in ("24h", "7d", "30d"):
            page = time_overview(client, project, range_key, args.repeat)
            figures = time_figures(project, range_key, args.repeat)
            naive = time_naive(project, range_key, args.repeat)
            rows.append(Row(f"overview figures + charts, range {range_key}: p50 / p95",
                            f"{p50(figures):.1f} / {p95(figures):.1f} ms", "(selectors on rollups, no page)"))
            rows.append(Row(f"overview page, range {range_key}: p50 / p95", f"{p50(page):.1f} / {p95(page):.1f} ms",
                            f"naive query {p50(naive):.1f} / {p95(naive):.1f} ms",
                            f"{p50(naive) / p50(page):.1f}x faster", f"< {BUDGET_MS:.0f} ms", p95(page) < BUDGET_MS))
        rows.append(Row("load average (1 / 5 / 15 min) after the timings", load_average()))
        user.delete()
    print_table(f"Dashboard overview, {args.runs + 1000:,} runs over {args.days:g} days", rows)
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
