"""Structured output: JSON Schema validation, one repair turn showing the errors, then a typed failure."""
from __future__ import annotations

import pytest

from runtime.agent import run_agent
from runtime.errors import OutputInvalid
from tests.runtime.agent.factories import context, router_with, spec

PERSON = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}


def test_a_schema_invalid_answer_is_repaired_in_one_more_turn() -> None:
    router = router_with(main=[{"json": {"name": "Ada", "age": "thirty-six"}}, {"json": {"name": "Ada", "age": 36}}])

    result = run_agent(spec(output_schema=PERSON), {"message": "Who?"}, ctx=context(router))

    assert result.output == {"name": "Ada", "age": 36}
    requests = router.resolve("scripted/main")[0].requests
    assert requests[0].response_format == PERSON
    repair = requests[1].messages[-1]
    assert repair.role == "user" and "age: 'thirty-six' is not of type 'integer'" in repair.content
    assert result.steps == 2


def test_a_code_fenced_json_answer_is_accepted() -> None:
    router = router_with(main=[{"text": '```json\n{"name": "Bo", "age": 3}\n```'}])

    result = run_agent(spec(output_schema=PERSON), {"message": "Who?"}, ctx=context(router))

    assert result.output == {"name": "Bo", "age": 3}


def test_an_answer_still_invalid_after_the_repair_fails_with_output_invalid() -> None:
    router = router_with(main=[{"text": "Ada, 36"}, {"json": {"name": "Ada"}}, {"json": {"name": "Ada", "age": 36}}])

    with pytest.raises(OutputInvalid) as caught:
        run_agent(spec(output_schema=PERSON), {"message": "Who?"}, ctx=context(router))

    assert caught.value.code == "output_invalid"
    assert any("'age' is a required property" in e for e in caught.value.details["errors"])
    assert len(router.resolve("scripted/main")[0].requests) == 2
