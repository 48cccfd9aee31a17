"""The metric registry and typed configs: every API metric type exists; bad specs fail up front
with an error naming the field."""
from __future__ import annotations

import pytest

from runtime.evals import MetricServices, build_metric, build_metrics, metric_types
from runtime.evals.errors import MetricConfigInvalid, MetricServiceMissing, MetricUnknown
from tests.runtime.evals.factories import judge_services

API_TYPES = {"exact", "contains", "icontains", "not_contains", "regex", "starts_with", "json_valid", "json_schema",
             "json_path_equals", "levenshtein", "semantic_similarity", "llm_judge", "latency_ms", "tokens",
             "cost_usd", "tool_called", "tool_sequence", "tool_args_match", "step_count", "context_hit",
             "faithfulness", "code", "human"}


def test_every_metric_type_of_the_api_is_registered():
    assert set(metric_types()) == API_TYPES


def test_unknown_type_lists_the_known_types():
    with pytest.raises(MetricUnknown) as err:
        build_metrics([{"type": "exact"}, {"type": "bleu"}])
    assert err.value.details["field"] == "metrics[1].type"
    assert err.value.details["known"] == sorted(API_TYPES)
    assert "'bleu'" in err.value.message and "levenshtein" in err.value.message


@pytest.mark.parametrize(("spec", "field", "fragment"), [
    ({"type": "regex"}, "metrics[0].pattern", "'pattern' is required"),
    ({"type": "levenshtein", "threshold": "high"}, "metrics[0].threshold", "must be a number"),
    ({"type": "levenshtein", "threshold": 1.5}, "metrics[0].threshold", "between 0 and 1"),
    ({"type": "exact", "ignore_case": "yes"}, "metrics[0].ignore_case", "true or false"),
    ({"type": "exact", "colour": "red"}, "metrics[0].colour", "unknown config key 'colour'"),
    ({"type": "tool_sequence", "mode": "loose"}, "metrics[0].mode", "one of 'strict', 'unordered', 'subset'"),
    ({"type": "tool_sequence", "tools": ["a", 3]}, "metrics[0].tools", "item 1 must be a string"),
    ({"type": "tool_called", "tool": "search", "min_count": 2, "max_count": 1}, "metrics[0].max_count",
     "at least min_count"),
    ({"type": "exact", "path": "$.a..b"}, "metrics[0].path", "position 3"),
    ({"type": "regex", "pattern": "(a"}, "metrics[0].pattern", "'pattern' is not usable: unsupported regular expression"),
    ({"type": "regex", "pattern": r"(a)\1"}, "metrics[0].pattern", "invalid escape sequence"),
    ({"type": "json_schema", "schema": {"type": "nope"}}, "metrics[0].schema", "not a valid JSON Schema"),
    ({"type": "json_path_equals", "json_path": "$[x]"}, "metrics[0].json_path", "position 1"),
    ({"type": "code", "code": "return (1"}, "metrics[0].code", "syntax error on line 1"),
    ({"type": "human", "score_min": 5, "score_max": 1}, "metrics[0].score_max", "greater than score_min"),
    ({"type": "latency_ms", "max": -1}, "metrics[0].max", "must not be negative"),
    ({"type": "exact", "name": "has space"}, "metrics[0].name", "metric name"),
])
def test_config_errors_name_the_field(spec, field, fragment):
    with pytest.raises(MetricConfigInvalid) as err:
        build_metrics([spec])
    assert err.value.details["field"] == field
    assert fragment in err.value.message


def test_two_metrics_of_one_type_need_distinct_names():
    with pytest.raises(MetricConfigInvalid) as err:
        build_metrics([{"type": "contains", "value": "a"}, {"type": "contains", "value": "b"}])
    assert err.value.details["field"] == "metrics[1].name"
    metrics = build_metrics([{"type": "contains", "value": "a"}, {"type": "contains", "name": "has_b", "value": "b"}])
    assert [m.name for m in metrics] == ["contains", "has_b"]


def test_an_empty_metric_list_is_refused():
    with pytest.raises(MetricConfigInvalid) as err:
        build_metrics([])
    assert err.value.details["field"] == "metrics"


def test_metrics_needing_a_service_say_which_when_it_is_missing():
    with pytest.raises(MetricServiceMissing) as err:
        build_metric({"type": "llm_judge", "rubric": "r", "model": "scripted/judge"}, MetricServices())
    assert err.value.details["service"] == "judge_model"
    with pytest.raises(MetricServiceMissing):
        build_metric({"type": "code", "code": "return 1"})
    with pytest.raises(MetricServiceMissing):
        build_metric({"type": "semantic_similarity"})


def test_a_judge_model_that_does_not_exist_is_a_config_error_on_model():
    services = judge_services(("judge", [{"text": "{}"}]))
    with pytest.raises(MetricConfigInvalid) as err:
        build_metrics([{"type": "exact"}, {"type": "llm_judge", "rubric": "r", "model": "scripted/nobody"}], services)
    assert err.value.details["field"] == "metrics[1].model"
    assert "scripted/nobody" in err.value.message
    with pytest.raises(MetricConfigInvalid) as err:
        build_metric({"type": "faithfulness", "model": "not-a-ref"}, services, field_prefix="metrics[0].")
    assert err.value.details["field"] == "metrics[0].model"


def test_config_values_are_typed_after_parsing():
    metric = build_metric({"type": "levenshtein", "threshold": 1})
    assert metric.config.threshold == 1.0 and isinstance(metric.config.threshold, float)
    assert metric.name == "levenshtein"


def test_the_spec_schema_accepts_valid_specs_and_names_each_type():
    import jsonschema

    from runtime.evals.metrics import metric_spec_schema

    schema = metric_spec_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert len(schema["oneOf"]) == len(API_TYPES)
    validator = jsonschema.Draft202012Validator(schema)
    for spec in ({"type": "exact", "ignore_case": True}, {"type": "regex", "pattern": "a+"},
                 {"type": "contains", "name": "c", "value": ["a", "b"]},
                 {"type": "llm_judge", "rubric": "r", "model": "scripted/judge", "mode": "pairwise"},
                 {"type": "tool_sequence", "tools": ["a"], "mode": "subset"}, {"type": "latency_ms", "max": 10}):
        assert validator.is_valid(spec), spec
        build_metric(spec, judge_services(("judge", [])))  # the engine agrees
    for spec in ({"type": "regex"}, {"type": "exact", "colour": 1}, {"type": "tool_sequence", "mode": "loose"},
                 {"type": "bleu"}, {"type": "levenshtein", "threshold": "x"}):
        assert not validator.is_valid(spec), spec
    levenshtein = next(b for b in schema["oneOf"] if b["properties"]["type"] == {"const": "levenshtein"})
    assert levenshtein["properties"]["threshold"] == {"type": "number", "default": 0.8}
