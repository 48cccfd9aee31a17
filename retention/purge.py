"""The purge: delete what is past its retention period, in small batches that never wait long.

Each batch is its own short transaction: it picks at most `batch_size` ids with
`FOR UPDATE SKIP LOCKED` (a row someone holds is left for the next purge), deletes them with
everything that cascades from them, and commits. `lock_timeout` bounds any other wait; a batch
that hits it is given up (counted in `skipped_batches`) and the next purge retries. Only
terminal runs are candidates, never one under a legal hold, and never the parent of a run
still executing (deleting it would update that run's row).

What goes, per project policy (selectors.scopes: environment overrides first):
runs (created before the cutoff) with their events, spans, checkpoints, tool-call ledger,
approvals and feedback; finished evals with their results; feedback; audit entries made in the
project. Install-wide: audit entries past PLATFORM_RETENTION_AUDIT_DAYS, then checkpoint blobs
no checkpoint references and objects no row references (retention/artifacts_gc.py).

Each purge of a project is recorded as a `Purge` row (counts per model), which puts the counts
in the audit log. A dry run counts the same rows with plain reads and changes nothing.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from evals import models as eval_models
from retention import artifacts_gc, selectors
from retention.models import Purge, RetentionPolicy, RunHold
from retention.outcome import Outcome
from runs.models import TERMINAL, Run

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    now: datetime
    dry_run: bool
    batch_size: int


def purge(*, project=None, dry_run: bool = False, now: datetime | None = None, batch_size: int | None = None,
          trigger: str = "command") -> list[tuple[object, Outcome]]:
    """Purge every project with a policy (or one), then the install-wide rest. Returns
    `[(project or None, outcome)]`; records a `Purge` per entry unless `dry_run`."""
    options = Options(now or timezone.now(), dry_run, batch_size or settings.RETENTION_BATCH_SIZE)
    results: list[tuple[object, Outcome]] = []
    for policy in selectors.purgeable_policies(project):
        started = timezone.now()
        outcome = purge_project(policy, options)
        _record(policy.project, outcome, started, options, trigger)
        results.append((policy.project, outcome))
    started = timezone.now()
    rest = Outcome()
    if project is None:
        rest.add(_purge_install_audit(options))
    rest.add(artifacts_gc.collect(dry_run=options.dry_run, batch_size=options.batch_size))
    _record(None, rest, started, options, trigger)
    results.append((None, rest))
    return results


def purge_project(policy: RetentionPolicy, options: Options) -> Outcome:
    outcome = Outcome()
    for scope in selectors.scopes(policy, "runs_days"):
        outcome.add(_purge(_expired_runs(policy.project, scope, options.now), options))
    for scope in selectors.scopes(policy, "feedback_days"):
        outcome.add(_purge(_expired_feedback(policy.project, scope, options.now), options))
    for scope in selectors.scopes(policy, "eval_results_days"):
        outcome.add(_purge(_expired_evals(policy.project, scope, options.now), options))
    if policy.audit_days is not None:
        cutoff = options.now - timedelta(days=policy.audit_days)
        entries = LogEntry.objects.filter(additional_data__project=policy.project_id, timestamp__lt=cutoff)
        outcome.add(_purge(entries.order_by("pk"), options, lock=False))
    return outcome


# --- what is expired ---------------------------------------------------------------------------------------
def _in_scope(query: QuerySet, scope: selectors.Scope, environment_field: str) -> QuerySet:
    if scope.environment is not None:
        return query.filter(**{environment_field: scope.environment})
    return query.exclude(**{f"{environment_field}__in": scope.excluded}) if scope.excluded else query


def _expired_runs(project, scope: selectors.Scope, now: datetime) -> QuerySet:
    cutoff = now - timedelta(days=scope.days)
    query = Run.objects.filter(project=project, status__in=TERMINAL, created_at__lt=cutoff)
    query = query.exclude(Exists(RunHold.objects.filter(run=OuterRef("pk"))))
    live_children = Run.objects.filter(parent_run=OuterRef("pk")).exclude(status__in=TERMINAL)
    query = query.exclude(Exists(live_children))
    return _in_scope(query, scope, "environment").order_by("created_at")


def _expired_feedback(project, scope: selectors.Scope, now: datetime) -> QuerySet:
    cutoff = now - timedelta(days=scope.days)
    query = eval_models.Feedback.objects.filter(project=project, created_at__lt=cutoff)
    query = query.exclude(Exists(RunHold.objects.filter(run=OuterRef("run"))))
    return _in_scope(query, scope, "run__environment").order_by("created_at")


def _expired_evals(project, scope: selectors.Scope, now: datetime) -> QuerySet:
    cutoff = now - timedelta(days=scope.days)
    query = eval_models.EvalRun.objects.filter(project=project, status__in=eval_models.TERMINAL,
                                               created_at__lt=cutoff)
    return _in_scope(query, scope, "environment").order_by("created_at")


def _purge_install_audit(options: Options) -> Outcome:
    days = settings.RETENTION_AUDIT_DAYS
    if days is None:
        return Outcome()
    held = RetentionPolicy.objects.filter(legal_hold=True).values_list("project_id", flat=True)
    entries = LogEntry.objects.filter(timestamp__lt=options.now - timedelta(days=days))
    entries = entries.exclude(Q(additional_data__project__in=list(held)))
    return _purge(entries.order_by("pk"), options, lock=False)


# --- deleting in batches -----------------------------------------------------------------------------------
def _purge(query: QuerySet, options: Options, *, lock: bool = True) -> Outcome:
    if options.dry_run:
        return Outcome(counts=_would_delete(query))
    outcome = Outcome()
    while True:
        try:
            with transaction.atomic(), disable_auditlog():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL lock_timeout = %s", [f"{settings.RETENTION_LOCK_TIMEOUT_MS}ms"])
                picked = query.select_for_update(skip_locked=True, of=("self",)) if lock else query
                ids = list(picked.values_list("pk", flat=True)[:options.batch_size])
                if not ids:
                    return outcome
                _, per_model = query.model.objects.filter(pk__in=ids).delete()
        except OperationalError as exc:  # lock_timeout: leave the batch to the next purge
            logger.warning("retention: gave up a batch of %s: %s", query.model._meta.label, exc)
            outcome.skipped_batches += 1
            return outcome
        outcome.counts.update({label: n for label, n in per_model.items() if n})
        if len(ids) < options.batch_size:
            return outcome


def _would_delete(query: QuerySet) -> Counter:
    """Rows a delete of `query` would remove: its own and those that cascade one level (runs'
    children), counted with reads only."""
    counts: Counter = Counter()
    total = query.count()
    if not total:
        return counts
    counts[query.model._meta.label] = total
    ids = query.values("pk")
    for relation in query.model._meta.related_objects:
        if relation.on_delete is models.CASCADE and relation.related_model is not RunHold:
            n = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids}).count()
            if n:
                counts[relation.related_model._meta.label] += n
    return counts


def _record(project, outcome: Outcome, started: datetime, options: Options, trigger: str) -> None:
    if options.dry_run or not (outcome.counts or outcome.skipped_batches):
        return
    Purge.objects.create(project=project, trigger=trigger, started_at=started, finished_at=timezone.now(),
                         counts=dict(sorted(outcome.counts.items())), skipped_batches=outcome.skipped_batches)
