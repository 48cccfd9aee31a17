"""Tool failures are fed back to the model as tool results, up to max_tool_errors."""
from __future__ import annotations

import json

import pytest

from runtime.agent import Limits, run_agent
from runtime.errors import TooManyToolErrors
from tests.runtime.agent.factories import FunctionTool, add_tool, call, context, router_with, spec


def _explode(i: dict, ctx: object) -> dict:
    raise ValueError("disk on fire")


def test_a_tool_raising_becomes_an_error_result_and_the_model_carries_on() -> None:
    router = router_with(main=[{"tool_calls": [call("flaky")]}, {"text": "sorry, the tool failed"}])

    result = run_agent(spec(), {"message": "go"}, ctx=context(router, tools={"flaky": FunctionTool("flaky", _explode)}))

    assert result.output == {"text": "sorry, the tool failed"}
    error = json.loads(result.messages[-2].content)["error"]
    assert error["type"] == "tool_error" and "ValueError: disk on fire" in error["message"]
    second_request = router.resolve("scripted/main")[0].requests[1]
    assert second_request.messages[-1].role == "tool" and "disk on fire" in second_request.messages[-1].content


def test_unknown_tools_and_invalid_arguments_are_reported_to_the_model() -> None:
    router = router_with(main=[{"tool_calls": [call("nope"), call("add", a="one", b=2)]}, {"text": "ok"}])

    result = run_agent(spec(limits=Limits(max_tool_errors=2)), {"message": "go"},
                       ctx=context(router, tools={"add": add_tool()}))

    errors = [json.loads(m.content)["error"]["type"] for m in result.messages if m.role == "tool"]
    assert errors == ["tool_not_found", "tool_input_invalid"]


def test_more_tool_errors_than_allowed_fail_the_run() -> None:
    router = router_with(main=[{"tool_calls": [call("flaky")]}] * 5)
    tool = FunctionTool("flaky", _explode)

    with pytest.raises(TooManyToolErrors) as caught:
        run_agent(spec(limits=Limits(max_tool_errors=2)), {"message": "go"}, ctx=context(router, tools={"flaky": tool}))

    assert caught.value.code == "tool_error_limit_exceeded"
    assert len(tool.calls) == 3
