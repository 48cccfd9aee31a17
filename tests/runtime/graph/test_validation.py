"""validate_graph: every kind of error, each naming the node and the field."""
from __future__ import annotations

import pytest

from runtime.errors import GraphInvalid
from runtime.graph import assert_valid, compile_graph, validate_graph
from tests.runtime.graph.graphs import chain, graph, node


def errors_of(g: dict) -> set[tuple[str | None, str]]:
    return {(e.node_id, e.field) for e in validate_graph(g)}


def messages(g: dict) -> str:
    return " | ".join(str(e) for e in validate_graph(g))


def valid_graph() -> dict:
    return chain(node("start", "start", {"input_schema": {"type": "object",
                                                          "properties": {"q": {"type": "string"}}}}),
                 node("search", "retrieval", {"knowledge_base": "kb"}, inputs={"query": "$.input.q"}),
                 node("fetch", "http", {"url": "http://127.0.0.1/x"}, inputs={"params": {"q": "$.input.q"}}),
                 node("end", "end", inputs={"top": "$.nodes.search.output.hits[0].text"}))


def test_a_valid_graph_has_no_errors() -> None:
    assert validate_graph(valid_graph()) == []
    assert_valid(valid_graph())


def test_unknown_node_types_are_named() -> None:
    g = valid_graph()
    g["nodes"][1]["type"] = "serach"
    assert ("search", "type") in errors_of(g)
    with pytest.raises(GraphInvalid):
        compile_graph(g)


def test_dangling_edges_are_named() -> None:
    g = valid_graph()
    g["edges"].append({"from": "fetch", "to": "ghost"})
    assert ("fetch", "edges[3].to") in errors_of(g)
    assert "ghost" in messages(g)


def test_unreachable_nodes_are_named() -> None:
    g = valid_graph()
    g["nodes"].append(node("orphan", "transform"))
    g["edges"].append({"from": "orphan", "to": "end"})
    assert ("orphan", "edges") in errors_of(g)


def test_cycles_are_errors_outside_loops() -> None:
    g = chain(node("start", "start"), node("a", "transform"), node("b", "transform"), node("end", "end"),
              extra_edges=[{"from": "b", "to": "a"}])
    errs = [e for e in validate_graph(g) if e.field == "edges" and "cycle" in e.message]
    assert errs and errs[0].node_id in {"a", "b"} and "Loop" in errs[0].message
    with pytest.raises(GraphInvalid):
        compile_graph(g)


def test_a_join_needs_two_inputs() -> None:
    g = chain(node("start", "start"), node("j", "join"), node("end", "end"))
    assert ("j", "edges") in errors_of(g)


def test_start_and_end_are_required() -> None:
    assert (None, "nodes") in errors_of({"nodes": [node("start", "start")], "edges": []})
    no_start = {"nodes": [node("a", "transform"), node("end", "end")], "edges": [{"from": "a", "to": "end"}]}
    assert any(field == "type" for _, field in errors_of(no_start))
    two = chain(node("s1", "start"), node("s2", "start"), node("end", "end"))
    assert ("s2", "type") in errors_of(two)


def test_type_mismatch_between_output_and_input_schemas() -> None:
    g = valid_graph()
    g["nodes"][2]["inputs"] = {"url": "$.nodes.search.output.hits"}  # an array into a string input
    errs = [e for e in validate_graph(g) if (e.node_id, e.field) == ("fetch", "inputs.url")]
    assert errs and "array" in errs[0].message and "string" in errs[0].message
    g["nodes"][2]["inputs"] = {"url": "$.input.q"}  # declared string into string: fine
    assert validate_graph(g) == []
    g["nodes"][1]["inputs"] = {"query": 12}  # a literal of the wrong type
    assert ("search", "inputs.query") in errors_of(g)


def test_type_mismatch_through_a_declared_output_schema() -> None:
    g = chain(node("start", "start"),
              node("calc", "code", {"code": "return 1", "output_schema": {
                  "type": "object", "properties": {"n": {"type": "integer"}}}}),
              node("ask", "agent", {"agent": "a"}, inputs={"message": "$.nodes.calc.output.n"}),
              node("end", "end"))
    assert ("ask", "inputs.message") in errors_of(g)
    g["nodes"][2]["inputs"] = {"message": "n = {{ $.nodes.calc.output.n }}"}
    assert validate_graph(g) == []


