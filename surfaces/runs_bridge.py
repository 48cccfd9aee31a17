"""Start a run for a surface request and follow it to the end, through the runs services and the
run event log: the surfaces never make or execute runs themselves."""
from __future__ import annotations

from collections.abc import AsyncIterator

from agent_platform.service_errors import StateConflict
from runs import services
from runs.models import Run
from runs.streaming import open_stream
from surfaces.access import Caller
from surfaces.db import db_call
from surfaces.targets import Target


@db_call
def start_run(caller: Caller, target: Target, input: dict, metadata: dict) -> Run:
    """`runs.services.create_run` pinned to the version `target` resolved (so the run is exactly that)."""
    return services.create_run(project=caller.project, **{target.ref.kind: target.definition.pk},
                               version=target.version_number if target.ref.environment is None else None,
                               environment=target.ref.environment, input=input, metadata=metadata)


async def run_events(caller: Caller, run_id: str) -> AsyncIterator[dict | None]:
    """The run's events from the first, live, until the terminal one (None = idle keep-alive)."""
    status, events = await open_stream(caller.raw_key, run_id, 0)
    if events is None:  # the key was revoked between the create and the subscribe
        raise PermissionError(f"stream refused ({status})")
    return events


@db_call
def finished_run(run_id: str) -> Run:
    return Run.objects.get(pk=run_id)


@db_call
def cancel_run(run_id: str) -> None:
    run = Run.objects.get(pk=run_id)
    if not run.is_terminal:
        try:
            services.cancel_run(run=run)
        except StateConflict:  # it finished meanwhile
            pass
