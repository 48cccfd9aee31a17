"""The safe expression language: paths, templates, literals, conditions; no eval."""
from __future__ import annotations

import pytest

from runtime.errors import ExpressionInvalid
from runtime.graph.expressions import compile_condition, compile_template, compile_value, parse_path

STATE = {
    "input": {"name": "Ada", "n": 3, "tags": ["a", "b"], "weird key": 1},
    "nodes": {"search": {"output": {"hits": [{"text": "first", "score": 0.9}, {"text": "second", "score": 0.5}]}}},
    "vars": {"limit": 2},
}


@pytest.mark.parametrize("expr, expected", [
    ("$.input.name", "Ada"),
    ("$.nodes.search.output.hits[0].text", "first"),
    ("$.nodes.search.output.hits[-1].score", 0.5),
    ('$.input["weird key"]', 1),
    ("$.vars.limit", 2),
    ("$.nodes.missing.output.x", None),
    ("$.input.tags[7]", None),
    ("$.input.name.deeper", None),
])
def test_paths_read_the_state_and_missing_parts_are_none(expr: str, expected: object) -> None:
    assert compile_value(expr).evaluate(STATE) == expected


def test_templates_render_values_as_text() -> None:
    template = compile_value("Hi {{ $.input.name }}, {{$.input.n}} tags: {{ $.input.tags }} {{ $.input.nope }}!")
    assert template.kind == "template"
    assert template.evaluate(STATE) == 'Hi Ada, 3 tags: ["a", "b"] !'


def test_literals_objects_and_lists_nest_expressions() -> None:
    value = compile_value({"who": "$.input.name", "first": ["$.nodes.search.output.hits[0].text", 1], "k": True})
    assert value.evaluate(STATE) == {"who": "Ada", "first": ["first", 1], "k": True}
    assert {p.source for p in value.paths} == {"$.input.name", "$.nodes.search.output.hits[0].text"}
    assert compile_value({"$literal": "$.input.name"}).evaluate(STATE) == "$.input.name"
    assert compile_value("plain $ text").evaluate(STATE) == "plain $ text"
    assert compile_value(7).kind == "literal"


@pytest.mark.parametrize("bad", ["$.", "$.input..x", "$.input[abc]", "$.unknown.x", "$[0]", "Hi {{ name }}",
                                 "{{ $.input.name", "oops }}"])
def test_bad_syntax_is_rejected_at_compile_time(bad: str) -> None:
    with pytest.raises(ExpressionInvalid):
        compile_value(bad)


def test_there_is_no_eval() -> None:
    with pytest.raises(ExpressionInvalid):
        compile_value("$.input.__class__()")
    with pytest.raises(ExpressionInvalid):
        parse_path("$.input + 1")
    assert compile_template("{{ $.input.name }} + 1").evaluate(STATE) == "Ada + 1"


@pytest.mark.parametrize("cond, expected", [
    ({"left": "$.input.n", "op": "eq", "right": 3}, True),
    ({"left": "$.input.n", "op": "ne", "right": 3}, False),
    ({"left": "$.input.n", "op": "gt", "right": "$.vars.limit"}, True),
    ({"left": "$.input.n", "op": "lte", "right": 2}, False),
    ({"left": "$.input.name", "op": "gt", "right": 2}, False),  # incomparable: false, no error
    ({"left": "$.input.tags", "op": "contains", "right": "b"}, True),
    ({"left": "$.input.name", "op": "contains", "right": "d"}, True),
    ({"left": "a", "op": "in", "right": "$.input.tags"}, True),
    ({"left": "$.input.nope", "op": "exists"}, False),
    ({"left": "$.input.tags", "op": "empty"}, False),
    ({"left": "$.input.name", "op": "matches", "right": "^A.a$"}, True),
    ({"all": [{"left": "$.input.n", "op": "gte", "right": 3}, {"not": {"left": "$.input.n", "op": "lt", "right": 0}}]},
     True),
    ({"any": [False, {"left": "$.input.n", "op": "eq", "right": 4}]}, False),
    ("$.input.tags", True),
    (True, True),
])
def test_conditions(cond: object, expected: bool) -> None:
    assert compile_condition(cond).evaluate(STATE) is expected


@pytest.mark.parametrize("bad", [{"left": 1, "op": "like", "right": 2}, {"left": 1, "op": "eq"},
                                 {"all": {"left": 1}}, {"not": True, "x": 1}, 3,
                                 {"left": "x", "op": "matches", "right": "("}])
def test_bad_conditions_are_rejected(bad: object) -> None:
    with pytest.raises(ExpressionInvalid):
        compile_condition(bad)
