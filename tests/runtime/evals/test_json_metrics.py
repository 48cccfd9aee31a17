"""JSON metrics: validity, schema, a value at a JSON path."""
from __future__ import annotations

from tests.runtime.evals.factories import case, score

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
          "required": ["city", "population"]}


def test_json_valid_on_text_objects_and_fences():
    assert score({"type": "json_valid"}, case({"text": '{"a": 1}'})).passed is True
    assert score({"type": "json_valid"}, case({"city": "Paris"})).passed is True  # already an object
    bad = score({"type": "json_valid"}, case({"text": "{'a': 1}"}))
    assert (bad.value, bad.passed) == (0.0, False)
    assert bad.reason == "not JSON: Expecting property name enclosed in double quotes at line 1 column 2"
    fenced = case({"text": '```json\n{"a": 1}\n```'})
    assert score({"type": "json_valid"}, fenced).passed is False
    assert score({"type": "json_valid", "allow_fenced": True}, fenced).passed is True


def test_json_schema_pass_and_fail_with_errors():
    assert score({"type": "json_schema", "schema": SCHEMA}, case({"text": '{"city": "Paris", "population": 2}'})).value == 1.0
    bad = score({"type": "json_schema", "schema": SCHEMA}, case({"city": "Paris", "population": "many"}))
    assert (bad.value, bad.passed) == (0.0, False)
    assert bad.details["errors"] == ["population: 'many' is not of type 'integer'"]
    assert score({"type": "json_schema", "schema": SCHEMA}, case({"text": "nope"})).passed is False


def test_json_path_equals_with_a_configured_value_and_with_expected():
    c = case({"text": '{"result": {"items": [{"id": 7}, {"id": 9}]}}'}, {"last": 9})
    assert score({"type": "json_path_equals", "json_path": "$.result.items[-1].id", "value": 9}, c).passed is True
    assert score({"type": "json_path_equals", "json_path": "$.result.items[0].id", "expected_path": "$.last"},
                 c).passed is False
    wrong = score({"type": "json_path_equals", "json_path": "$.result.items[0].id", "value": 9}, c)
    assert wrong.reason == "$.result.items[0].id is 7, expected 9"
    assert wrong.details["actual"] == 7
    missing = score({"type": "json_path_equals", "json_path": "$.result.count", "value": 2}, c)
    assert missing.reason == "the output has nothing at $.result.count"


def test_json_path_equals_uses_json_equality():
    c = case({"n": 1, "flag": True, "s": "1"})
    assert score({"type": "json_path_equals", "json_path": "$.n", "value": 1.0}, c).passed is True
    assert score({"type": "json_path_equals", "json_path": "$.flag", "value": 1}, c).passed is False
    assert score({"type": "json_path_equals", "json_path": "$.s", "value": 1}, c).passed is False


def test_workflow_node_outputs_are_addressed_by_path():
    c = case({"text": "final"}, "draft-2", node_outputs={"draft": {"version": "draft-2"}, "end": {"text": "final"}})
    assert score({"type": "exact", "path": "$.nodes.draft.output.version"}, c).passed is True
    assert score({"type": "exact", "path": "$.nodes.end.output.text"}, c).passed is False
    assert score({"type": "json_path_equals", "path": "$.nodes.draft.output", "json_path": "$.version",
                  "value": "draft-2"}, c).passed is True
    assert score({"type": "exact", "path": "$.output.text", "value": "final"}, c).passed is True
