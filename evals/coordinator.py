"""The pipeline that executes an eval's pending rows on the coordinator (`Coordinator`): runs
created ahead and held for it, `concurrency` slot threads executing them, a scoring pool storing
each result with the progress count (see the class). `evals.runner` claims the eval, makes its
rows and calls `Coordinator.run_all`."""
from __future__ import annotations

import json
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from agent_platform.api.errors import ApiError
from evals import progress
from evals.lease import Lease, lease_s
from evals.metric_services import metric_services
from evals.models import DONE, ERRORED, PENDING, RUNNING, EvalResult, EvalRun, Feedback
from runs.models import TERMINAL as RUN_TERMINAL
from runtime.errors import PlatformError
from runtime.evals import MetricResult, build_metrics, case_from_run_events, score_case


def run_input(value):
    """A string input is the agent IO's message (`{"message": s}`); anything else is passed as is."""
    return {"message": value} if isinstance(value, str) else value


class _Row(NamedTuple):
    """What the pipeline needs of an eval row (read once by `run_all`, not again per step)."""

    pk: int
    item_id: str
    repeat: int
    run_id: str | None


class Coordinator:
    """Runs the eval's pending rows as a pipeline, so that per-item bookkeeping does not sit on
    the critical path of the `concurrency` runs in flight:

    - a preparer thread creates the next runs ahead (at most `concurrency` waiting), each *held*:
      stored `queued` with a lease in the coordinator's name and no `runs` job (a held run is
      never executed elsewhere while the coordinator lives; when it dies the hold expires like
      any lease, and the next attempt, or the runs recovery sweep of queued runs without a job,
      executes it);
    - `concurrency` slot threads each execute a held run (the claim takes the hold over in the
      same statement), or follow it when another worker got it first, one run per slot at a time;
    - a scoring pool scores finished runs and stores each result with the progress count in
      one transaction; progress is published at most every PUBLISH_EVERY_S.
    Each thread keeps its database connection for the whole eval (closed when it ends)."""

    PUBLISH_EVERY_S = 0.25

    def __init__(self, eval_run: EvalRun, items: list[dict], lease: Lease, worker_name: str) -> None:
        self.eval = eval_run
        self.items = {str(item["id"]): item for item in items}
        self.lease = lease
        self.worker_name = worker_name
        self.hold_owner = f"{lease.owner}/hold"
        self.metrics = build_metrics(eval_run.metrics, metric_services(eval_run.project))
        self.reads_feedback = any(spec.get("type") == "human" for spec in eval_run.metrics)
        if eval_run.kind == "agent":
            self.target = {"agent": eval_run.agent.name, "pinned": (eval_run.agent, eval_run.agent_version)}
        else:
            self.target = {"workflow": eval_run.workflow.name, "pinned": (eval_run.workflow, eval_run.workflow_version)}
        self.baseline_outputs: dict[str, object] = {}
        if eval_run.baseline_id:
            for item_id, output in (EvalResult.objects.filter(eval_id=eval_run.baseline_id, repeat=0)
                                    .values_list("item_id", "output")):
                self.baseline_outputs[item_id] = output
        self._published = 0.0
        self._publish_lock = threading.Lock()
        self._errors: list[BaseException] = []
        self._failed = threading.Event()  # a thread raised: the others stop, run_all re-raises

    def run_all(self) -> None:
        rows = [_Row(*values) for values in EvalResult.objects.filter(eval=self.eval, status__in=(PENDING, RUNNING))
                .order_by("position", "repeat").values_list("pk", "item_id", "repeat", "run_id")]
        if not rows:
            return
        slots = min(self.eval.concurrency, len(rows))
        ready: queue.Queue = queue.Queue(maxsize=slots)  # (row id, run id, held by us)
        prepared = threading.Event()  # the preparer has put its last entry
        preparer = threading.Thread(target=self._guarded, args=(self._prepare, rows, ready, prepared),
                                    name=f"eval-{self.eval.pk}-prepare", daemon=True)
        with ThreadPoolExecutor(max_workers=slots, thread_name_prefix=f"eval-{self.eval.pk}-score") as scoring:
            workers = [threading.Thread(target=self._guarded, args=(self._slot, ready, prepared, scoring),
                                        name=f"eval-{self.eval.pk}-slot{n}", daemon=True) for n in range(slots)]
            preparer.start()
            for worker in workers:
                worker.start()
            preparer.join()
            for worker in workers:
                worker.join()
        self._release_holds(ready)
        if self._errors:
            raise self._errors[0]

    def _guarded(self, target, *args) -> None:
        try:
            target(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised by run_all once every thread has stopped
            self._errors.append(exc)
            self._failed.set()
        finally:
            connection.close()

    @property
    def _stopping(self) -> bool:
        return self.lease.should_stop or self._failed.is_set()

    def _prepare(self, rows: list[_Row], ready: queue.Queue, prepared: threading.Event) -> None:
        try:
            for row in rows:
                if self._stopping:
                    break
                if row.run_id is None:
                    run = self._start_run(row)
                    if run is None:  # the row failed to start (stored as errored), or another attempt has it
                        run_id = EvalResult.objects.filter(pk=row.pk).values_list("run_id", flat=True).first()
                        if run_id is None:
                            continue
                        self._put(ready, (row, run_id, False))
                        continue
                    self._put(ready, (row, run.pk, True))
                else:
                    self._put(ready, (row, row.run_id, False))
        finally:
            prepared.set()

    def _put(self, ready: queue.Queue, entry) -> None:
        while True:
            try:
                ready.put(entry, timeout=0.5)
                return
            except queue.Full:
                if self._stopping:
                    if entry[2]:
                        self._drop_hold(entry[1])
                    return

    def _slot(self, ready: queue.Queue, prepared: threading.Event, scoring: ThreadPoolExecutor) -> None:
        while True:
            try:
                entry = ready.get(timeout=0.05)
            except queue.Empty:
                if prepared.is_set() and ready.empty():
                    return
                continue
            row, run_id, held = entry
            if self._stopping:
                if held:
                    self._drop_hold(run_id)
                continue
            self._execute_or_wait(run_id, queued=held)
            self.lease.held.discard(run_id)  # executed (the claim took our hold over), or followed to its end
            scoring.submit(self._guarded_score, row, run_id)

    def _guarded_score(self, row: _Row, run_id: str) -> None:
        try:
            with transaction.atomic():  # the result and the progress count: one commit
                counts = self._increment(1) if self._score(row, run_id) else None
            if counts:
                self._maybe_publish(counts)
        except BaseException as exc:  # noqa: BLE001 - re-raised by run_all
            self._errors.append(exc)
            self._failed.set()
        finally:
            connection.close()

    # --- holds ------------------------------------------------------------------------------
    def _release(self, run_id: str) -> None:
        """Free our hold (on this thread's own connection: the run writer's is one per process,
        shared by every run it executes, and this is not a write of the run's execution)."""
        with connection.cursor() as cursor:
            cursor.execute("UPDATE runs_run SET lease_owner = '', lease_expires_at = NULL "
                           "WHERE id = %s AND lease_owner = %s", [run_id, self.hold_owner])
        self.lease.held.discard(run_id)

    def _drop_hold(self, run_id: str) -> None:
        """A held run we will not execute: cancelled with the eval, or handed to the next attempt."""
        from runs import services as run_services
        from runs.models import Run

        self._release(run_id)
        if self.lease.cancelled.is_set():
            run = Run.objects.filter(pk=run_id).first()
            if run is not None and not run.is_terminal:
                try:
                    run_services.cancel_run(run=run)
                except PlatformError:
                    pass

    def _release_holds(self, ready: queue.Queue) -> None:
        while True:
            try:
                entry = ready.get_nowait()
            except queue.Empty:
                break
            if entry[2]:
                self._drop_hold(entry[1])
        for run_id in list(self.lease.held):
            self._drop_hold(run_id)
        connection.close()

    # --- progress ---------------------------------------------------------------------------
    def _count_done(self, n: int) -> None:
        counts = self._increment(n)
        if counts:
            self._maybe_publish(counts)

    def _increment(self, n: int) -> tuple | None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE evals_evalrun SET completed = completed + %s WHERE id = %s "
                           "RETURNING status, completed, total", [n, self.eval.pk])
            return cursor.fetchone()

    def _maybe_publish(self, counts: tuple) -> None:
        status, completed, total = counts
        now = time.monotonic()
        with self._publish_lock:
            if now - self._published < self.PUBLISH_EVERY_S and completed < total:
                return
            self._published = now
        progress.publish(self.eval.pk, {"status": status, "completed": completed, "total": total})

    def _start_run(self, row: _Row):
        """Create the row's run, held by us (stored with our hold lease and no `runs` job), and
        store it on the row in the same transaction."""
        from runs import services as run_services

        item = self.items[row.item_id]
        try:
            with transaction.atomic():
                expires = timezone.now() + timedelta(seconds=lease_s())
                run = run_services.create_run(
                    project=self.eval.project, version=self.eval.target_version.number, input=run_input(item["input"]),
                    metadata={"eval": self.eval.pk, "item": row.item_id, "repeat": row.repeat},
                    held_by=(self.hold_owner, expires), enqueue=False, **self.target)
                if not EvalResult.objects.filter(pk=row.pk, run__isnull=True, status=PENDING).update(
                        run=run, status=RUNNING):
                    raise _Taken()
                self.lease.held.add(run.pk)  # renewed with the eval's lease from now on
        except _Taken:
            return None
        except PlatformError as exc:  # e.g. the item's input does not match the target's input schema
            error = {"type": exc.code, "message": exc.message}
            if getattr(exc, "errors", None):
                error["errors"] = _plain(exc.errors)
            self._fail_row(row, error)
            return None
        except ApiError as exc:
            self._fail_row(row, {"type": exc.default_code, "message": str(exc.detail), "errors": _plain(exc.errors)})
            return None
        return run

    def _fail_row(self, row: _Row, error: dict) -> None:
        message = f"the run could not start: {error['message']}"
        scores = {m.name: MetricResult(None, False, message, {"error": error}).to_dict() for m in self.metrics}
        if EvalResult.objects.filter(pk=row.pk, status=PENDING).update(status=ERRORED, error=error, scores=scores,
                                                                       completed_at=timezone.now()):
            self._count_done(1)

    def _execute_or_wait(self, run_id: str, *, queued: bool = False) -> None:
        """Execute the run, or follow it to its end. `queued`: we hold it (created held, still
        queued: no status read before the first attempt); the claim takes our hold over."""
        from runs import otel_export
        from runs.executor import execute_run
        from runs.models import Run

        deadline = None
        pause = 0.005
        while not self.lease.lost.is_set():
            if queued:
                status, queued = "queued", False
            else:
                status = Run.objects.filter(pk=run_id).values_list("status", flat=True).first()
            if status is None or status in RUN_TERMINAL:
                return
            if self.lease.cancelled.is_set():
                from runs import services as run_services

                run = Run.objects.get(pk=run_id)
                if not run.is_terminal:
                    run_services.cancel_run(run=run)
            if status == "queued":
                with otel_export.execution(run_id, None):  # its OTLP spans, when exported: a trace of its own
                    ended = execute_run(run_id, worker_name=self.worker_name, hold=self.hold_owner)
                if ended in RUN_TERMINAL:
                    return
                if ended is not None:  # e.g. waiting for a person: follow it
                    continue
            # Another worker holds it (or it waits for a person, or its old lease has not expired
            # yet): follow it until it ends.
            if deadline is None:
                timeout = Run.objects.filter(pk=run_id).values_list("timeout_s", flat=True).first() or 300
                deadline = time.monotonic() + float(timeout) + 2 * lease_s() + 60
            if time.monotonic() > deadline:
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _score(self, row: _Row, run_id: str) -> bool:
        """Score a finished run and store the result; False when the run has not ended (the
        lease was lost: the next attempt scores it) or the row was stored already."""
        run = _finished_run(run_id)
        if run is None:
            return False
        feedback = []
        if self.reads_feedback:  # only the `human` metric reads it (late feedback re-scores: evals.rescoring)
            feedback = [f.as_case_feedback() for f in Feedback.objects.filter(run_id=run_id)]
        latency = None
        if run.started_at and run.finished_at:
            latency = (run.finished_at - run.started_at).total_seconds() * 1000
        item = self.items[row.item_id]
        case = case_from_run_events(item=item, output=run.output, events=run.events, latency_ms=latency,
                                    feedback=feedback, baseline_output=self.baseline_outputs.get(row.item_id),
                                    repeat=row.repeat)
        scores = score_case(self.metrics, case)
        usage = run.usage or {}
        error = run.error if run.status != "succeeded" else None
        if error is None and run.status != "succeeded":
            error = {"type": run.status, "message": f"the run {run.status}"}
        return bool(EvalResult.objects.filter(pk=row.pk).exclude(status__in=(DONE, ERRORED)).update(
            status=DONE, output=run.output, scores={name: r.to_dict() for name, r in scores.items()},
            latency_ms=latency, input_tokens=usage.get("input_tokens", case.input_tokens),
            output_tokens=usage.get("output_tokens", case.output_tokens),
            cost_usd=usage.get("cost_usd", case.cost_usd), error=error, completed_at=timezone.now()))