def test_config_is_checked_against_the_node_type_schema() -> None:
    g = valid_graph()
    g["nodes"][1]["config"] = {"top_k": "many"}
    found = errors_of(g)
    assert ("search", "config.knowledge_base") in found and ("search", "config.top_k") in found
    g = valid_graph()
    g["nodes"][1]["config"]["colour"] = "red"
    assert ("search", "config.colour") in errors_of(g)


def test_expression_syntax_and_references_are_checked() -> None:
    g = valid_graph()
    g["nodes"][3]["inputs"] = {"a": "$.nodes.search.output[", "b": "$.nodes.nowhere.output",
                               "c": "$.nodes.end.output", "d": "$.loop.index", "e": "{{ $.nodes.fetch.output }"}
    found = errors_of(g)
    assert {("end", "inputs.a"), ("end", "inputs.b"), ("end", "inputs.c"), ("end", "inputs.d"),
            ("end", "inputs.e")} <= found


def test_a_node_can_only_read_nodes_that_run_before_it() -> None:
    g = valid_graph()
    g["nodes"][1]["inputs"] = {"query": "$.nodes.fetch.output.body"}
    errs = [e for e in validate_graph(g) if (e.node_id, e.field) == ("search", "inputs.query")]
    assert errs and "does not run before" in errs[0].message


def test_config_expressions_are_checked_with_their_field() -> None:
    g = chain(node("start", "start"),
              node("b", "branch", {"conditions": [{"port": "x", "when": {"left": "$.input.a", "op": "like",
                                                                          "right": 1}}]}),
              node("end", "end"))
    assert ("b", "config.conditions[0].when") in errors_of(g)
    g = chain(node("start", "start"), node("p", "prompt", {"model": "m", "prompt": "Hi {{ $.nodes.zz.output }}"}),
              node("end", "end"))
    assert ("p", "config.messages[0].content") in errors_of(g)


def test_errors_inside_loop_bodies_name_the_nested_node() -> None:
    body = chain(node("bs", "start"), node("inner", "http", inputs={"url": ["not", "a", "string"]}),
                 node("be", "end"))
    g = chain(node("start", "start"), node("loop1", "loop", {"body": body, "max_iterations": 3}), node("end", "end"))
    assert ("loop1/inner", "inputs.url") in errors_of(g)
    body["nodes"].pop()  # no End in the body
    body["edges"].pop()
    assert ("loop1", "config.body.nodes") in errors_of(g)


def test_loop_paths_are_fine_inside_bodies_and_in_the_loop_condition() -> None:
    body = chain(node("bs", "start"), node("t", "transform", inputs={"i": "$.loop.index"}), node("be", "end"))
    g = chain(node("start", "start"),
              node("loop1", "loop", {"body": body, "max_iterations": 3,
                                     "condition": {"left": "$.loop.index", "op": "lt", "right": 2}}),
              node("end", "end"))
    assert validate_graph(g) == []


def test_error_routes_must_be_consistent() -> None:
    g = valid_graph()
    g["nodes"][2]["on_error"] = "route"
    assert ("fetch", "on_error") in errors_of(g)
    g["edges"].append({"from": "fetch", "to": "end", "port": "on_error"})
    assert validate_graph(g) == []
    g["nodes"][2]["on_error"] = "fail"
    assert ("fetch", "on_error") in errors_of(g)


def test_edge_ports_must_exist_on_the_source() -> None:
    g = graph([node("start", "start"), node("b", "branch", {"conditions": [{"port": "yes", "when": True}]}),
               node("end", "end")], [("start", "b"), ("b", "end", "maybe")])
    assert ("b", "edges[1].port") in errors_of(g)


def test_missing_and_unknown_inputs_are_named() -> None:
    g = valid_graph()
    g["nodes"][1]["inputs"] = {}
    assert ("search", "inputs.query") in errors_of(g)
    g = valid_graph()
    g["nodes"][2]["inputs"] = {"parms": {}}
    assert ("fetch", "inputs.parms") in errors_of(g)


def test_ids_policies_and_keys_are_checked() -> None:
    g = valid_graph()
    g["nodes"][2]["id"] = "search"
    assert ("search", "id") in errors_of(g)
    g = valid_graph()
    g["nodes"][2].update(retry={"max_attempts": 0}, timeout_s=-1, on_error="ignore", colour="red")
    found = errors_of(g)
    assert {("fetch", "retry.max_attempts"), ("fetch", "timeout_s"), ("fetch", "on_error"),
            ("fetch", "colour")} <= found
    g = valid_graph()
    g["nodes"][2]["id"] = "bad id!"
    assert (None, "nodes[2].id") in errors_of(g)
