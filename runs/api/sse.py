"""`GET /api/v1/runs/{id}/stream`: Server-Sent Events (async, served by Daphne).

`id:` is the event seq; `Last-Event-ID` (or `?after_seq=`) resumes after it. Idle streams get
a `: heartbeat` comment every 15 s; the stream closes after the terminal event.
"""
from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from accounts.authentication import bearer_token
from agent_platform.api.errors import problem_response
from runs.streaming import open_stream

_TITLES = {401: "Unauthorized", 404: "Not found", 400: "Invalid request"}


def _after_seq(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after_seq") or "0"
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


@require_GET
async def stream_run(request, run_id: str):
    raw = bearer_token(request.headers.get("Authorization", "")) or request.GET.get("token")
    after = _after_seq(request)
    if after is None:
        return problem_response(400, "Invalid request", "after_seq must be a non-negative integer.",
                                {"after_seq": ["must be a non-negative integer"]})
    status, events = await open_stream(raw, run_id, after)
    if events is None:
        return problem_response(status, _TITLES[status], "Send a valid API key of this run's project."
                                if status == 401 else f"Run {run_id!r} not found.")

    async def body():
        yield ": stream open\n\n"
        async for event in events:
            if event is None:
                yield ": heartbeat\n\n"
            else:
                yield f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"

    response = StreamingHttpResponse(body(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
