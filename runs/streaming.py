"""Following a run's events: replay what is stored after a seq, then live events from Redis,
each exactly once and in order, until the terminal event. Used by SSE and websockets.

Subscribe first, then replay: an event published between the two is in the replay or in
the queue, and duplicates are dropped by seq. A gap in the live stream (a missed message) is
filled from the database. The replay is paged (`REPLAY_PAGE` events per database read), so a
run with 100k stored events never sits in memory whole.

Credentials: an API key (the `Authorization` header; in `?token=` only while
PLATFORM_API_KEY_IN_URL allows it — deprecated) or a stream token (`runs.stream_tokens`, made
for URLs). Either way the stream re-checks the key every `RECHECK_S` seconds and ends
(`StreamRevoked`) once it is revoked or expired, so a revoked key's streams close within seconds.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import ApiKey
from accounts.roles import role_allows
from accounts.selectors import active_api_key
from runs import pubsub
from runs.models import TERMINAL as RUN_TERMINAL_STATUSES
from runs.models import Run
from runs.selectors import events_after
from runs.stream_tokens import is_stream_token, read_stream_token

TERMINAL_TYPES = frozenset({"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"})
HEARTBEAT = None  # yielded when idle, so transports can send keep-alives
REPLAY_PAGE = 500
RECHECK_S = 2.0


class StreamRevoked(Exception):
    """The key behind an open stream was revoked or expired: the transport closes the stream."""


@dataclass(frozen=True)
class StreamAccess:
    key_id: str
    via_url_key: bool  # a raw API key came in the URL (deprecated)


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
    return events_after(run_id, after_seq, limit=REPLAY_PAGE)


@_db_call
def _run_finished(run_id: str) -> bool:
    return Run.objects.filter(pk=run_id, status__in=RUN_TERMINAL_STATUSES).exists()


@_db_call
def _key_active(key_id: str) -> bool:
    now = timezone.now()
    key = ApiKey.objects.filter(pk=key_id).only("revoked_at", "expires_at").first()
    return key is not None and key.is_active(now)


async def open_stream(raw_key: str | None, run_id: str, after_seq: int = 0, *,
                      heartbeat_s: float = 15.0, from_url: bool = False,
                      ) -> tuple[int, AsyncIterator[dict | None] | None]:
    """Authorise and open a run's event stream: `(0, events)` or `(http status, None)`.

    `from_url`: the credential came in `?token=` (a stream token, or a raw API key while that is
    still allowed). Subscribes first (harmless before authorisation: nothing is sent until it
    passes), then authorises and reads the first page of the backlog in one database call."""
    hub = pubsub.hub()
    queue = await hub.subscribe(run_id)
    try:
        status, access, stored = await _authorise_and_replay(raw_key, run_id, after_seq, from_url)
    except BaseException:
        await hub.unsubscribe(run_id, queue)
        raise
    if status or access is None:
        await hub.unsubscribe(run_id, queue)
        return status or 401, None
    return 0, _follow(hub, queue, run_id, after_seq, stored, heartbeat_s, access.key_id)


class _KeyWatch:
    """Re-checks the stream's key at most every RECHECK_S seconds."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self.checked = time.monotonic()

    async def check(self) -> None:
        if time.monotonic() - self.checked < RECHECK_S:
            return
        self.checked = time.monotonic()
        if not await _key_active(self.key_id):
            raise StreamRevoked(self.key_id)


async def _follow(hub, queue: asyncio.Queue, run_id: str, last: int, stored: list[dict],
                  heartbeat_s: float, key_id: str) -> AsyncIterator[dict | None]:
    watch = _KeyWatch(key_id)
    try:
        # Resumed at or past the end (Last-Event-ID = the terminal event's seq): nothing more will
        # come, so the stream ends now instead of idling. The terminal status and the terminal
        # event are written in one transaction; a run that ends after this check publishes its
        # terminal event to the queue subscribed above.
        if not stored and await _run_finished(run_id):
            for event in await _stored_after(run_id, last):  # written between the replay and the check
                yield event
            return
        page = stored
        while page:  # the paged replay
            for event in page:
                yield event
                last = event["seq"]
                if event["type"] in TERMINAL_TYPES:
                    return
            await watch.check()
            page = await _stored_after(run_id, last) if len(page) >= REPLAY_PAGE else []
        idle_since = time.monotonic()
        while True:
            try:
                batch = await asyncio.wait_for(queue.get(), timeout=min(RECHECK_S, heartbeat_s))
            except TimeoutError:
                await watch.check()
                if time.monotonic() - idle_since < heartbeat_s:
                    continue
                idle_since = time.monotonic()
                # Idle: catch up from storage in case a message was lost, then keep alive.
                for event in await _stored_after(run_id, last):
                    yield event
                    last = event["seq"]
                    if event["type"] in TERMINAL_TYPES:
                        return
                yield HEARTBEAT
                continue
            await watch.check()
            idle_since = time.monotonic()
            for event in batch:
                if event["seq"] <= last:
                    continue
                while event["seq"] > last + 1:  # missed something: fill from storage, page by page
                    missed_page = await _stored_after(run_id, last)
                    filled = False
                    for missed in missed_page:
                        if missed["seq"] >= event["seq"]:
                            break
                        yield missed
                        last = missed["seq"]
                        filled = True
                    if not filled or len(missed_page) < REPLAY_PAGE:
                        break
                yield event
                last = event["seq"]
                if event["type"] in TERMINAL_TYPES:
                    return
    finally:
        await hub.unsubscribe(run_id, queue)


@_db_call
def _authorise_and_replay(raw: str | None, run_id: str, after_seq: int,
                          from_url: bool) -> tuple[int, StreamAccess | None, list[dict]]:
    """(0, access, first page after `after_seq`) if the credential may read the run, else (status, None, [])."""
    if not raw:
        return 401, None, []
    if is_stream_token(raw):
        grant = read_stream_token(raw)
        if grant is None:
            return 401, None, []
        key = ApiKey.objects.filter(pk=grant.key_id, project_id=grant.project_id).first()
        if key is None or not key.is_active(timezone.now()):
            return 401, None, []
        if grant.run_id != run_id:
            return 404, None, []
        access = StreamAccess(key_id=key.pk, via_url_key=False)
    else:
        if from_url and not settings.PLATFORM_API_KEY_IN_URL:
            return 401, None, []
        key = active_api_key(raw)
        if key is None:
            return 401, None, []
        access = StreamAccess(key_id=key.pk, via_url_key=from_url)
    if not role_allows(key.role, "read_project") or not Run.objects.filter(pk=run_id,
                                                                           project_id=key.project_id).exists():
        return 404, None, []
    return 0, access, events_after(run_id, after_seq, limit=REPLAY_PAGE)
