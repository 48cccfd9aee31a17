"""A client leaving an SSE stream while it waits for the next event: the server cancels the
pending read, then closes the event stream (closing it while the read still ran raised
"aclose(): asynchronous generator is already running" inside Daphne, logged as an ERROR with a
traceback for every client that left an idle stream)."""
from __future__ import annotations

import asyncio

from runs.api.sse import _pump


def test_a_client_leaving_an_idle_stream_ends_it_cleanly():
    async def scenario():
        waiting, closed, sent = asyncio.Event(), asyncio.Event(), []

        async def events():  # what runs.streaming yields: here, one event, then nothing for a long time
            try:
                yield {"seq": 1, "run_id": "run_x", "type": "run.started", "ts": "2026-01-01T00:00:00Z", "data": {}}
                waiting.set()
                await asyncio.sleep(3600)
                yield None
            finally:
                closed.set()

        async def receive():
            await waiting.wait()  # the client goes away while the stream waits for its next event
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        await asyncio.wait_for(_pump(events(), receive, send), timeout=10)
        assert closed.is_set()  # the generator was closed (its finally ran), not left suspended
        assert [m.get("more_body") for m in sent] == [True]  # the one event; no end-of-body after a disconnect
        assert b"run.started" in sent[0]["body"]

    asyncio.run(scenario())


def test_a_stream_that_reaches_its_end_still_ends_the_body():
    async def scenario():
        sent = []

        async def events():
            yield {"seq": 1, "run_id": "run_x", "type": "run.succeeded", "ts": "2026-01-01T00:00:00Z", "data": {}}

        async def receive():
            await asyncio.sleep(3600)

        async def send(message):
            sent.append(message)

        await asyncio.wait_for(_pump(events(), receive, send), timeout=10)
        assert [m.get("more_body") for m in sent] == [True, False]

    asyncio.run(scenario())
