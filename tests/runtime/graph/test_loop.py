"""Loop: a body sub-graph repeated while a condition holds, bounded by max_iterations."""
from __future__ import annotations

import pytest

from runtime.errors import LoopLimitExceeded, NodeFailed
from runtime.events import CollectingSink
from runtime.graph import run_graph
from runtime.store import MemoryCheckpointStore
from tests.runtime.graph.graphs import chain, node


def counting_body() -> dict:
    """One iteration: `count` = previous count + the iteration index (state passed via $.loop.last)."""
    return chain(node("bs", "start"),
                 node("step", "transform", inputs={"index": "$.loop.index", "prev": "$.loop.last",
                                                   "label": "{{ $.input.prefix }}-{{ $.loop.index }}"}),
                 node("be", "end", inputs={"index": "$.nodes.step.output.index", "label": "$.nodes.step.output.label"}))


def loop_graph(condition: object, max_iterations: int, **config: object) -> dict:
    return chain(node("start", "start"),
                 node("loop", "loop", {"body": counting_body(), "condition": condition,
                                       "max_iterations": max_iterations, **config}, inputs={"prefix": "$.input.p"}),
                 node("end", "end", inputs={"result": "$.nodes.loop.output"}))


def test_loop_repeats_while_the_condition_holds(store: MemoryCheckpointStore) -> None:
    g = loop_graph({"left": "$.loop.index", "op": "lt", "right": 3}, 10)
    result = run_graph(g, {"p": "it"}, run_id="r", checkpoints=store)
    assert result.output == {"result": {"index": 2, "label": "it-2"}}
    assert result.state["nodes"]["loop"]["iterations"] == 3
    assert "node:loop[2]/step" in store.keys["r"] and "node:loop[3]/step" not in store.keys["r"]


def test_loop_output_can_be_the_list_of_iterations() -> None:
    g = loop_graph({"left": "$.loop.index", "op": "lt", "right": 3}, 10, output="list")
    assert [item["label"] for item in run_graph(g, {"p": "x"}, run_id="r").output["result"]] == ["x-0", "x-1", "x-2"]


def test_loop_stops_when_the_previous_iteration_says_so() -> None:
    until = {"any": [{"left": "$.loop.last", "op": "empty"},
                     {"left": "$.loop.last.index", "op": "lt", "right": 4}]}
    assert run_graph(loop_graph(until, 50), {"p": "x"}, run_id="r").output["result"]["index"] == 4


def test_loop_hitting_its_max_fails_the_node(sink: CollectingSink) -> None:
    with pytest.raises(NodeFailed) as info:
        run_graph(loop_graph(True, 4), {"p": "x"}, run_id="r", sink=sink)
    assert info.value.node_id == "loop"
    assert isinstance(info.value.cause, LoopLimitExceeded)
    assert sum(1 for e in sink.events if e["type"] == "node.completed" and e["node_id"].endswith("/step")) == 4
    assert [e["data"]["error"]["type"] for e in sink.events if e["type"] == "node.failed"] == ["loop_limit_exceeded"]


def test_loop_hitting_its_max_can_stop_instead() -> None:
    result = run_graph(loop_graph(True, 4, on_max="stop"), {"p": "x"}, run_id="r")
    assert result.output["result"]["index"] == 3
    assert result.state["nodes"]["loop"]["iterations"] == 4


def test_body_events_name_the_iteration(sink: CollectingSink) -> None:
    run_graph(loop_graph({"left": "$.loop.index", "op": "lt", "right": 2}, 5), {"p": "x"}, run_id="r", sink=sink)
    started = [e["node_id"] for e in sink.events if e["type"] == "node.started"]
    assert started == ["start", "loop", "loop[0]/bs", "loop[0]/step", "loop[0]/be",
                       "loop[1]/bs", "loop[1]/step", "loop[1]/be", "end"]
