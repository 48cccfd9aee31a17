"""`RunStore`: the Django side of the engine's protocols for one executing run — event sink,
checkpoint store, tool-call ledger and tracer — over one process-wide writer connection.

Everything written (events, checkpoints, spans, tool results, the run's output and error) goes
through the project's one redactor (`accounts.redaction_policy.redactor_for`) first. Events are
buffered briefly and written together with checkpoints and spans in one
statement (runs/event_log.py), then published on Redis. Events the engine emits while
re-executing an interval that a dead worker had started are skipped if already stored (same
interval, same ordinal), so followers never see an event twice. Checkpoints the engine marks as
`deferrable` (a workflow's pure nodes and an agent's start checkpoint, which a resumed run
recomputes) wait for the next write, never past a `flush()` (the graph engine flushes before every
node that does I/O) or a status transition; batched events wait at most MAX_DELAY_S.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from agent_platform import artifacts
from runs import event_log, otel_export, pubsub
from runs.db import writer
from runs.event_log import PendingEvent, PendingSpan
from runtime.events import Span
from runtime.redaction import Redactor

# Events that may wait for the next write (a checkpoint follows soon, or they are high-volume).
# `model.completed`: the agent loop checkpoints the turn right after it (a Prompt node: its node
# checkpoint), so it goes out with that checkpoint instead of in a write of its own.
BATCHED = frozenset({"model.delta", "model.completed", "node.started", "node.completed", "node.skipped"})
MAX_DELAY_S = 0.02
BLOB_THRESHOLD = 64 * 1024
NAMESPACED = "ns:"  # checkpoint keys of sub-runs (an agent inside a workflow node): `ns:<node path>:<key>`


def _now() -> datetime:
    return datetime.now(UTC)


class RunStore:
    def __init__(self, run_id: str, *, owner: str | None = None, redactor: Redactor | None = None,
                 fresh: bool = False) -> None:
        self.run_id = run_id
        self.owner = owner  # lease owner: writes are fenced on it
        # The run's project's redactor; looked up from the run when not given (tests, tools).
        self.redactor = redactor or _project_redactor(run_id)
        self._lock = threading.RLock()
        self._events: list[PendingEvent] = []
        self._spans: list[PendingSpan] = []
        self._checkpoints: list[tuple[int, str, Any]] = []
        self._held: dict[tuple[str, str], str] = {}  # per (node, span): streamed text not sent yet
        self._first_buffered = 0.0
        # After `transition` with an event: whether a webhook endpoint of the project wants its type
        # (answered by the transition's own statement; None: not asked).
        self.subscribed: bool | None = None
        # Checkpoints whose key this returns True for may wait for the next write (never past a
        # `flush()`): a workflow's pure nodes and an agent's start, which a resumed run can recompute.
        self.deferrable: Callable[[str], bool] | None = None
        # `_idx` numbers every checkpoint row; `_step` counts only the engine's own (answers to
        # pauses and forks' state patches are checkpoints too, but no interval of events).
        # `_skip`: events of the current interval a dead worker already delivered. An answered
        # pause (`run.resumed`) starts afresh: the re-executed interval emits different events.
        # `fresh` (the claim saw a first start and no checkpoint, `leases.Claim`): all three are 0,
        # nothing is stored yet to load, and the run's usage is what this store's spans add up to.
        self._fresh = fresh
        self._model_usage = [0, 0, 0.0]  # input tokens, output tokens, cost of the model spans ended here
        if fresh:
            self._idx = self._step = self._skip = 0
        else:
            with writer() as cur:
                cur.execute(
                    "WITH cp AS (SELECT count(*) AS idx, count(*) FILTER (WHERE key NOT LIKE 'resume:%%' AND key NOT "
                    "LIKE 'patch:%%') AS step FROM runs_checkpoint WHERE run_id = %(run)s) "
                    "SELECT cp.idx, cp.step, (SELECT count(*) FROM runs_event e WHERE e.run_id = %(run)s "
                    "AND e.step = cp.step AND e.seq > (SELECT coalesce(max(seq), 0) FROM runs_event r "
                    "WHERE r.run_id = %(run)s AND r.type = 'run.resumed')) FROM cp", {"run": run_id})
                self._idx, self._step, self._skip = cur.fetchone()
        self._ordinal = 0
        self.otel = otel_export.trace_for(run_id)  # this execution's OTLP export (None: off)

    # --- EventSink ---------------------------------------------------------------------------
    def emit(self, type: str, data: dict[str, Any], *, node_id: str | None = None,
             span_id: str | None = None) -> None:
        with self._lock:
            stream = (node_id or "", span_id or "")
            if type == "model.delta" and isinstance(data.get("text"), str) and len(data) == 1:
                # Streamed text: send only what cannot be the start of a secret or PII split over deltas.
                safe, held = self.redactor.split_stream(self._held.pop(stream, "") + data["text"])
                if held:
                    self._held[stream] = held
                if safe:
                    self._emit_redacted(type, {"text": safe}, node_id, span_id)
                return
            self._release_held(stream)
            self._emit_redacted(type, self.redactor.data(data), node_id, span_id)

    def _release_held(self, stream: tuple[str, str] | None = None) -> None:
        """The held tail of one stream (at its `model.completed`), or of all (run end), as a last delta."""
        for key in [stream] if stream is not None else list(self._held):
            held = self._held.pop(key, "")
            if held:
                self._emit_redacted("model.delta", {"text": self.redactor.text(held)}, key[0] or None, key[1] or None)

    def _emit_redacted(self, type: str, clean: dict[str, Any], node_id: str | None, span_id: str | None) -> None:
        with self._lock:
            ordinal = self._ordinal
            self._ordinal += 1
            if ordinal < self._skip:
                return  # delivered before a worker died mid-interval
            if self.otel is not None:
                self.otel.event(type, clean, span_id)
            self._note_buffering()
            self._events.append(PendingEvent(type, _now(), clean, node_id or "", span_id or "", self._step,
                                             ordinal))
            if type not in BATCHED or time.monotonic() - self._first_buffered > MAX_DELAY_S:
                self._write()

    def flush(self) -> None:
        with self._lock:
            if self._events or self._spans or self._checkpoints:
                self._write()

    def _note_buffering(self) -> None:
        """Start the clock of MAX_DELAY_S at the oldest buffered event. A deferred checkpoint does
        not start it: nobody follows checkpoints live, so one waits for the next write however late
        (an agent's start checkpoint: for the model turn's, instead of being written on its own
        by the first event after a model call longer than MAX_DELAY_S)."""
        if not self._events:
            self._first_buffered = time.monotonic()

    # --- CheckpointStore -----------------------------------------------------------------------
    def load_checkpoints(self, run_id: str) -> list[dict[str, Any]]:
        """The run's own deltas, or (for `<run id>:<node path>`, an agent inside a workflow node) that
        node's namespaced ones."""
        namespace = self._namespace(run_id)
        self.flush()
        if self._fresh and self._idx == 0:
            return []  # a fresh run that has written none yet: there are none
        with writer() as cur:
            if namespace is None:
                cur.execute("SELECT delta FROM runs_checkpoint WHERE run_id = %s AND NOT starts_with(key, %s) "
                            "ORDER BY idx", (self.run_id, NAMESPACED))
            else:
                cur.execute("SELECT delta FROM runs_checkpoint WHERE run_id = %s AND starts_with(key, %s) "
                            "ORDER BY idx", (self.run_id, namespace))
            deltas = [_resolve_blobs(cur, row[0]) for row in cur.fetchall()]
        if self.otel is not None:
            self.otel.checkpoints_loaded(run_id, deltas)  # an agent's conversation (captured content)
        return deltas

    def _namespace(self, run_id: str) -> str | None:
        """None for the run itself; the key prefix `ns:<node path>:` for a sub-run `<run id>:<node path>`."""
        if run_id == self.run_id:
            return None
        if not run_id.startswith(f"{self.run_id}:"):
            raise ValueError(f"RunStore of {self.run_id} cannot hold checkpoints of {run_id}")
        return f"{NAMESPACED}{run_id[len(self.run_id) + 1:]}:"

    def append_checkpoint(self, run_id: str, key: str, delta: dict[str, Any]) -> None:
        namespace = self._namespace(run_id)
        if namespace is not None:
            key = namespace + key
        with self._lock:
            clean = self.redactor.data(delta)
            if self.otel is not None:
                self.otel.checkpoint(run_id, clean)  # an agent's conversation (captured content)
            with writer() as cur:
                stored = _offload_blobs(cur, clean)
            self._checkpoints.append((self._idx, key, stored))
            self._idx += 1
            self._step += 1
            self._ordinal = self._skip = 0
            deferred = self.deferrable is not None and self.deferrable(key)
            if not deferred or (self._events and time.monotonic() - self._first_buffered > MAX_DELAY_S):
                self._write()

    # --- Tracer --------------------------------------------------------------------------------
    def start_span(self, kind: str, name: str, *, parent_id: str | None = None,
                   attributes: dict[str, Any] | None = None) -> Span:
        return Span(kind=kind, name=name, parent_id=parent_id, attributes=dict(attributes or {}))

    def end_span(self, span: Span) -> None:
        ended = span.ended_at or time.time()
        pending = PendingSpan(
            id=span.id, parent_id=span.parent_id or "", kind=span.kind, name=span.name[:200], status=span.status,
            started_at=datetime.fromtimestamp(span.started_at, UTC),
            ended_at=datetime.fromtimestamp(ended, UTC), duration_ms=(ended - span.started_at) * 1000,
            input_tokens=span.input_tokens, output_tokens=span.output_tokens, cost_usd=span.cost_usd,
            attributes=self.redactor.data(span.attributes),
            error=self.redactor.data(span.error) if span.error else None)
        with self._lock:
            self._spans.append(pending)
            if pending.kind == "model":
                self._model_usage[0] += pending.input_tokens or 0
                self._model_usage[1] += pending.output_tokens or 0
                self._model_usage[2] += pending.cost_usd or 0.0
        from agent_platform.metrics.recorders import span_ended  # model/tool/retrieval metrics

        span_ended(self.run_id, pending)

    # --- ToolCallLedger ---------------------------------------------------------------------------
    def get_result(self, key: str) -> dict[str, Any] | None:
        with writer() as cur:
            cur.execute("SELECT result FROM runs_toolcallrecord WHERE run_id = %s AND key = %s "
                        "AND completed_at IS NOT NULL", (self.run_id, key))
            row = cur.fetchone()
        return row[0] if row else None

    def record_intent(self, key: str) -> bool:
        with writer() as cur:
            cur.execute("INSERT INTO runs_toolcallrecord (run_id, key, created_at) VALUES (%s, %s, now()) "
                        "ON CONFLICT (run_id, key) DO NOTHING RETURNING id", (self.run_id, key))
            return cur.fetchone() is not None

    def record_result(self, key: str, result: dict[str, Any]) -> None:
        clean = self.redactor.data(result)
        with writer() as cur:
            cur.execute(
                "INSERT INTO runs_toolcallrecord (run_id, key, result, created_at, completed_at) "
                "VALUES (%s, %s, %s, now(), now()) ON CONFLICT (run_id, key) DO UPDATE "
                "SET result = EXCLUDED.result, completed_at = EXCLUDED.completed_at "
                "WHERE runs_toolcallrecord.completed_at IS NULL", (self.run_id, key, Jsonb(clean)))

    def usage(self) -> dict[str, Any]:
        """Tokens and cost of every model call of the run so far (all attempts)."""
        self.flush()
        if self._fresh:  # a first attempt: its spans are all this store's
            with self._lock:
                tokens_in, tokens_out, cost = self._model_usage
            return {"input_tokens": int(tokens_in), "output_tokens": int(tokens_out),
                    "cost_usd": round(float(cost), 8)}
        with writer() as cur:
            cur.execute("SELECT coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), "
                        "coalesce(sum(cost_usd), 0) FROM runs_span WHERE run_id = %s AND kind = 'model'",
                        (self.run_id,))
            tokens_in, tokens_out, cost = cur.fetchone()
        return {"input_tokens": int(tokens_in), "output_tokens": int(tokens_out), "cost_usd": round(float(cost), 8)}

    # --- run lifecycle (status + its event, one transaction) -----------------------------------------
    def transition(self, to: str, event_type: str | None, data: dict[str, Any] | None = None,
                   **fields: Any) -> bool:
        """Flush, then move the run to `to` and append its lifecycle event atomically (fenced on
        our lease). Lifecycle events sit outside the engine's intervals (step -1)."""
        from runs import lifecycle

        with self._lock:
            self._release_held()
        self.flush()
        event = PendingEvent(event_type, _now(), self.redactor.data(data or {}), step=-1) if event_type else None
        fields = {name: self.redactor.data(value, (name,)) if name in _REDACTED_COLUMNS else value
                  for name, value in fields.items()}
        with writer() as cur:  # one statement: status change + event (see lifecycle.transition)
            if event is None:
                moved, self.subscribed = lifecycle.transition(cur, self.run_id, to, owner=self.owner, **fields), None
            else:
                moved, self.subscribed = lifecycle.transition_notifying(cur, self.run_id, to, owner=self.owner,
                                                                        event=event, **fields)
        if moved and event:
            pubsub.publish(self.run_id, [event_log.event_dict(self.run_id, moved, event)])
        if moved and self.otel is not None:
            self.otel.transitioned(to, event.data if event else {})
        return bool(moved)

    # --- writing ---------------------------------------------------------------------------------
    def _write(self) -> None:
        """Write every buffered event, span and checkpoint in one statement, then publish the events."""
        events, spans, checkpoints = self._events, self._spans, self._checkpoints
        self._events, self._spans, self._checkpoints = [], [], []
        with writer() as cur:
            base = event_log.append(cur, self.run_id, events, checkpoints=checkpoints, spans=spans, owner=self.owner)
        if spans and self.otel is not None:
            self.otel.spans_written(spans)  # exported once stored, as stored (redacted)
        if events:
            pubsub.publish(self.run_id, [event_log.event_dict(self.run_id, base + i + 1, e)
                                         for i, e in enumerate(events)])


