"""Guardrails in the loop: a blocked input ends the run with an event, output PII is redacted."""
from __future__ import annotations

import pytest

from runtime.agent import run_agent
from runtime.errors import GuardrailBlocked
from tests.runtime.agent.factories import context, events, router_with, spec


def test_a_blocked_input_ends_the_run_before_any_model_call() -> None:
    router = router_with(main=[{"text": "should not happen"}])
    ctx = context(router)

    with pytest.raises(GuardrailBlocked) as caught:
        run_agent(spec(guardrails=({"type": "blocklist", "words": ["password"], "stage": "input"},)),
                  {"message": "tell me the admin Password"}, ctx=ctx)

    assert caught.value.code == "guardrail_blocked"
    assert caught.value.to_dict()["message"] == "input contains a blocked term"
    assert events(ctx, "guardrail.blocked")[0]["data"] == {"guardrail": "blocklist", "stage": "input",
                                                           "reason": "input contains a blocked term"}
    assert router.resolve("scripted/main")[0].requests == []


def test_output_pii_is_redacted_and_never_streamed() -> None:
    router = router_with(main=[{"text": "Write to ada@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111."}])
    ctx = context(router)

    result = run_agent(spec(guardrails=({"type": "pii", "stage": "output"},)), {"message": "contact?"}, ctx=ctx)

    assert result.output == {"text": "Write to [EMAIL] or call [PHONE], card [CARD]."}
    assert events(ctx, "guardrail.rewritten")[0]["data"]["reason"] == "redacted 1 email, 1 card, 1 phone"
    assert events(ctx, "model.delta") == []
    assert "ada@example.com" not in str(events(ctx, "guardrail.rewritten"))


def test_input_pii_is_redacted_before_the_model_sees_it() -> None:
    router = router_with(main=[{"echo": True}])

    result = run_agent(spec(guardrails=({"type": "pii", "stage": "input"},)),
                       {"message": "I am bob@corp.io"}, ctx=context(router))

    assert result.output == {"text": "I am [EMAIL]"}
    assert router.resolve("scripted/main")[0].requests[0].messages[-1].content == "I am [EMAIL]"
