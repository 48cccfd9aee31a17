"""Live run events over Redis pub/sub: the worker publishes a batch per write; streaming
views subscribe through one shared connection per process (`EventHub`)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import redis.asyncio as aioredis

from agent_platform.redis_client import async_redis_client, redis_client


def channel(run_id: str) -> str:
    return f"run-events:{run_id}"


def publish(run_id: str, events: list[dict[str, Any]]) -> None:
    """Publish one batch of (already stored) events to live followers."""
    if events:
        redis_client().publish(channel(run_id), json.dumps(events, separators=(",", ":")))


class EventHub:
    """One Redis subscription connection per process (per event loop), fanned out to queues."""

    def __init__(self, url: str | None = None) -> None:
        self._url = url
        self._queues: dict[str, set[asyncio.Queue]] = {}
        self._pubsub: aioredis.client.PubSub | None = None
        self._reader: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def subscribe(self, run_id: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        async with self._lock:
            if self._pubsub is None:
                client = async_redis_client(self._url)
                self._pubsub = client.pubsub(ignore_subscribe_messages=True)
            first = run_id not in self._queues
            self._queues.setdefault(run_id, set()).add(queue)
            if first:
                await self._pubsub.subscribe(channel(run_id))
            if self._reader is None or self._reader.done():
                self._reader = asyncio.get_running_loop().create_task(self._read())
        return queue

    async def unsubscribe(self, run_id: str, queue: asyncio.Queue) -> None:
        async with self._lock:
            queues = self._queues.get(run_id)
            if not queues:
                return
            queues.discard(queue)
            if not queues:
                del self._queues[run_id]
                if self._pubsub is not None:
                    await self._pubsub.unsubscribe(channel(run_id))

    async def _read(self) -> None:
        assert self._pubsub is not None
        while True:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            run_id = message["channel"].decode().split(":", 1)[1]
            batch = json.loads(message["data"])
            for queue in list(self._queues.get(run_id, ())):
                queue.put_nowait(batch)


_hubs: dict[int, EventHub] = {}


def hub() -> EventHub:
    """The hub of the running event loop."""
    loop_id = id(asyncio.get_running_loop())
    if loop_id not in _hubs:
        _hubs[loop_id] = EventHub()
    return _hubs[loop_id]
