"""Reads for runs: lists with filters, events after a seq, traces."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.service_errors import InvalidField, ObjectNotFound
from runs.models import STATUSES, Event, Run, Span


def get_run(project, run_id: str) -> Run:
    run = Run.objects.select_related("agent", "agent_version", "workflow", "workflow_version").filter(
        pk=run_id, project=project).first()
    if run is None:
        raise ObjectNotFound(f"Run {run_id!r} not found.")
    return run


def runs_for_project(project, params) -> QuerySet[Run]:
    query = Run.objects.filter(project=project).select_related("agent", "agent_version", "workflow",
                                                               "workflow_version")
    status = params.get("status")
    if status:
        wanted = status.split(",")
        bad = [s for s in wanted if s not in STATUSES]
        if bad:
            raise InvalidField("status", f"unknown status {bad[0]!r}")
        query = query.filter(status__in=wanted)
    for field, prefix in (("agent", "agt_"), ("workflow", "wf_")):
        ref = params.get(field)
        if ref:
            query = query.filter(**({f"{field}_id": ref} if ref.startswith(prefix) else {f"{field}__name": ref}))
    if params.get("environment"):
        query = query.filter(environment=params["environment"])
    return query


def parse_after_seq(raw) -> int:
    if raw in (None, ""):
        return 0
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidField("after_seq", "must be an integer") from None
    if value < 0:
        raise InvalidField("after_seq", "must be >= 0")
    return value


def event_out(event: Event) -> dict:
    out = {"seq": event.seq, "run_id": event.run_id, "type": event.type,
           "ts": event.ts.isoformat().replace("+00:00", "Z"), "data": event.data}
    if event.node_id:
        out["node_id"] = event.node_id
    if event.span_id:
        out["span_id"] = event.span_id
    return out


def events_after(run_id: str, after_seq: int, limit: int = 1000) -> list[dict]:
    rows = Event.objects.filter(run_id=run_id, seq__gt=after_seq).order_by("seq")[:limit]
    return [event_out(e) for e in rows]


def spans_for_run(run: Run) -> list[Span]:
    return list(Span.objects.filter(run=run).order_by("started_at"))
