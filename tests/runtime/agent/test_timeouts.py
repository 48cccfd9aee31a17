"""Wall-time and per-call timeouts: a slow model ends the run as timed_out; a call timeout is
retried then falls back; a stuck tool is bounded by its timeout and reported to the model."""
from __future__ import annotations

import threading
import time

import pytest

from runtime.agent import Limits, run_agent
from runtime.errors import RunTimedOut
from tests.runtime.agent.factories import FunctionTool, call, context, events, router_with, spec


def test_a_model_slower_than_the_run_timeout_ends_the_run_as_timed_out() -> None:
    router = router_with(main=[{"delay": 5, "text": "too late"}])
    started = time.monotonic()

    with pytest.raises(RunTimedOut) as caught:
        run_agent(spec(limits=Limits(timeout_s=0.2, call_timeout_s=5)), {"message": "hi"}, ctx=context(router))

    assert caught.value.code == "timed_out"
    assert time.monotonic() - started < 2


def test_a_call_timeout_is_retried_then_the_fallback_model_answers() -> None:
    router = router_with(main=[{"delay": 5, "text": "never"}], backup=[{"text": "from backup"}])
    ctx = context(router)

    result = run_agent(spec(fallback_models=("scripted/backup",), limits=Limits(timeout_s=10, call_timeout_s=0.05)),
                       {"message": "hi"}, ctx=ctx)

    assert result.output == {"text": "from backup"} and result.model == "scripted/backup"
    failed = [s for s in ctx.tracer.spans if s.status == "error"]
    assert [s.error["type"] for s in failed] == ["model_timeout"] * 3


def test_a_stuck_tool_is_stopped_at_its_timeout_and_the_error_goes_to_the_model() -> None:
    release = threading.Event()
    stuck = FunctionTool("stuck", lambda i, c: release.wait(10), timeout_s=0.1)
    router = router_with(main=[{"tool_calls": [call("stuck")]}, {"text": "gave up on it"}])
    ctx = context(router, tools={"stuck": stuck})
    try:
        result = run_agent(spec(), {"message": "hi"}, ctx=ctx)
    finally:
        release.set()

    assert result.output == {"text": "gave up on it"}
    completed = events(ctx, "tool.completed")[0]["data"]
    assert completed["error"]["type"] == "tool_timeout"
    assert '"tool_timeout"' in result.messages[-2].content