_REDACTED_COLUMNS = frozenset({"output", "error", "waiting_for"})


def _project_redactor(run_id: str) -> Redactor:
    from accounts.redaction_policy import redactor_for
    from runs.models import Run

    return redactor_for(Run.objects.select_related("project").get(pk=run_id).project)


def _offload_blobs(cur, delta: Any) -> Any:
    """Replace large values (> 64 KiB of JSON) by `{"$blob": sha256}` stored once in runs_blob."""
    if isinstance(delta, dict):
        return {k: _offload_value(cur, v) for k, v in delta.items()}
    return delta


def _offload_value(cur, value: Any) -> Any:
    if isinstance(value, (dict, list, str)):
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        if len(text) > BLOB_THRESHOLD:
            data = text.encode()
            digest = hashlib.sha256(data).hexdigest()
            stored = artifacts.Stored(artifacts.key_for(artifacts.BLOBS, digest), digest, len(data))
            # Under the key's lock: the row (touched, so retention's grace period restarts) and the
            # object exist together when the lock is released (agent_platform/artifacts.py).
            with artifacts.key_lock(cur, stored.key):
                cur.execute("INSERT INTO runs_blob (sha256, size, created_at) VALUES (%s, %s, now()) "
                            "ON CONFLICT (sha256) DO UPDATE SET created_at = now()", (digest, len(data)))
                artifacts.ensure(stored, io.BytesIO(data))
            return {"$blob": digest}
    return value


def _resolve_blobs(cur, delta: Any) -> Any:
    if not isinstance(delta, dict):
        return delta
    out = {}
    for key, value in delta.items():
        if isinstance(value, dict) and set(value) == {"$blob"}:
            with artifacts.open_artifact(artifacts.key_for(artifacts.BLOBS, value["$blob"])) as handle:
                value = json.load(handle)
        out[key] = value
    return out
