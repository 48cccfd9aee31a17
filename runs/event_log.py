"""The SQL that appends to a run's log: events (gap-free seq), checkpoint deltas and spans,
written in ONE statement so a persisted step costs one round trip.

The `seq` block is taken by incrementing `runs_run.last_seq` in the same statement (a row
lock serialises writers). With `lease_owner` given, the write only happens while that worker
still holds the run's lease (a fencing token): a worker that lost its lease writes nothing.
Works on any DB-API cursor of psycopg 3 (Django's or a raw connection's).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

_SEQS = """
WITH seqs AS (
    UPDATE runs_run SET last_seq = last_seq + %(n)s
    WHERE id = %(run_id)s AND (%(owner)s::text IS NULL OR lease_owner = %(owner)s::text)
    RETURNING last_seq - %(n)s AS base
)"""
# The head of every INSERT of events (this module's batches, lifecycle's transitions and claim, a new
# run's `run.queued` in runs.services).
INSERT_EVENT = "INSERT INTO runs_event (run_id, seq, type, ts, node_id, span_id, data, step, ordinal)"
_EVENTS = f""", ev AS (
    {INSERT_EVENT}
    SELECT %(run_id)s, seqs.base + e.ord, e.type, e.ts, e.node_id, e.span_id, e.data, e.step, e.ordinal
    FROM seqs, unnest(%(types)s::text[], %(tss)s::timestamptz[], %(node_ids)s::text[], %(span_ids)s::text[],
                      %(datas)s::jsonb[], %(steps)s::int[], %(ordinals)s::int[])
         WITH ORDINALITY AS e(type, ts, node_id, span_id, data, step, ordinal, ord)
)"""
_CHECKPOINTS = """, cp AS (
    INSERT INTO runs_checkpoint (run_id, idx, key, delta, created_at)
    SELECT %(run_id)s, c.idx, c.key, c.delta, now()
    FROM seqs, unnest(%(cp_idxs)s::int[], %(cp_keys)s::text[], %(cp_deltas)s::jsonb[]) AS c(idx, key, delta)
)"""
_SPANS = """, sp AS (
    INSERT INTO runs_span (id, run_id, parent_id, kind, name, status, started_at, ended_at, duration_ms,
                           input_tokens, output_tokens, cost_usd, attributes, error)
    SELECT s.id, %(run_id)s, s.parent_id, s.kind, s.name, s.status, s.started_at, s.ended_at, s.duration_ms,
           s.input_tokens, s.output_tokens, s.cost_usd, s.attributes, s.error
    FROM seqs, unnest(%(sp_ids)s::text[], %(sp_parents)s::text[], %(sp_kinds)s::text[], %(sp_names)s::text[],
                      %(sp_statuses)s::text[], %(sp_starts)s::timestamptz[], %(sp_ends)s::timestamptz[],
                      %(sp_durations)s::float8[], %(sp_in)s::int[], %(sp_out)s::int[], %(sp_costs)s::float8[],
                      %(sp_attrs)s::jsonb[], %(sp_errors)s::jsonb[])
         AS s(id, parent_id, kind, name, status, started_at, ended_at, duration_ms, input_tokens, output_tokens,
              cost_usd, attributes, error)
    ON CONFLICT (id) DO NOTHING
)"""
_APPEND_SQL: dict[tuple[bool, bool, bool], str] = {}


def _append_sql(events: bool, checkpoints: bool, spans: bool) -> str:
    """The statement for what there is to write: a part with nothing to insert is left out (its
    empty arrays would still be dumped by psycopg and planned by PostgreSQL)."""
    key = (events, checkpoints, spans)
    sql = _APPEND_SQL.get(key)
    if sql is None:
        sql = _APPEND_SQL[key] = (_SEQS + (_EVENTS if events else "") + (_CHECKPOINTS if checkpoints else "")
                                  + (_SPANS if spans else "") + "\nSELECT base FROM seqs")
    return sql


@dataclass
class PendingEvent:
    type: str
    ts: datetime
    data: dict[str, Any]
    node_id: str = ""
    span_id: str = ""
    step: int = 0
    ordinal: int = 0


@dataclass
class PendingSpan:
    id: str
    parent_id: str
    kind: str
    name: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: float | None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    attributes: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None


class LeaseLost(Exception):
    """The run is no longer ours (another worker took it over): stop without writing."""


def append(cursor, run_id: str, events: list[PendingEvent], *, checkpoint: tuple[int, str, Any] | None = None,
           spans: list[PendingSpan] = (), owner: str | None = None,
           checkpoints: list[tuple[int, str, Any]] = ()) -> int:
    """Write events (+ optional checkpoints (idx, key, delta), one or several, and spans); returns the
    first seq - 1."""
    rows = [*checkpoints, *([checkpoint] if checkpoint else [])]
    params: dict[str, Any] = {"run_id": run_id, "owner": owner, "n": len(events)}
    if events:
        params.update(types=[e.type for e in events], tss=[e.ts for e in events],
                      node_ids=[e.node_id for e in events], span_ids=[e.span_id for e in events],
                      datas=[Jsonb(e.data) for e in events], steps=[e.step for e in events],
                      ordinals=[e.ordinal for e in events])
    if rows:
        params.update(cp_idxs=[r[0] for r in rows], cp_keys=[r[1] for r in rows], cp_deltas=[Jsonb(r[2]) for r in rows])
    if spans:
        params.update(
            sp_ids=[s.id for s in spans], sp_parents=[s.parent_id for s in spans],
            sp_kinds=[s.kind for s in spans], sp_names=[s.name for s in spans],
            sp_statuses=[s.status for s in spans], sp_starts=[s.started_at for s in spans],
            sp_ends=[s.ended_at for s in spans], sp_durations=[s.duration_ms for s in spans],
            sp_in=[s.input_tokens for s in spans], sp_out=[s.output_tokens for s in spans],
            sp_costs=[s.cost_usd for s in spans], sp_attrs=[Jsonb(s.attributes) for s in spans],
            sp_errors=[Jsonb(s.error) if s.error else None for s in spans])
    cursor.execute(_append_sql(bool(events), bool(rows), bool(spans)), params)
    row = cursor.fetchone()
    if row is None:
        raise LeaseLost(run_id)
    return row[0]


def event_dict(run_id: str, seq: int, event: PendingEvent) -> dict[str, Any]:
    """The public shape of an event (shared/API.md)."""
    out: dict[str, Any] = {"seq": seq, "run_id": run_id, "type": event.type,
                           "ts": event.ts.isoformat().replace("+00:00", "Z"), "data": event.data}
    if event.node_id:
        out["node_id"] = event.node_id
    if event.span_id:
        out["span_id"] = event.span_id
    return out
