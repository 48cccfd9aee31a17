"""Run status transitions, enforced in this one place.

queued → running → (waiting ⇄ running) → succeeded | failed | cancelled | timed_out.
A transition is a conditional UPDATE (`WHERE status IN allowed`) on a given cursor, so two
actors racing (a cancel from the API and a finishing worker) cannot both win. Callers write
the matching event on the same cursor inside the same transaction, so every run gets exactly
one terminal event.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from agent_platform.metrics import recorders as run_metrics
from runs import webhooks
from runs.event_log import INSERT_EVENT
from runs.models import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, TERMINAL, TIMED_OUT, WAITING

ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    RUNNING: (QUEUED, RUNNING),
    WAITING: (RUNNING,),
    QUEUED: (WAITING, RUNNING),  # an answered pause, or a run handed back by its worker, goes back to the queue
    SUCCEEDED: (RUNNING,),
    FAILED: (QUEUED, RUNNING, WAITING),
    CANCELLED: (QUEUED, RUNNING, WAITING),
    TIMED_OUT: (QUEUED, RUNNING, WAITING),
}

TERMINAL_EVENT = {SUCCEEDED: "run.succeeded", FAILED: "run.failed", CANCELLED: "run.cancelled",
                  TIMED_OUT: "run.timed_out"}
_COLUMNS = {"output", "error", "usage", "waiting_for", "started_at", "resumed_at", "finished_at", "lease_owner",
            "lease_expires_at", "cancel_requested"}


def _adapt(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, (dict, list)) else value


def transition(cursor, run_id: str, to: str, *, owner: str | None = None, lease_expired: bool = False, event=None,
               **fields: Any):
    """Move a run to `to` if its status allows it (and, with `owner`, if that worker holds its
    lease; with `lease_expired`, if nobody holds a live lease). Returns False if it did not move;
    else True, or — with `event` (a PendingEvent) — the seq given to that event, which is written
    by the same statement."""
    return _transition(cursor, run_id, to, owner=owner, lease_expired=lease_expired, event=event, **fields)[0]


def transition_notifying(cursor, run_id: str, to: str, *, owner: str | None = None, event, **fields: Any):
    """`transition` with an event, whose statement also answers whether an enabled webhook
    endpoint of the run's project is subscribed to the event's type (what `runs.webhooks.notify`
    would otherwise ask in a statement of its own). Returns (seq or False, subscribed)."""
    return _transition(cursor, run_id, to, owner=owner, event=event, subscribed=True, **fields)


def _transition(cursor, run_id: str, to: str, *, owner: str | None = None, lease_expired: bool = False, event=None,
                subscribed: bool = False, **fields: Any) -> tuple[Any, bool]:
    unknown = set(fields) - _COLUMNS
    if unknown:
        raise ValueError(f"not a run column: {sorted(unknown)}")
    now = datetime.now(UTC)
    if to in TERMINAL:
        fields.setdefault("finished_at", now)
        fields.update(lease_owner="", lease_expires_at=None)
    sets = ["status = %(to)s"] + [f"{name} = %({name})s" for name in fields]
    if to == RUNNING:
        sets.append("started_at = COALESCE(started_at, %(now)s)")
    params = {"to": to, "run_id": run_id, "allowed": list(ALLOWED_FROM[to]), "owner": owner, "now": now,
              **{name: _adapt(value) for name, value in fields.items()}}
    where = "id = %(run_id)s AND status = ANY(%(allowed)s)" + (" AND lease_owner = %(owner)s" if owner else "")
    if lease_expired:
        where += " AND (lease_owner = '' OR lease_expires_at IS NULL OR lease_expires_at < now())"
    if event is None:
        cursor.execute(f"UPDATE runs_run SET {', '.join(sets)} WHERE {where}", params)
        return cursor.rowcount == 1, False
    # One statement: the status change takes the event's seq, and the event is inserted from it.
    sets.append("last_seq = last_seq + 1")
    params.update(etype=event.type, ets=event.ts, edata=Jsonb(event.data), estep=event.step)
    wanted = f", {webhooks.subscribed_sql('moved.project_id', '%(etype)s')}" if subscribed else ", false"
    cursor.execute(
        f"WITH moved AS (UPDATE runs_run SET {', '.join(sets)} WHERE {where} RETURNING last_seq, started_at, "
        "project_id), "
        f"ev AS ({INSERT_EVENT} "
        "SELECT %(run_id)s, moved.last_seq, %(etype)s, %(ets)s, '', '', %(edata)s, %(estep)s, 0 FROM moved) "
        f"SELECT last_seq, started_at{wanted} FROM moved", params)
    row = cursor.fetchone()
    if row and to in TERMINAL:
        run_metrics.run_finished(cursor, run_id, to, times=(row[1], fields["finished_at"]))
    return (row[0], bool(row[2])) if row else (False, False)


def terminal_event_type(status: str) -> str:
    return TERMINAL_EVENT[status]


_CLAIM_SQL = f"""
WITH old AS (SELECT id, started_at IS NULL AS first FROM runs_run WHERE id = %(run)s FOR UPDATE),
claimed AS (
    UPDATE runs_run r SET lease_owner = %(owner)s, lease_expires_at = now() + make_interval(secs => %(lease)s),
        attempts = r.attempts + 1, status = 'running', started_at = COALESCE(r.started_at, %(now)s),
        last_seq = r.last_seq + (CASE WHEN old.first THEN 1 ELSE 0 END)
    FROM old WHERE r.id = old.id AND r.status = ANY(%(allowed)s)
        AND (r.lease_owner = '' OR r.lease_expires_at IS NULL OR r.lease_expires_at < now() OR r.lease_owner = %(hold)s)
    RETURNING r.last_seq, old.first, r.attempts, r.project_id, r.kind, r.agent_id, r.agent_version_id, r.workflow_id,
        r.workflow_version_id, r.environment
), ev AS (
    {INSERT_EVENT}
    SELECT %(run)s, claimed.last_seq, 'run.started', %(now)s, '', '',
           jsonb_build_object('attempt', claimed.attempts, 'worker', %(worker)s::text), -1, 0
    FROM claimed WHERE claimed.first
)
SELECT c.last_seq, c.first, c.attempts,
       c.first AND NOT EXISTS (SELECT 1 FROM runs_checkpoint cp WHERE cp.run_id = %(run)s) AS fresh,
       p.slug, c.kind, coalesce(a.name, w.name, ''), coalesce(av.number::text, wv.number::text, ''), c.environment,
       coalesce(av.body->>'model', '')
