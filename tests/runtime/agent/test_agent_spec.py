"""Agent specs from stored version JSON, and input validation."""
from __future__ import annotations

import pytest

from runtime.agent import AgentSpec, run_agent
from runtime.errors import AgentSpecInvalid, InputInvalid
from tests.runtime.agent.factories import context, router_with, spec


def test_spec_from_a_version_dict() -> None:
    built = AgentSpec.from_dict({
        "model": "openai/gpt-4.1-mini", "fallbacks": ["local/default"], "instructions": "Be kind.",
        "tools": ["http", {"name": "kv"}], "output_schema": {"type": "object"},
        "guardrails": [{"type": "pii"}], "limits": {"max_steps": 4, "max_cost_usd": 0.5, "unknown": 1},
        "retry": {"max_attempts": 2}, "response_cache": True})

    assert built.model_refs == ("openai/gpt-4.1-mini", "local/default")
    assert built.tools == ("http", "kv") and built.limits.max_steps == 4 and built.limits.max_cost_usd == 0.5
    assert built.retry.max_attempts == 2 and built.response_cache


def test_input_without_a_message_string_is_invalid() -> None:
    with pytest.raises(InputInvalid):
        run_agent(spec(), {"text": "hi"}, ctx=context(router_with(main=[])))


def test_a_spec_naming_a_missing_tool_is_invalid() -> None:
    with pytest.raises(AgentSpecInvalid):
        run_agent(spec(tools=("nope",)), {"message": "hi"}, ctx=context(router_with(main=[])))
