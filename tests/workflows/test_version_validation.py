"""A version is validated before it is saved; every error names the node and the field."""
from __future__ import annotations

import pytest

from tests.workflows.factories import chain, graph, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions_url(wf_api):
    wf = wf_api.post("/api/v1/workflows", {"name": "flow"}, format="json").json()
    return f"/api/v1/workflows/{wf['id']}/versions"


def errors_of(wf_api, url, body) -> dict:
    response = wf_api.post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


def test_unknown_node_type_names_the_node(wf_api, versions_url):
    g = chain(node("start", "start"), node("magic", "teleport"), node("end", "end"))
    assert "graph.nodes.magic.type" in errors_of(wf_api, versions_url, {"graph": g})


def test_dangling_edge_names_the_edge(wf_api, versions_url):
    g = graph([node("start", "start"), node("end", "end")], [("start", "end"), ("start", "ghost")])
    assert "graph.nodes.start.edges[1].to" in errors_of(wf_api, versions_url, {"graph": g})


def test_unreachable_node_and_missing_end(wf_api, versions_url):
    g = graph([node("start", "start"), node("island", "transform")], [])
    errors = errors_of(wf_api, versions_url, {"graph": g})
    assert any(key.startswith("graph.nodes.island.") for key in errors)
    assert any("end" in " ".join(messages).lower() for messages in errors.values())


def test_missing_start(wf_api, versions_url):
    g = graph([node("a", "transform"), node("end", "end")], [("a", "end")])
    errors = errors_of(wf_api, versions_url, {"graph": g})
    assert any("start" in " ".join(messages).lower() for messages in errors.values())


def test_cycle_outside_a_loop_is_refused(wf_api, versions_url):
    g = graph([node("start", "start"), node("a", "transform"), node("b", "transform"), node("end", "end")],
              [("start", "a"), ("a", "b"), ("b", "a"), ("b", "end")])
    errors = errors_of(wf_api, versions_url, {"graph": g})
    assert any("cycle" in " ".join(m) for m in errors.values())
    assert any(key.startswith(("graph.nodes.a.", "graph.nodes.b.")) for key in errors)


def test_join_with_one_input_is_refused(wf_api, versions_url):
    g = chain(node("start", "start"), node("join", "join"), node("end", "end"))
    assert any(key.startswith("graph.nodes.join.") for key in errors_of(wf_api, versions_url, {"graph": g}))


def test_type_mismatch_between_output_and_input_schema(wf_api, versions_url):
    g = chain(node("start", "start", {"input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}),
              node("ask", "agent", {"agent": "helper"}, inputs={"message": "$.input.n"}),
              node("end", "end"))
    errors = errors_of(wf_api, versions_url, {"graph": g})
    assert "graph.nodes.ask.inputs.message" in errors


def test_bad_config_field_inside_a_loop_body_names_the_nested_path(wf_api, versions_url):
    body = chain(node("bs", "start"), node("fetch", "retrieval", {"knowledge_base": "kb", "top_k": 0},
                                           inputs={"query": "x"}), node("be", "end"))
    g = chain(node("start", "start"), node("loop1", "loop", {"body": body, "max_iterations": 2}), node("end", "end"))
    assert "graph.nodes.loop1/fetch.config.top_k" in errors_of(wf_api, versions_url, {"graph": g})


def test_body_level_errors(wf_api, versions_url):
    ok = chain(node("start", "start"), node("end", "end"))
    errors = errors_of(wf_api, versions_url, {"graph": ok, "limits": {"timeout_s": -1}, "extra": 1,
                                              "input_schema": {"type": "nope"}})
    assert "limits.timeout_s" in errors
    assert "extra" in errors
    assert errors_of(wf_api, versions_url, {"nodes": []})  # no graph at all


def test_invalid_input_schema_is_named(wf_api, versions_url):
    ok = chain(node("start", "start"), node("end", "end"))
    assert "input_schema" in errors_of(wf_api, versions_url, {"graph": ok, "input_schema": {"type": "nope"}})


def test_bad_expression_is_named(wf_api, versions_url):
    g = chain(node("start", "start"), node("t", "transform", inputs={"x": "$.nodes..broken"}), node("end", "end"))
    assert any(key.startswith("graph.nodes.t.inputs") for key in errors_of(wf_api, versions_url, {"graph": g}))
