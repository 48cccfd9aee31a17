"""Fill the hourly rollups from finished runs, incrementally.

Each pass recomputes every hour from `floor_hour(high_water - grace)` on, from the raw runs
(and their model spans; the per-target rows from the fresh detailed rows), and replaces those rollup rows in one transaction: a pass is
idempotent, a run whose transaction committed late (up to `grace` after its `finished_at`, or
anywhere inside the still-open hour) is counted on the next pass, and hours before the window are
never touched again. A transaction-level advisory lock serialises concurrent passes (the
scheduler and a manual `manage.py rollup_runs`). The new high-water mark is the database's
`now()`, so the clocks of the hosts that wrote `finished_at` only matter within `grace`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from dashboards.buckets import BUCKET_COUNT, sql_bucket_array
from dashboards.models import RollupState

STATE = "runs"
_LOCK_KEY = 7_214_003_001  # pg_advisory_xact_lock key of the rollup pass
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = "date_trunc('hour', r.finished_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
_RUN_MS = ("(CASE WHEN r.started_at IS NULL THEN NULL "
           "ELSE extract(epoch FROM r.finished_at - r.started_at) * 1000 END)")
_TERMINAL = "('succeeded', 'failed', 'cancelled', 'timed_out')"

_RUNS_SQL = f"""
INSERT INTO dashboards_runrolluphour (project_id, hour, target_kind, target_id, target_name, version, environment,
    model, runs, succeeded, failed, cancelled, timed_out, timed_runs, duration_sum_ms, duration_buckets,
    input_tokens, output_tokens, cost_usd)
SELECT r.project_id, {_HOUR}, r.kind, coalesce(r.agent_id, r.workflow_id, ''), coalesce(a.name, w.name, ''),
    coalesce(av.number, wv.number, 0), r.environment, coalesce(av.body->>'model', ''),
    count(*), count(*) FILTER (WHERE r.status = 'succeeded'), count(*) FILTER (WHERE r.status = 'failed'),
    count(*) FILTER (WHERE r.status = 'cancelled'), count(*) FILTER (WHERE r.status = 'timed_out'),
    count(d.ms), coalesce(sum(d.ms), 0), {sql_bucket_array("d.ms")},
    coalesce(sum((r.usage->>'input_tokens')::numeric), 0)::bigint,
    coalesce(sum((r.usage->>'output_tokens')::numeric), 0)::bigint,
    coalesce(sum((r.usage->>'cost_usd')::float8), 0)
FROM runs_run r
CROSS JOIN LATERAL (SELECT {_RUN_MS} AS ms) d
LEFT JOIN agents_agent a ON a.id = r.agent_id
LEFT JOIN agents_agentversion av ON av.id = r.agent_version_id
LEFT JOIN workflows_workflow w ON w.id = r.workflow_id
LEFT JOIN workflows_workflowversion wv ON wv.id = r.workflow_version_id
WHERE r.finished_at >= %(start)s AND r.status IN {_TERMINAL}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

_TARGETS_SQL = f"""
INSERT INTO dashboards_targetrolluphour (project_id, hour, target_kind, target_id, target_name, runs, succeeded,
    failed, cancelled, timed_out, timed_runs, duration_sum_ms, duration_buckets, input_tokens, output_tokens, cost_usd)
SELECT project_id, hour, target_kind, target_id, max(target_name), sum(runs), sum(succeeded), sum(failed),
    sum(cancelled), sum(timed_out), sum(timed_runs), sum(duration_sum_ms),
    ARRAY[{", ".join(f"sum(duration_buckets[{i + 1}])" for i in range(BUCKET_COUNT))}]::integer[],
    sum(input_tokens), sum(output_tokens), sum(cost_usd)
FROM dashboards_runrolluphour WHERE hour >= %(start)s
GROUP BY project_id, hour, target_kind, target_id
"""

_MODELS_SQL = f"""
INSERT INTO dashboards_modelrolluphour (project_id, hour, model, calls, errors, input_tokens, output_tokens,
    cost_usd, duration_sum_ms, duration_buckets)
SELECT r.project_id, {_HOUR}, s.name, count(*), count(*) FILTER (WHERE s.status <> 'ok'),
    coalesce(sum(s.input_tokens), 0), coalesce(sum(s.output_tokens), 0), coalesce(sum(s.cost_usd), 0),
    coalesce(sum(s.duration_ms), 0), {sql_bucket_array("s.duration_ms")}
FROM runs_run r JOIN runs_span s ON s.run_id = r.id AND s.kind = 'model'
WHERE r.finished_at >= %(start)s AND r.status IN {_TERMINAL}
GROUP BY 1, 2, 3
"""


@dataclass(frozen=True)
class RollupPass:
    window_start: datetime
    high_water: datetime
    run_rows: int
    model_rows: int
    duration_ms: float


def grace() -> timedelta:
    return timedelta(seconds=settings.PLATFORM_ROLLUP_GRACE_S)


def window_start(high_water: datetime | None) -> datetime:
    """The first hour a pass recomputes: the hour holding `high_water - grace` (all of time first)."""
    if high_water is None:
        return _EPOCH
    return (high_water - grace()).replace(minute=0, second=0, microsecond=0)


def rollup_runs(*, now: datetime | None = None, rebuild: bool = False) -> RollupPass:
    """One incremental pass (the scheduler's job; `now` is its tick and is not needed: the window
    follows the stored high-water mark). `rebuild=True` recomputes every hour from scratch."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        state = RollupState.objects.filter(name=STATE).first()
        start = window_start(None if rebuild or state is None else state.high_water)
        cursor.execute("SELECT now()")
        high_water = cursor.fetchone()[0]
        cursor.execute("DELETE FROM dashboards_runrolluphour WHERE hour >= %s", [start])
        cursor.execute("DELETE FROM dashboards_targetrolluphour WHERE hour >= %s", [start])
        cursor.execute("DELETE FROM dashboards_modelrolluphour WHERE hour >= %s", [start])
        cursor.execute(_RUNS_SQL, {"start": start})
        run_rows = cursor.rowcount
        cursor.execute(_TARGETS_SQL, {"start": start})
        cursor.execute(_MODELS_SQL, {"start": start})
        model_rows = cursor.rowcount
        elapsed = (time.perf_counter() - started) * 1000
        RollupState.objects.update_or_create(name=STATE, defaults={
            "high_water": high_water, "updated_at": high_water, "last_rows": run_rows + model_rows,
            "last_duration_ms": elapsed})
    return RollupPass(start, high_water, run_rows, model_rows, round(elapsed, 2))


def high_water() -> datetime | None:
    """Every run finished before this is in the rollups (None before the first pass)."""
    state = RollupState.objects.filter(name=STATE).only("high_water").first()
    return state.high_water if state else None
