"""The rows a rule looks at: its project's runs (or evals), narrowed by the rule's target filter.

Windows are over `created_at` ("runs started in the last N minutes"), the column of the
(project, created_at) indexes on both tables, so each evaluation reads only the window's rows.
A run still in flight counts in `run_count` and `cost_usd` but not yet in `error_rate` or
`p95_latency_ms` (docs/observability.md#alerts).
"""
from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet


def runs_of(rule) -> QuerySet:
    from runs.models import Run

    runs = Run.objects.filter(project_id=rule.project_id)
    if rule.agent_id:
        runs = runs.filter(agent_id=rule.agent_id)
    if rule.workflow_id:
        runs = runs.filter(workflow_id=rule.workflow_id)
    if rule.environment:
        runs = runs.filter(environment=rule.environment)
    return runs


def runs_in_window(rule, start: datetime, end: datetime) -> QuerySet:
    return runs_of(rule).filter(created_at__gte=start, created_at__lt=end)


def evals_in_window(rule, start: datetime, end: datetime) -> QuerySet:
    from evals.models import EvalRun

    evals = EvalRun.objects.filter(project_id=rule.project_id, created_at__gte=start, created_at__lt=end)
    if rule.agent_id:
        evals = evals.filter(agent_id=rule.agent_id)
    if rule.workflow_id:
        evals = evals.filter(workflow_id=rule.workflow_id)
    if rule.environment:
        evals = evals.filter(environment=rule.environment)
    return evals
