"""Item 10 of issue 15: user regexes run on RE2 (linear time; unsupported syntax refused at
validation, naming the field) and OpenAPI `$ref` inlining is bounded."""
from __future__ import annotations

import time

import pytest

from runtime.errors import AgentSpecInvalid, ExpressionInvalid
from runtime.graph.expressions import compile_condition
from runtime.guardrails.blocklist import Blocklist
from runtime.guardrails.registry import build_guardrail
from runtime.tools.openapi import OpenAPIError, import_tools

EVIL = "(a+)+$"
LONG = "a" * 50_000 + "b"


def test_a_catastrophic_matches_condition_ends_in_milliseconds():
    condition = compile_condition({"left": "$.input.text", "op": "matches", "right": EVIL})
    started = time.perf_counter()
    assert condition.evaluate({"input": {"text": LONG}}) is False
    assert time.perf_counter() - started < 0.05


def test_a_catastrophic_blocklist_pattern_ends_in_milliseconds():
    guard = Blocklist(patterns=[EVIL])
    started = time.perf_counter()
    verdict = guard.check(LONG, stage="input")
    assert time.perf_counter() - started < 0.05
    assert verdict.action == "allow"
    assert guard.check("xx aaaa", stage="input").action == "block"


def test_blocklist_masks_with_a_literal_mask():
    verdict = Blocklist(words=["secret"], action="mask", mask=r"[\1 gone]").check("a SECRET b", stage="output")
    assert verdict.text == r"a [\1 gone] b"


@pytest.mark.parametrize("pattern", [r"(a)\1", "(?=a)b", "(?<!x)y", "["])
def test_unsupported_syntax_is_refused_at_validation_naming_the_field(pattern):
    with pytest.raises(ExpressionInvalid) as bad:
        compile_condition({"left": "$.input.text", "op": "matches", "right": pattern})
    assert bad.value.details.get("field") == "right" and "RE2" in bad.value.message
    with pytest.raises(AgentSpecInvalid) as bad_guard:
        build_guardrail({"type": "blocklist", "patterns": ["fine", pattern]})
    assert "patterns[1]" in bad_guard.value.message


def exponential_document(levels: int) -> dict:
    schemas = {f"S{i}": {"type": "object", "properties": {"a": {"$ref": f"#/components/schemas/S{i + 1}"},
                                                          "b": {"$ref": f"#/components/schemas/S{i + 1}"}}}
               for i in range(levels)}
    schemas[f"S{levels}"] = {"type": "string"}
    return {"openapi": "3.1.0", "servers": [{"url": "https://api.example.com"}],
            "components": {"schemas": schemas},
            "paths": {"/x": {"post": {"operationId": "boom", "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/S0"}}}}}}}}


def test_an_exponential_openapi_document_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(OpenAPIError) as refused:
        import_tools(exponential_document(40))
    assert time.perf_counter() - started < 2
    assert "expand" in str(refused.value)


def test_a_reasonable_document_still_imports():
    tools = import_tools(exponential_document(6))  # 2**6 leaves
    assert [t.spec.name for t in tools] == ["boom"]
