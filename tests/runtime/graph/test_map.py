"""Map: a body per list item, at most `concurrency` at a time, outputs in item order."""
from __future__ import annotations

import threading

import pytest

from runtime.errors import NodeFailed, ToolError
from runtime.graph import GraphServices, run_graph
from runtime.store import MemoryCheckpointStore
from tests.runtime.graph.fakes import LedgerToolInvoker
from tests.runtime.graph.graphs import chain, node


def map_graph(concurrency: int) -> dict:
    body = chain(node("bs", "start"),
                 node("work", "tool", {"tool": "work"}, inputs={"item": "$.loop.item", "index": "$.loop.index",
                                                               "unit": "$.input.unit"}),
                 node("be", "end", inputs={"value": "$.nodes.work.output.value"}))
    return chain(node("start", "start"),
                 node("each", "map", {"body": body, "concurrency": concurrency},
                      inputs={"items": "$.input.items", "unit": "$.input.unit"}),
                 node("end", "end", inputs={"values": "$.nodes.each.output"}))


def test_map_respects_its_concurrency_limit_and_keeps_item_order() -> None:
    lock = threading.Lock()
    running = [0, 0]  # now, peak
    pair = threading.Barrier(2, timeout=5)  # items can only finish two at a time, together

    def work(payload: dict) -> dict:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        pair.wait()
        with lock:
            running[0] -= 1
        return {"value": f"{payload['item']}{payload['unit']}"}

    items = ["a", "b", "c", "d", "e", "f"]
    services = GraphServices(tools=LedgerToolInvoker({"work": work}))
    result = run_graph(map_graph(2), {"items": items, "unit": "!"}, run_id="r", services=services)
    assert result.output == {"values": [{"value": f"{i}!"} for i in items]}
    assert running[1] == 2


def test_map_with_concurrency_one_runs_items_in_order(store: MemoryCheckpointStore) -> None:
    seen: list[int] = []

    def work(payload: dict) -> dict:
        seen.append(payload["index"])
        return {"value": payload["item"] * 2}

    result = run_graph(map_graph(1), {"items": [1, 2, 3], "unit": ""}, run_id="r", checkpoints=store,
                       services=GraphServices(tools=LedgerToolInvoker({"work": work})))
    assert seen == [0, 1, 2]
    assert result.output["values"] == [{"value": 2}, {"value": 4}, {"value": 6}]
    assert "node:each[2]/work" in store.keys["r"]


def test_a_failed_item_fails_the_map_and_names_the_item_node() -> None:
    def work(payload: dict) -> dict:
        if payload["item"] == "bad":
            raise ToolError("cannot work on this")
        return {"value": payload["item"]}

    with pytest.raises(NodeFailed) as info:
        run_graph(map_graph(3), {"items": ["ok", "bad", "ok"], "unit": ""}, run_id="r",
                  services=GraphServices(tools=LedgerToolInvoker({"work": work})))
    assert info.value.node_id == "each[1]/work"


def test_an_empty_list_maps_to_an_empty_list() -> None:
    assert run_graph(map_graph(4), {"items": [], "unit": ""}, run_id="r").output == {"values": []}
