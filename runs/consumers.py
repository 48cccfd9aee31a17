"""`WS /ws/runs/{id}/?after_seq=`: the run's events over a websocket (Channels consumer).

The API key comes in the `Authorization` header, or `?token=` carries a stream token
(`POST /api/v1/runs/{id}/stream-token`; a raw API key there is deprecated). The socket closes
with 4401 within seconds of the key's revocation. Each message is one event
(JSON); `{"type": "heartbeat"}` when idle; the server closes after the terminal event.
"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.authentication import bearer_token
from runs.streaming import StreamRevoked, open_stream


class RunEventsConsumer(AsyncWebsocketConsumer):
    # Events come from the process's EventHub (runs/pubsub.py), never from the channel layer. With
    # a layer, Channels keeps a blocking Redis read (BZPOPMIN) per connection, whose late answer
    # on a busy machine raised redis TimeoutError and closed the socket with 1011.
    channel_layer_alias = None

    async def connect(self):
        run_id = self.scope["url_route"]["kwargs"]["run_id"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        headers = {k.decode().lower(): v.decode() for k, v in self.scope.get("headers", [])}
        header_key = bearer_token(headers.get("authorization", ""))
        raw = header_key or (query.get("token") or [None])[0]
        try:
            after = int((query.get("after_seq") or ["0"])[0])
        except ValueError:
            after = -1
        status, events = (400, None) if after < 0 else await open_stream(raw, run_id, after,
                                                                          from_url=header_key is None)
        if events is None:
            # 4401 / 4404 / 4400: close codes mirroring HTTP statuses. Accept first: a close before
            # the accept is an HTTP 403 at the handshake, which browsers report without any code.
            await self.accept()
            await self.close(code=4000 + status)
            return
        await self.accept()
        self._task = asyncio.create_task(self._pump(events))

    async def _pump(self, events) -> None:
        try:
            async for event in events:
                await self.send(text_data=json.dumps(event if event is not None else {"type": "heartbeat"}))
        except StreamRevoked:
            await self.close(code=4401)  # the key was revoked or expired while the stream was open
            return
        await self.close(code=1000)

    async def disconnect(self, code):
        task = getattr(self, "_task", None)
        if task is not None and not task.done():
            task.cancel()

    async def receive(self, text_data=None, bytes_data=None):
        return None  # the stream is one-way
