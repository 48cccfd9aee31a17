"""The embedded local model (Gemma 3 270M via llama-cpp-python): no key, no network."""
from __future__ import annotations

import importlib.util
import json

import pytest

from runtime.jsonschema_validation import error_messages
from runtime.models.base import Message, ModelRequest, ToolSchema
from runtime.models.router import ModelRouter

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason="llama-cpp-python is not installed (pip install -r requirements-local.txt)"),
]

WEATHER = ToolSchema("get_weather", "Current weather for a city",
                     {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


@pytest.fixture(scope="module")
def router() -> ModelRouter:
    return ModelRouter({"providers": {"local": {"max_tokens": 48}}})


def test_answers_a_prompt_with_streamed_text(router: ModelRouter) -> None:
    deltas: list[str] = []

    response = router.complete("local/default", ModelRequest(
        model="", messages=[Message("user", "What is the capital of France?")], timeout_s=60), deltas.append)

    assert "Paris" in response.text
    assert "".join(deltas).strip() == response.text
    assert response.usage.output_tokens > 0


def test_makes_a_schema_valid_tool_call(router: ModelRouter) -> None:
    response = router.complete("local/default", ModelRequest(
        model="", messages=[Message("user", "What's the weather in Berlin?")], tools=[WEATHER], timeout_s=60))

    assert len(response.tool_calls) == 1
    call = response.tool_calls[0]
    assert call.name == "get_weather"
    assert error_messages(WEATHER.parameters, call.arguments) == []
    assert response.finish_reason == "tool_calls"


def test_structured_output_is_valid_json_for_the_schema(router: ModelRouter) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"]}

    response = router.complete("local/default", ModelRequest(
        model="", messages=[Message("user", "Alice is 30 years old. Extract the person.")],
        response_format=schema, timeout_s=60))

    assert error_messages(schema, json.loads(response.text)) == []


def test_an_agent_on_the_local_model_calls_a_tool_and_answers_without_any_key(router: ModelRouter) -> None:
    from runtime.agent import AgentContext, AgentSpec, Limits, run_agent
    from runtime.tools.base import ToolSpec

    class Weather:
        spec = ToolSpec("get_weather", WEATHER.description, WEATHER.parameters)

        def __init__(self) -> None:
            self.cities: list[str] = []

        def invoke(self, input: dict, ctx: object) -> dict:
            self.cities.append(input["city"])
            return {"sky": "sunny", "temp_c": 21}

    tool = Weather()
    result = run_agent(AgentSpec(instructions="You answer questions about the weather.", model="local/default",
                                 limits=Limits(max_steps=3, call_timeout_s=60)),
                       {"message": "What's the weather in Lisbon?"},
                       ctx=AgentContext(run_id="local_1", router=router, tools={"get_weather": tool}))

    assert len(tool.cities) == 1 and tool.cities[0].startswith("Lisb")  # the tiny model may write "Lisboa"
    assert result.output["text"] and result.steps == 2
