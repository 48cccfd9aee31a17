"""Following a run's events: replay what is stored after a seq, then live events from Redis,
each exactly once and in order, until the terminal event. Used by SSE and websockets.

Subscribe first, then replay: an event published between the two is in the replay or in
the queue, and duplicates are dropped by seq. A gap in the live stream (a missed message) is
filled from the database.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.db import connection

from accounts.models import Project
from accounts.selectors import active_api_key
from runs import pubsub
from runs.models import Run
from runs.selectors import events_after

TERMINAL_TYPES = frozenset({"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"})
HEARTBEAT = None  # yielded when idle, so transports can send keep-alives


def _db_call(fn):
    """Run a DB read off the event loop and give its connection back at once: a stream lives
    for minutes and must not hold a database connection while it waits."""

    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return sync_to_async(call)


@_db_call
def _stored_after(run_id: str, after_seq: int) -> list[dict]:
    return events_after(run_id, after_seq, limit=100_000)


async def follow(run_id: str, after_seq: int = 0, *, heartbeat_s: float = 15.0) -> AsyncIterator[dict | None]:
    hub = pubsub.hub()
    queue = await hub.subscribe(run_id)
    last = after_seq
    try:
        for event in await _stored_after(run_id, last):
            yield event
            last = event["seq"]
            if event["type"] in TERMINAL_TYPES:
                return
        while True:
            try:
                batch = await asyncio.wait_for(queue.get(), timeout=heartbeat_s)
            except TimeoutError:
                # Idle: catch up from storage in case a message was lost, then keep alive.
                for event in await _stored_after(run_id, last):
                    yield event
                    last = event["seq"]
                    if event["type"] in TERMINAL_TYPES:
                        return
                yield HEARTBEAT
                continue
            for event in batch:
                if event["seq"] <= last:
                    continue
                if event["seq"] > last + 1:  # missed something: fill from storage
                    for missed in await _stored_after(run_id, last):
                        if missed["seq"] >= event["seq"]:
                            break
                        yield missed
                        last = missed["seq"]
                yield event
                last = event["seq"]
                if event["type"] in TERMINAL_TYPES:
                    return
    finally:
        await hub.unsubscribe(run_id, queue)


@_db_call
def authorise(raw_key: str | None, run_id: str) -> tuple[str | None, int]:
    """(run id, 0) if the key may read the run, else (None, http status)."""
    if not raw_key:
        return None, 401
    key = active_api_key(raw_key)
    if key is None:
        return None, 401
    project: Project = key.project
    from accounts.roles import role_allows

    if not role_allows(key.role, "read_project") or not Run.objects.filter(pk=run_id, project=project).exists():
        return None, 404
    return run_id, 0
