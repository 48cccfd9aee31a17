"""Reads for the trace list across runs (`GET /api/v1/traces` without `run=`): one run-level
summary per run, filtered by agent, workflow, version, environment, status and time range.

Filters are validated here (a bad value is an `InvalidField` naming the parameter) so the API view
stays a translation; the console's runs list shows the same latency and cost figures.
"""
from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.dateparse import parse_datetime

from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import InvalidField
from runs.models import STATUSES, Run

TRACE_FILTERS = ("agent", "workflow", "version", "environment", "status", "since", "until")
_PASSTHROUGH = ("cursor", "limit", "project", "format")  # pagination; the project of session requests


def parse_timestamp(name: str, raw: str) -> datetime:
    """An RFC 3339 timestamp with an offset (`2026-12-02T10:00:00Z`), else an InvalidField naming `name`."""
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise InvalidField(name, "must be an RFC 3339 timestamp with a time zone, e.g. 2026-12-02T10:00:00Z")
    return value


def parse_version(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        raise InvalidField("version", "must be a positive integer") from None
    if number < 1:
        raise InvalidField("version", "must be a positive integer")
    return number


def _definition_filter(field: str, prefix: str, ref: str) -> dict:
    return {f"{field}_id": ref} if ref.startswith(prefix) else {f"{field}__name": ref}


def trace_summaries(project, params) -> QuerySet[Run]:
    """The project's runs matching the trace filters, each annotated with `span_count`."""
    query = Run.objects.filter(project=project).select_related("agent", "agent_version", "workflow",
                                                               "workflow_version")
    unknown = sorted(set(params) - {*TRACE_FILTERS, *_PASSTHROUGH})
    if unknown:
        raise InvalidField(unknown[0], f"unknown filter; use one of {', '.join(TRACE_FILTERS)}")
    if params.get("agent") and params.get("workflow"):
        raise InvalidField("workflow", "filter by either 'agent' or 'workflow', not both")
    if params.get("agent"):
        query = query.filter(**_definition_filter("agent", "agt_", params["agent"]))
    if params.get("workflow"):
        query = query.filter(**_definition_filter("workflow", "wf_", params["workflow"]))
    if params.get("version"):
        number = parse_version(params["version"])
        if params.get("workflow"):
            query = query.filter(workflow_version__number=number)
        elif params.get("agent"):
            query = query.filter(agent_version__number=number)
        else:
            query = query.filter(Q(agent_version__number=number) | Q(workflow_version__number=number))
    if params.get("environment"):
        if params["environment"] not in ENVIRONMENTS:
            raise InvalidField("environment", f"must be one of {', '.join(ENVIRONMENTS)}")
        query = query.filter(environment=params["environment"])
    if params.get("status"):
        wanted = params["status"].split(",")
        bad = [s for s in wanted if s not in STATUSES]
        if bad:
            raise InvalidField("status", f"unknown status {bad[0]!r}; use one of {', '.join(STATUSES)}")
        query = query.filter(status__in=wanted)
    since = parse_timestamp("since", params["since"]) if params.get("since") else None
    until = parse_timestamp("until", params["until"]) if params.get("until") else None
    if since and until and until <= since:
        raise InvalidField("until", "must be later than 'since'")
    if since:
        query = query.filter(created_at__gte=since)
    if until:
        query = query.filter(created_at__lt=until)
    return query.annotate(span_count=Count("spans"))


def latency_ms(run: Run) -> float | None:
    """Running time, started → finished (None until the run has finished)."""
    if run.started_at is None or run.finished_at is None:
        return None
    return round((run.finished_at - run.started_at).total_seconds() * 1000, 2)
