"""Branch ports, skip propagation through branches, and Join in `all` / `any` mode with each merge."""
from __future__ import annotations

import threading

import pytest

from runtime.events import CollectingSink
from runtime.graph import GraphServices, run_graph
from tests.runtime.graph.fakes import LedgerToolInvoker
from tests.runtime.graph.graphs import graph, node


def triage_graph() -> dict:
    rules = {"conditions": [{"port": "big", "when": {"left": "$.input.amount", "op": "gte", "right": 100}},
                            {"port": "small", "when": {"left": "$.input.amount", "op": "gt", "right": 0}}]}
    return graph(
        [node("start", "start"), node("route", "branch", rules),
         node("approve", "transform", inputs={"decision": "needs approval"}),
         node("auto", "transform", inputs={"decision": "auto"}),
         node("reject", "transform", inputs={"decision": "rejected"}),
         node("after_approve", "transform", inputs={"via": "approve"}),
         node("join", "join", {"wait": "all", "merge": "object"}),
         node("end", "end", inputs={"decision": "$.nodes.join.output"})],
        [("start", "route"), ("route", "approve", "big"), ("route", "auto", "small"), ("route", "reject", "default"),
         ("approve", "after_approve"), ("after_approve", "join"), ("auto", "join"), ("reject", "join"),
         ("join", "end")])


@pytest.mark.parametrize("amount, taken, skipped", [
    (150, "after_approve", {"auto", "reject"}),
    (5, "auto", {"approve", "after_approve", "reject"}),
    (0, "reject", {"approve", "after_approve", "auto"}),
])
def test_branch_takes_one_port_and_join_treats_the_others_as_skipped(amount: int, taken: str, skipped: set,
                                                                     sink: CollectingSink) -> None:
    result = run_graph(triage_graph(), {"amount": amount}, run_id="r", sink=sink)
    assert result.status == "succeeded"
    assert list(result.output["decision"]) == [taken]
    assert {e["node_id"] for e in sink.events if e["type"] == "node.skipped"} == skipped
    assert result.state["nodes"]["route"]["output"]["port"] in {"big", "small", "default"}


def test_skip_propagates_to_an_end_that_only_a_skipped_branch_reaches(sink: CollectingSink) -> None:
    g = graph([node("start", "start"),
               node("b", "branch", {"conditions": [{"port": "yes", "when": "$.input.flag"}]}),
               node("y", "transform", inputs={"v": "yes"}), node("n", "transform", inputs={"v": "no"}),
               node("end_yes", "end"), node("end_no", "end")],
              [("start", "b"), ("b", "y", "yes"), ("b", "n"), ("y", "end_yes"), ("n", "end_no")])
    assert run_graph(g, {"flag": True}, run_id="r", sink=sink).output == {"v": "yes"}
    assert {e["node_id"] for e in sink.events if e["type"] == "node.skipped"} == {"n", "end_no"}


def fan_graph(wait: str, merge: str) -> dict:
    return graph([node("start", "start"),
                  node("a", "transform", inputs={"v": 1}), node("b", "transform", inputs={"v": 2}),
                  node("c", "transform", inputs={"v": 3}),
                  node("join", "join", {"wait": wait, "merge": merge}), node("end", "end")],
                 [("start", "a"), ("start", "b"), ("start", "c"), ("c", "join"), ("a", "join"), ("b", "join"),
                  ("join", "end")])


def test_join_all_merges_by_node_id_or_as_a_list_in_edge_order() -> None:
    assert run_graph(fan_graph("all", "object"), {}, run_id="r").output == {"a": {"v": 1}, "b": {"v": 2},
                                                                           "c": {"v": 3}}
    assert run_graph(fan_graph("all", "list"), {}, run_id="r").output == [{"v": 3}, {"v": 1}, {"v": 2}]


def test_join_any_runs_once_on_the_first_arrival_while_slower_branches_still_finish() -> None:
    """`slow` is held until the end completes: the join and the end run on `fast` alone."""
    release = threading.Event()
    seen_end_before_slow: list[bool] = []

    def slow_tool(_: dict) -> dict:
        assert release.wait(10)
        return {"slow": True}

    def fast_tool(_: dict) -> dict:
        return {"fast": True}

    class Watch(CollectingSink):
        def emit(self, type: str, data: dict, *, node_id: str | None = None, span_id: str | None = None) -> None:
            super().emit(type, data, node_id=node_id, span_id=span_id)
            if type == "node.completed" and node_id == "end":
                seen_end_before_slow.append(not any(e["node_id"] == "slow" and e["type"] == "node.completed"
                                                    for e in self.events))
                release.set()

    g = graph([node("start", "start"), node("slow", "tool", {"tool": "slow"}), node("fast", "tool", {"tool": "fast"}),
               node("join", "join", {"wait": "any", "merge": "first"}), node("end", "end")],
              [("start", "slow"), ("start", "fast"), ("slow", "join"), ("fast", "join"), ("join", "end")])
    sink = Watch()
    services = GraphServices(tools=LedgerToolInvoker({"slow": slow_tool, "fast": fast_tool}))
    result = run_graph(g, {}, run_id="r", services=services, sink=sink)
    assert result.output == {"fast": True}
    assert seen_end_before_slow == [True]
    assert [e["node_id"] for e in sink.events if e["type"] == "node.started"].count("join") == 1
    assert result.state["nodes"]["slow"]["output"] == {"slow": True}
