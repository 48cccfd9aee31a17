"""Finished runs (and their model spans) written straight to the tables, at chosen times."""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from runs.models import Run, Span


def finished_run(project, agent, version, *, finished_at: datetime, status: str = "succeeded",
                 duration_ms: float | None = 1200.0, environment: str = "dev", input_tokens: int = 10,
                 output_tokens: int = 5, cost: float = 0.001, model_calls: int = 1) -> Run:
    started = None if duration_ms is None else finished_at - timedelta(milliseconds=duration_ms)
    run = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version,
                             environment=environment, status=status, created_at=(started or finished_at)
                             - timedelta(seconds=1), started_at=started, finished_at=finished_at,
                             usage={"input_tokens": input_tokens, "output_tokens": output_tokens, "cost_usd": cost})
    for index in range(model_calls):
        Span.objects.create(id=uuid.uuid4().hex, run=run, kind="model", name=version.body["model"],
                            status="ok" if status == "succeeded" or index else "error",
                            started_at=started or finished_at, ended_at=finished_at,
                            duration_ms=(duration_ms or 0) / max(1, model_calls), input_tokens=input_tokens,
                            output_tokens=output_tokens, cost_usd=cost / max(1, model_calls))
    return run


def random_runs(project, targets, *, now: datetime, count: int, hours: int, seed: int = 7) -> list[Run]:
    """`count` runs spread over the last `hours` hours, over `targets` [(agent, version)]."""
    rng = random.Random(seed)
    statuses = ["succeeded"] * 6 + ["failed", "timed_out", "cancelled"]
    runs = []
    for _ in range(count):
        agent, version = rng.choice(targets)
        status = rng.choice(statuses)
        runs.append(finished_run(
            project, agent, version, finished_at=now - timedelta(seconds=rng.uniform(0, hours * 3600)),
            status=status, duration_ms=None if status == "cancelled" and rng.random() < 0.5 else rng.lognormvariate(7, 1.5),
            environment=rng.choice(["dev", "stage", "prod", ""]), input_tokens=rng.randint(0, 5000),
            output_tokens=rng.randint(0, 800), cost=round(rng.uniform(0, 0.05), 6), model_calls=rng.randint(0, 3)))
    return runs
