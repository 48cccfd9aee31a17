"""Executing an eval run on a worker: claim its lease, make its item x repeat rows (idempotent),
reuse identical earlier results, fan the rest out as ordinary runs at the requested concurrency,
score each finished run, and store the report.

Runs are created with `runs.services.create_run` (so each has its events and trace), held for
this coordinator and without a `runs` job, and executed by its own threads, `concurrency` at a
time (a run another attempt left is followed instead), so an eval's concurrency does not depend
on how many workers there are. The work around each run (creating the next ones, scoring the
finished ones, progress) is pipelined beside the runs in flight (`evals.coordinator`), so it
does not add to each item's latency.

A killed coordinator loses its lease; the eval recovery pass puts the eval back on the queue,
and the next attempt finds the rows: done ones stay, rows with a run wait for (or execute) that
run, pending ones start. Each row is a unique (eval, item, repeat), and its run is stored in
the same transaction that creates the run, so no item is run twice.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid

from django.utils import timezone

from evals import progress
from evals.coordinator import Coordinator
from evals.dataset_items import item_content, items_with_tags
from evals.exports import store_exports
from evals.lease import Lease, claim, finish
from evals.models import (
    CANCELLED,
    DONE,
    ERRORED,
    FAILED,
    PENDING,
    SUCCEEDED,
    EvalResult,
    EvalRun,
)
from evals.reports import compute_report
from runtime.errors import PlatformError

logger = logging.getLogger(__name__)


def reuse_key(eval_run: EvalRun, item: dict, repeat: int) -> str:
    canonical = json.dumps({"target": f"{eval_run.kind}:{eval_run.target_version.pk}", "item": item_content(item),
                            "repeat": repeat, "metrics": eval_run.metrics}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def ensure_rows(eval_run: EvalRun) -> list[dict]:
    """The eval's item x repeat rows (created once; a restart finds them)."""
    items = items_with_tags(eval_run.dataset_version.items, eval_run.tags or [])
    rows = [EvalResult(eval=eval_run, item_id=str(item["id"]), repeat=repeat, position=position,
                       tags=list(item.get("tags") or []) + ([item["split"]] if item.get("split") else []),
                       reuse_key=reuse_key(eval_run, item, repeat))
            for position, item in enumerate(items) for repeat in range(eval_run.repeats)]
    EvalResult.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return items


def reuse_earlier(eval_run: EvalRun) -> int:
    """Copy identical earlier results (same target version, item content, repeat and metrics)."""
    reused = 0
    pending = EvalResult.objects.filter(eval=eval_run, status=PENDING, run__isnull=True)
    for row in pending:
        source = (EvalResult.objects.filter(reuse_key=row.reuse_key, status=DONE, eval__project=eval_run.project_id)
                  .exclude(eval=eval_run).order_by("-completed_at").first())
        if source is None:
            continue
        origin = source.reused_from_id or source.pk
        EvalResult.objects.filter(pk=row.pk, status=PENDING).update(
            status=DONE, reused_from_id=origin, run_id=source.run_id, output=source.output, scores=source.scores,
            latency_ms=source.latency_ms, input_tokens=source.input_tokens, output_tokens=source.output_tokens,
            cost_usd=source.cost_usd, error=source.error, completed_at=timezone.now())
        reused += 1
    return reused


def update_progress(eval_id: str) -> int:
    done = EvalResult.objects.filter(eval_id=eval_id, status__in=(DONE, ERRORED)).count()
    EvalRun.objects.filter(pk=eval_id).update(completed=done)
    return done


def execute_eval(eval_id: str, *, worker_name: str = "worker") -> str | None:
    """Execute (or resume) an eval; returns its final status, or None when it was not ours."""
    owner = f"{worker_name}/{uuid.uuid4().hex[:8]}"
    if not claim(eval_id, owner):
        return None
    lease = Lease(eval_id, owner)
    lease.start()
    try:
        eval_run = EvalRun.objects.select_related("project", "dataset_version", "dataset", "agent", "agent_version",
                                                  "workflow", "workflow_version").get(pk=eval_id)
        items = ensure_rows(eval_run)
        try:
            coordinator = Coordinator(eval_run, items, lease, worker_name)
        except PlatformError as exc:
            finish(eval_id, owner, FAILED, error=exc.to_dict())
            progress.publish(eval_id)
            return FAILED
        if not eval_run.fresh:
            reuse_earlier(eval_run)
        update_progress(eval_id)
        progress.publish(eval_id)
        coordinator.run_all()
        update_progress(eval_id)
        if lease.lost.is_set():
            return None
        if lease.cancelled.is_set():
            finish(eval_id, owner, CANCELLED, error={"type": "cancelled", "message": "cancelled by request"})
            progress.publish(eval_id)
            return CANCELLED
        report = compute_report(eval_run)
        if finish(eval_id, owner, SUCCEEDED, report=report, passed=report["passed"]):
            from webhooks.events import notify_project_event
            notify_project_event(eval_run.project, "eval.completed", {"eval": {"id": eval_id, "status": SUCCEEDED,
                                                                              "passed": report["passed"], "report": report}})
            store_exports(eval_run)  # JUnit XML, Markdown and JSON files in the artifacts storage (best effort)
        progress.publish(eval_id)
        return SUCCEEDED
    except Exception as exc:
        from runs import dependencies

        if dependencies.is_transient(exc):
            EvalRun.objects.filter(pk=eval_id, lease_owner=owner).update(lease_owner="", lease_expires_at=None)
            raise
        logger.exception("eval %s failed", eval_id)
        finish(eval_id, owner, FAILED, error={"type": "eval_error", "message": f"{type(exc).__name__}: {exc}"})
        progress.publish(eval_id)
        raise
    finally:
        lease.stop()