FROM claimed c JOIN accounts_project p ON p.id = c.project_id
LEFT JOIN agents_agent a ON a.id = c.agent_id LEFT JOIN agents_agentversion av ON av.id = c.agent_version_id
LEFT JOIN workflows_workflow w ON w.id = c.workflow_id LEFT JOIN workflows_workflowversion wv ON wv.id = c.workflow_version_id
"""


def claim_and_start(cursor, run_id: str, *, owner: str, worker: str, lease_s: float, hold: str = ""):
    """Take a runnable run whose lease is free (or held by `hold`: a caller that created the run
    held for itself, the eval runner) and move it to `running` — with its `run.started` event on
    the first start — in one statement, which also returns the run's metric labels.
    Returns (seq, first_start, attempts, ts, fresh), or None if the run is not ours to execute;
    `fresh`: a first start with no stored checkpoint (not a retry or fork), so nothing of an
    earlier execution is stored."""
    now = datetime.now(UTC)
    cursor.execute(_CLAIM_SQL, {"run": run_id, "owner": owner, "lease": lease_s, "now": now, "worker": worker,
                                "allowed": list(ALLOWED_FROM[RUNNING]), "hold": hold})
    row = cursor.fetchone()
    if row:
        run_metrics.run_claimed(cursor, run_id, first_start=row[1], labels_row=row[4:10])
    return (row[0], row[1], row[2], now, bool(row[3])) if row else None