class _FinishedRun(NamedTuple):
    status: str
    output: object
    error: dict | None
    usage: dict | None
    started_at: object
    finished_at: object
    events: list[dict]


_FINISHED_RUN_SQL = (
    "SELECT r.status, r.output::text, r.error::text, r.usage::text, r.started_at, r.finished_at, "
    "(SELECT coalesce(json_agg(json_build_object('type', e.type, 'node_id', e.node_id, 'data', e.data) "
    "ORDER BY e.seq), '[]')::text FROM runs_event e WHERE e.run_id = r.id) "
    "FROM runs_run r WHERE r.id = %s AND r.status = ANY(%s)")


def _finished_run(run_id: str) -> _FinishedRun | None:
    """The ended run and its events (`type`, `node_id`, `data`, in order) in one statement; None
    if it has not ended."""
    with connection.cursor() as cursor:
        cursor.execute(_FINISHED_RUN_SQL, [run_id, sorted(RUN_TERMINAL)])
        found = cursor.fetchone()
    if found is None:
        return None
    status, output, error, usage, started_at, finished_at, events = found
    return _FinishedRun(status, *(None if v is None else json.loads(v) for v in (output, error, usage)),
                        started_at, finished_at, json.loads(events))


class _Taken(Exception):
    """Another attempt stored a run for this row first."""


def _plain(errors):
    return json.loads(json.dumps(errors, default=str))
