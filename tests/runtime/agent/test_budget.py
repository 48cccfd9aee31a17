"""Cost and token budgets: a run that would pass its cap stops with budget_exceeded."""
from __future__ import annotations

import pytest

from runtime.agent import Limits, run_agent
from runtime.errors import BudgetExceeded
from runtime.models.router import ModelRouter
from tests.runtime.agent.factories import RecordingModel, add_tool, call, context, events, spec

USAGE = {"input_tokens": 1000, "output_tokens": 1000}  # costs 0.001 + 0.002 = $0.003 a call at the prices below
PRICES = {"scripted/priced": {"input": 1.0, "output": 2.0}}


def _router(turns: list[dict]) -> ModelRouter:
    return ModelRouter({"prices": PRICES}, models={"scripted/priced": RecordingModel(turns)})


def test_a_call_that_passes_the_cost_cap_stops_the_run_with_budget_exceeded() -> None:
    router = _router([{"tool_calls": [call("add", a=1, b=2)], "usage": USAGE}, {"text": "3", "usage": USAGE}])
    ctx = context(router, tools={"add": add_tool()})

    with pytest.raises(BudgetExceeded) as caught:
        run_agent(spec("scripted/priced", limits=Limits(max_cost_usd=0.005)), {"message": "1+2"}, ctx=ctx)

    assert caught.value.code == "budget_exceeded"
    assert caught.value.details["budget"] == "cost"
    assert caught.value.details["cost_usd"] == pytest.approx(0.006)
    assert [e["data"]["cost_usd"] for e in events(ctx, "model.completed")] == [pytest.approx(0.003)] * 2


def test_a_call_whose_estimate_would_pass_the_cap_is_not_made() -> None:
    router = _router([{"text": "never"}])
    big_input = "x" * 40_000  # about 10k tokens: $0.01 at $1 per 1M input tokens

    with pytest.raises(BudgetExceeded) as caught:
        run_agent(spec("scripted/priced", limits=Limits(max_cost_usd=0.005)), {"message": big_input},
                  ctx=context(router))

    assert caught.value.details["estimated_next_call_usd"] > 0.005
    assert router.resolve("scripted/priced")[0].requests == []


def test_the_token_budget_covers_the_whole_run() -> None:
    router = _router([{"tool_calls": [call("add", a=1, b=2)], "usage": USAGE}, {"text": "3", "usage": USAGE}])

    with pytest.raises(BudgetExceeded) as caught:
        run_agent(spec("scripted/priced", limits=Limits(max_tokens=3000)), {"message": "1+2"},
                  ctx=context(router, tools={"add": add_tool()}))

    assert caught.value.details["budget"] == "tokens"


def test_usage_and_cost_are_summed_over_the_run() -> None:
    router = _router([{"tool_calls": [call("add", a=1, b=2)], "usage": USAGE}, {"text": "3", "usage": USAGE}])

    result = run_agent(spec("scripted/priced", limits=Limits(max_cost_usd=1.0)), {"message": "1+2"},
                       ctx=context(router, tools={"add": add_tool()}))

    assert (result.usage.input_tokens, result.usage.output_tokens) == (2000, 2000)
    assert result.cost_usd == pytest.approx(0.006)
