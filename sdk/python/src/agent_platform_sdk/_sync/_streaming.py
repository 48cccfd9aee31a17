# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`runs.stream()`: Server-Sent Events of a run that survive dropped connections.

The server's SSE `id:` is the event's `seq` (1, 2, 3, … with no gaps) and it resumes after
`Last-Event-ID`. This reader remembers the last seq it yielded and, whenever the connection
ends before the run's terminal event — a reset, a read timeout, a proxy cutting it, or a clean
EOF — reconnects with `Last-Event-ID: <last seq>`, skipping anything at or below it. So every
event is yielded exactly once and in order. Reconnects back off like retries; after
`max_reconnects` consecutive attempts without a new event it raises `StreamDisconnectedError`.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
from httpx_sse import connect_sse

from agent_platform_sdk._sync._base import BaseClient
from agent_platform_sdk._retry import RetryPolicy, as_policy, sync_sleep, is_retryable_response, parse_retry_after
from agent_platform_sdk._types import NOT_GIVEN, NotGiven
from agent_platform_sdk.errors import APIStatusError, APITimeoutError, StreamDisconnectedError, error_from_response
from agent_platform_sdk.models import TERMINAL_EVENT_TYPES, RunEvent

DEFAULT_STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)  # the server sends a heartbeat every 15 s


class _Dropped(Exception):
    """The connection ended before the terminal event."""


class _Fatal(Exception):
    """An error answer that reconnecting cannot fix (401, 404, ...)."""

    def __init__(self, error: APIStatusError) -> None:
        super().__init__(str(error))
        self.error = error


def _timeout_for(deadline: float | None, default: httpx.Timeout | float | None) -> httpx.Timeout | float | None:
    if deadline is None:
        return default
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    return httpx.Timeout(min(10.0, remaining), read=min(60.0, remaining))


def stream_run_events(client: BaseClient, run_id: str, *, after_seq: int = 0,
                            timeout: httpx.Timeout | float | None | NotGiven = NOT_GIVEN,
                            retries: RetryPolicy | int | None | NotGiven = NOT_GIVEN,
                            deadline: float | None = None) -> Iterator[RunEvent]:
    """Yield the run's events after `after_seq`, once each and in order, until its terminal event.
    `deadline` (a `time.monotonic()` value) bounds the whole stream: past it, `APITimeoutError`."""
    policy = client.retry_policy if isinstance(retries, NotGiven) else as_policy(retries)
    default_timeout = DEFAULT_STREAM_TIMEOUT if isinstance(timeout, NotGiven) else timeout
    last_seq = after_seq
    failures = 0
    while True:
        call_timeout = _timeout_for(deadline, default_timeout)
        if deadline is not None and call_timeout is None:
            raise APITimeoutError(f"run {run_id} did not finish in time (last event seq {last_seq})")
        retry_after: float | None = None
        try:
            headers = {**client._auth, "Accept": "text/event-stream", "Last-Event-ID": str(last_seq)}
            with connect_sse(client._http, "GET", client.url(f"/runs/{run_id}/stream"), headers=headers,
                                    timeout=call_timeout) as source:
                response = source.response
                if not response.is_success:
                    response.read()
                    error = error_from_response(response)
                    if not is_retryable_response(response):
                        raise _Fatal(error)
                    retry_after = parse_retry_after(response.headers)
                    raise error
                for sse in source.iter_sse():
                    if not sse.data or not sse.id:
                        continue
                    event = RunEvent.model_validate_json(sse.data)
                    if event.seq <= last_seq:  # already yielded before a reconnect
                        continue
                    last_seq, failures = event.seq, 0
                    yield event
                    if event.type in TERMINAL_EVENT_TYPES:
                        return
            raise _Dropped(f"the stream of {run_id} ended before its terminal event")
        except _Fatal as fatal:
            raise fatal.error from None
        except (httpx.TransportError, _Dropped, APIStatusError) as exc:
            if deadline is not None and time.monotonic() >= deadline:
                raise APITimeoutError(f"run {run_id} did not finish in time (last event seq {last_seq})") from exc
            if failures >= policy.max_reconnects:
                raise StreamDisconnectedError(
                    f"the stream of {run_id} dropped {failures + 1} times in a row after seq {last_seq}: {exc!r}",
                    run_id=run_id, last_seq=last_seq) from exc
            wait = policy.delay(failures, retry_after)
            sync_sleep(policy.backoff(failures) if wait is None else wait)
            failures += 1
