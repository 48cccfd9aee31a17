"""`GET /api/v1/runs/{id}/stream`: Server-Sent Events, as a bare ASGI app in front of Django.

A stream is long-lived and does no Django request work, so it skips the middleware stack
(which costs several milliseconds per request under ASGI); `agent_platform/asgi.py` routes the
path here. `id:` is the event seq; `Last-Event-ID` (or `?after_seq=`) resumes after it. Idle
streams get a `: heartbeat` comment every 15 s; the stream closes after the terminal event,
or as soon as the client goes away, or within seconds of its API key's revocation.
Credentials: `Authorization: Bearer <api key>`, or `?token=` with a stream token
(`POST /api/v1/runs/{id}/stream-token`; a raw API key there is deprecated).
"""
from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import parse_qs

from accounts.authentication import bearer_token
from agent_platform.api.errors import PROBLEM_TYPE, problem
from runs.stream_tokens import is_stream_token
from runs.streaming import StreamRevoked, open_stream

PATH = re.compile(r"^/api/v1/runs/(?P<run_id>[A-Za-z0-9_\-]{1,64})/stream/?$")
_TITLES = {400: "Invalid request", 401: "Unauthorized", 404: "Not found", 405: "Method not allowed"}
_DETAILS = {400: "after_seq / Last-Event-ID must be a non-negative integer.",
            401: "Send a valid API key of this run's project.", 404: "Run not found.",
            405: "Use GET."}
_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no")]


# A comment line with no blank line after it: a blank line would make clients that keep the last
# event id (httpx-sse) dispatch an empty event.
_HEARTBEAT = b": heartbeat\n"


def sse_message(event: dict) -> bytes:
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def _after_seq(headers: dict[str, str], query: dict[str, list[str]]) -> int | None:
    raw = headers.get("last-event-id") or (query.get("after_seq") or ["0"])[0]
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


async def _problem(send, status: int) -> None:
    body = json.dumps(problem(status, _TITLES[status], _DETAILS[status],
                              {"after_seq": [_DETAILS[400]]} if status == 400 else None)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_TYPE.encode()), (b"content-length", str(len(body)).encode())]
                + ([(b"www-authenticate", b'Bearer realm="api"')] if status == 401 else [])})
    await send({"type": "http.response.body", "body": body})


async def stream_run(scope, receive, send, run_id: str) -> None:
    if scope["method"] != "GET":
        return await _problem(send, 405)
    headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
    query = parse_qs(scope.get("query_string", b"").decode())
    after = _after_seq(headers, query)
    if after is None:
        return await _problem(send, 400)
    header_key = bearer_token(headers.get("authorization", ""))
    raw = header_key or (query.get("token") or [None])[0]
    status, events = await open_stream(raw, run_id, after, from_url=header_key is None)
    if events is None:
        return await _problem(send, status)
    url_key = header_key is None and raw is not None and not is_stream_token(raw)
    # A raw API key in the URL still works but is deprecated (it ends up in proxy logs): say so.
    await send({"type": "http.response.start", "status": 200,
                "headers": _HEADERS + ([(b"deprecation", b"true")] if url_key else [])})
    await send({"type": "http.response.body", "body": b": stream open\n\n", "more_body": True})
    await _pump(events, receive, send)


async def _pump(events, receive, send) -> None:
    """Send events until the terminal one, stopping at once if the client disconnects."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    try:
        while True:
            step = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({step, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if step not in done:  # the client went away: stop the pending read before closing the stream
                step.cancel()
                await asyncio.wait({step})  # (aclose() on a generator still running raises)
                return
            try:
                event = step.result()
            except (StopAsyncIteration, StreamRevoked):  # revoked: end the stream (the client sees EOF)
                break
            await send({"type": "http.response.body", "more_body": True,
                        "body": _HEARTBEAT if event is None else sse_message(event)})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        watcher.cancel()
        await events.aclose()
