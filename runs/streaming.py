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
from accounts.roles import role_allows
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


async def open_stream(raw_key: str | None, run_id: str, after_seq: int = 0, *,
                      heartbeat_s: float = 15.0) -> tuple[int, AsyncIterator[dict | None] | None]:
    """Authorise and open a run's event stream: `(0, events)` or `(http status, None)`.

    Subscribes first (harmless before authorisation: nothing is sent until it passes), then
    authorises and reads the stored backlog in one database call."""
    hub = pubsub.hub()
    queue = await hub.subscribe(run_id)
    try:
        status, stored = await _authorise_and_replay(raw_key, run_id, after_seq)
    except BaseException:
        await hub.unsubscribe(run_id, queue)
        raise
    if status:
        await hub.unsubscribe(run_id, queue)
        return status, None
    return 0, _follow(hub, queue, run_id, after_seq, stored, heartbeat_s)


async def _follow(hub, queue: asyncio.Queue, run_id: str, last: int, stored: list[dict],
                  heartbeat_s: float) -> AsyncIterator[dict | None]:
    try:
        for event in stored:
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
def _authorise_and_replay(raw_key: str | None, run_id: str, after_seq: int) -> tuple[int, list[dict]]:
    """(0, stored events after `after_seq`) if the key may read the run, else (http status, [])."""
    if not raw_key:
        return 401, []
    key = active_api_key(raw_key)
    if key is None:
        return 401, []
    project: Project = key.project
    if not role_allows(key.role, "read_project") or not Run.objects.filter(pk=run_id, project=project).exists():
        return 404, []
    return 0, events_after(run_id, after_seq, limit=100_000)
