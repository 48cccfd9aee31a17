# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`client.runs`: create, inspect, stream and steer runs of agents and workflows."""
from __future__ import annotations

import time
from typing import Any, Iterator, Dict

from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync._streaming import stream_run_events
from agent_platform_sdk._sync.resources._resource import Resource, segment
from agent_platform_sdk._retry import RetryPolicy
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.models import (
    TERMINAL_EVENT_TYPES,
    Checkpoint,
    Feedback,
    FeedbackCreate,
    Run,
    RunCreate,
    RunEvent,
    RunFork,
    RunResume,
    RunRetry,
    StreamToken,
)

Timeout = TimeoutTypes | NotGiven
Retries = RetryPolicy | int | None | NotGiven


class RunStream:
    """The events of a run just created: iterate it; `run` is the run as created."""

    def __init__(self, run: Run, events: Iterator[RunEvent]) -> None:
        self.run = run
        self._events = events

    def __iter__(self) -> Iterator[RunEvent]:
        return self._events

    def close(self) -> None:
        self._events.close()  # type: ignore[attr-defined]

    def __enter__(self) -> RunStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Runs(Resource):
    def create(self, *, agent: str | NotGiven = NOT_GIVEN, workflow: str | NotGiven = NOT_GIVEN,
                     input: Any = NOT_GIVEN, version: int | NotGiven = NOT_GIVEN,
                     environment: str | NotGiven = NOT_GIVEN,
                     metadata: Dict[str, Any] | NotGiven = NOT_GIVEN,
                     webhook_url: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN, retries: Retries = NOT_GIVEN) -> Run:
        """Queue a run of an agent or workflow (by id or name). One `Idempotency-Key` is sent
        with the request and reused by its retries, so a retried create never makes two runs."""
        body = RunCreate(**strip_not_given({
            "agent": agent, "workflow": workflow, "input": input, "version": version, "environment": environment,
            "metadata": metadata, "webhook_url": webhook_url})).payload()
        return self._client.send_model("POST", "/runs", Run, json=body, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout, retries=retries)

    def get(self, run_id: str, *, timeout: Timeout = NOT_GIVEN) -> Run:
        return self._client.get_model(f"/runs/{segment(run_id)}", Run, timeout=timeout)

    def list(self, *, status: str | None = None, agent: str | None = None, workflow: str | None = None,
             environment: str | None = None, limit: int | None = None,
             timeout: Timeout = NOT_GIVEN) -> Paginator[Run]:
        params = query_params({"status": status, "agent": agent, "workflow": workflow, "environment": environment,
                               "limit": limit})
        return Paginator(self._client, "/runs", Run, params, timeout=timeout)

    def cancel(self, run_id: str, *, timeout: Timeout = NOT_GIVEN) -> Run:
        """Ask a queued, running or waiting run to stop (a finished run: ConflictError)."""
        return self._client.send_model("POST", f"/runs/{segment(run_id)}/cancel", Run, timeout=timeout)

    def resume(self, run_id: str, *, input: Any = NOT_GIVEN, approve: bool | NotGiven = NOT_GIVEN,
                     reason: str | NotGiven = NOT_GIVEN, node: str | NotGiven = NOT_GIVEN,
                     timeout: Timeout = NOT_GIVEN) -> Run:
        """Answer a waiting run: `input=` for a human-input pause, `approve=` (and `reason=`) for a
        tool approval; `node=` picks one of several parallel pauses."""
        body = RunResume(**strip_not_given({"input": input, "approve": approve, "reason": reason,
                                            "node": node})).payload()
        return self._client.send_model("POST", f"/runs/{segment(run_id)}/resume", Run, json=body,
                                             timeout=timeout)

    def retry(self, run_id: str, *, from_node: str | NotGiven = NOT_GIVEN,
                    idempotency_key: str | None = None, timeout: Timeout = NOT_GIVEN) -> Run:
        """A new run retrying a failed one from its failed node (or `from_node`), reusing the
        outputs of the nodes that completed."""
        body = RunRetry(**strip_not_given({"from_node": from_node})).payload()
        return self._client.send_model("POST", f"/runs/{segment(run_id)}/retry", Run, json=body, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def fork(self, run_id: str, *, checkpoint: int, state_patch: Dict[str, Any] | NotGiven = NOT_GIVEN,
                   idempotency_key: str | None = None, timeout: Timeout = NOT_GIVEN) -> Run:
        """A new run from one of this run's checkpoints (see `checkpoints()`), optionally with a
        patched state."""
        body = RunFork(**strip_not_given({"checkpoint": checkpoint, "state_patch": state_patch})).payload()
        return self._client.send_model("POST", f"/runs/{segment(run_id)}/fork", Run, json=body, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def checkpoints(self, run_id: str, *, timeout: Timeout = NOT_GIVEN) -> Paginator[Checkpoint]:
        return Paginator(self._client, f"/runs/{segment(run_id)}/checkpoints", Checkpoint, {}, timeout=timeout)

    def events(self, run_id: str, *, after_seq: int = 0, limit: int | None = None,
               timeout: Timeout = NOT_GIVEN) -> Paginator[RunEvent]:
        """The stored events after `after_seq`, in order (pages continue from the last seq)."""
        params = query_params({"after_seq": after_seq, "limit": limit})
        return Paginator(self._client, f"/runs/{segment(run_id)}/events", RunEvent, params,
                              cursor_param="after_seq", timeout=timeout)

    def stream(self, run_id: str, *, after_seq: int = 0, timeout: Timeout = NOT_GIVEN,
               retries: Retries = NOT_GIVEN) -> Iterator[RunEvent]:
        """Live events (SSE) after `after_seq` until the terminal event: each exactly once, in
        order, reconnecting with `Last-Event-ID` whenever the connection drops. `timeout` is
        the per-connection timeout (read timeout 60 s by default; the server heartbeats every 15 s)."""
        return stream_run_events(self._client, run_id, after_seq=after_seq, timeout=timeout, retries=retries)

    def wait(self, run_id: str, *, wait_timeout: float | None = None) -> Run:
        """Follow the run's stream until it ends (terminal event) or pauses for input, then
        return it. Past `wait_timeout` seconds: `APITimeoutError`."""
        deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
        for event in stream_run_events(self._client, run_id, deadline=deadline):
            if event.type in TERMINAL_EVENT_TYPES:
                break
            if event.type == "run.waiting":
                run = self.get(run_id)
                if run.status == "waiting":  # not an old pause already answered
                    return run
        return self.get(run_id)

    def create_and_wait(self, *, wait_timeout: float | None = None, **create: Any) -> Run:
        """`create(**create)`, then `wait()`: the finished (or waiting) run."""
        run = self.create(**create)
        return self.wait(run.id, wait_timeout=wait_timeout)

    def create_and_stream(self, **create: Any) -> RunStream:
        """`create(**create)` and a stream of the new run's events from the first."""
        run = self.create(**create)
        return RunStream(run, stream_run_events(self._client, run.id))

    def stream_token(self, run_id: str, *, timeout: Timeout = NOT_GIVEN) -> StreamToken:
        """A short-lived token for `?token=` on the stream URL (for browsers' EventSource)."""
        return self._client.send_model("POST", f"/runs/{segment(run_id)}/stream-token", StreamToken,
                                             timeout=timeout)

    def add_feedback(self, run_id: str, *, score: float | NotGiven = NOT_GIVEN,
                           thumbs: str | NotGiven = NOT_GIVEN, comment: str | NotGiven = NOT_GIVEN,
                           timeout: Timeout = NOT_GIVEN) -> Feedback:
        body = FeedbackCreate(**strip_not_given({"score": score, "thumbs": thumbs, "comment": comment})).payload()
        return self._client.send_model("POST", f"/runs/{segment(run_id)}/feedback", Feedback, json=body,
                                             timeout=timeout)

    def list_feedback(self, run_id: str, *, timeout: Timeout = NOT_GIVEN) -> Paginator[Feedback]:
        return Paginator(self._client, f"/runs/{segment(run_id)}/feedback", Feedback, {}, timeout=timeout)
