"""Rows for retention tests, written in bulk: runs of a given age with what runs leave behind."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from evals.models import Feedback
from runs.db import writer
from runs.models import Checkpoint, Event, Run, Span, ToolCallRecord
from runs.store import _offload_blobs


def make_run(project, *, status: str = "succeeded", age_days: float = 0, environment: str = "", **fields) -> Run:
    created = timezone.now() - timedelta(days=age_days)
    return Run.objects.create(project=project, kind="agent", status=status, environment=environment,
                              created_at=created, finished_at=created if status != "running" else None, **fields)


def seed_runs(project, count: int, *, age_days: float, environment: str = "", events: int = 4,
              status: str = "succeeded") -> list[str]:
    """`count` finished runs with `events` events, two checkpoints, a span, a ledger entry and feedback each."""
    created = timezone.now() - timedelta(days=age_days)
    runs = Run.objects.bulk_create(
        [Run(project=project, kind="agent", status=status, environment=environment, created_at=created,
             finished_at=created, last_seq=events) for _ in range(count)], batch_size=1000)
    ids = [run.pk for run in runs]
    Event.objects.bulk_create([Event(run_id=i, seq=s, type="node.completed", ts=created, data={"n": s})
                               for i in ids for s in range(1, events + 1)], batch_size=5000)
    Checkpoint.objects.bulk_create([Checkpoint(run_id=i, idx=x, key=f"turn:{x}", delta={"x": x}, created_at=created)
                                    for i in ids for x in range(2)], batch_size=5000)
    Span.objects.bulk_create([Span(id=f"s{n:030d}"[:32], run_id=i, kind="model", name="m", started_at=created)
                              for n, i in enumerate(ids, start=_span_base())], batch_size=5000)
    ToolCallRecord.objects.bulk_create([ToolCallRecord(run_id=i, key="k", created_at=created) for i in ids],
                                       batch_size=5000)
    Feedback.objects.bulk_create([Feedback(project=project, run_id=i, thumbs="up", created_at=created) for i in ids],
                                 batch_size=5000)
    return ids


_SPANS = [0]


def _span_base() -> int:
    _SPANS[0] += 1_000_000
    return _SPANS[0]


def checkpoint_with_blob(run: Run, value, *, idx: int = 10, age_days: float = 0) -> str:
    """A checkpoint of `run` whose `payload` is offloaded as a blob (the store's own code); the
    blob's row is aged like the run. Returns the blob's sha256."""
    with writer() as cur:
        delta = _offload_blobs(cur, {"payload": value})
        cur.execute("UPDATE runs_blob SET created_at = now() - make_interval(secs => %s) WHERE sha256 = %s",
                    (age_days * 86400, delta["payload"]["$blob"]))
    Checkpoint.objects.create(run=run, idx=idx, key=f"turn:{idx}", delta=delta)
    return delta["payload"]["$blob"]


def big_value(tag: str) -> dict:
    return {"tag": tag, "rows": [f"{tag}-{i}-" + "x" * 90 for i in range(800)]}  # ~80 KB of JSON: a blob
