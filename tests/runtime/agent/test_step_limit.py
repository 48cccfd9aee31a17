"""The loop stops with step_limit_exceeded when the model keeps calling tools."""
from __future__ import annotations

import pytest

from runtime.agent import Limits, run_agent
from runtime.errors import StepLimitExceeded
from tests.runtime.agent.factories import add_tool, call, context, router_with, spec


def test_a_model_that_never_answers_stops_at_max_steps() -> None:
    tool = add_tool()
    router = router_with(main=[{"tool_calls": [call("add", a=1, b=1)]}] * 10)
    ctx = context(router, tools={"add": tool})

    with pytest.raises(StepLimitExceeded) as caught:
        run_agent(spec(limits=Limits(max_steps=3)), {"message": "loop"}, ctx=ctx)

    assert caught.value.code == "step_limit_exceeded"
    assert len(router.resolve("scripted/main")[0].requests) == 3
    assert len(tool.calls) == 3


def test_an_answer_within_the_limit_succeeds() -> None:
    router = router_with(main=[{"tool_calls": [call("add", a=1, b=1)]}, {"text": "2"}])

    result = run_agent(spec(limits=Limits(max_steps=2)), {"message": "1+1"}, ctx=context(router, tools={"add": add_tool()}))

    assert result.output == {"text": "2"} and result.steps == 2
