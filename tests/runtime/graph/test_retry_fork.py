"""Retry from failure (reusing completed outputs) and forks from a checkpoint with an edited state."""
from __future__ import annotations

import pytest

from runtime.errors import NodeFailed, ToolError
from runtime.graph import GraphServices, fork_deltas, list_checkpoints, retry_deltas, run_graph
from runtime.store import MemoryCheckpointStore
from tests.runtime.graph.fakes import LedgerToolInvoker, ScriptedModel
from tests.runtime.graph.graphs import chain, node


def pipeline() -> dict:
    return chain(node("start", "start"),
                 node("summarise", "prompt", {"model": "m", "prompt": "Summarise {{ $.input.topic }}"}),
                 node("publish", "tool", {"tool": "publish"}, inputs={"text": "$.nodes.summarise.output.text"}),
                 node("end", "end", inputs={"published": "$.nodes.publish.output.id",
                                            "text": "$.nodes.summarise.output.text"}))


def copy_into(store: MemoryCheckpointStore, run_id: str, deltas: list[tuple[str, dict]]) -> None:
    for key, delta in deltas:
        store.append_checkpoint(run_id, key, delta)


def test_retry_from_failure_reuses_completed_outputs() -> None:
    model = ScriptedModel(lambda messages: "a summary")
    failures = [ToolError("publisher down")]
    published: list[str] = []

    def publish(payload: dict) -> dict:
        if failures:
            raise failures.pop()
        published.append(payload["text"])
        return {"id": "post-1"}

    services = GraphServices(models=model, tools=LedgerToolInvoker({"publish": publish}))
    store = MemoryCheckpointStore()
    with pytest.raises(NodeFailed) as info:
        run_graph(pipeline(), {"topic": "tea"}, run_id="run1", services=services, checkpoints=store)
    assert info.value.node_id == "publish"

    copy_into(store, "run2", retry_deltas(store.load_checkpoints("run1")))
    result = run_graph(pipeline(), {"topic": "tea"}, run_id="run2", services=services, checkpoints=store)
    assert result.output == {"published": "post-1", "text": "a summary"}
    assert len(model.calls) == 1  # no tokens paid twice
    assert published == ["a summary"]
    assert result.usage["cost_usd"] == pytest.approx(0.001)  # the reused node's usage still counts


def test_retry_from_a_chosen_node_runs_it_and_everything_after_it_again() -> None:
    model = ScriptedModel(lambda messages: f"summary {len(model.calls)}")
    services = GraphServices(models=model, tools=LedgerToolInvoker({"publish": lambda p: {"id": p["text"]}}))
    store = MemoryCheckpointStore()
    run_graph(pipeline(), {"topic": "tea"}, run_id="run1", services=services, checkpoints=store)
    kept = retry_deltas(store.load_checkpoints("run1"), from_node="summarise", graph=pipeline())
    assert [key for key, _ in kept] == ["node:start"]
    copy_into(store, "run2", kept)
    assert run_graph(pipeline(), {"topic": "tea"}, run_id="run2", services=services,
                     checkpoints=store).output["text"] == "summary 2"


def test_fork_from_a_checkpoint_with_an_edited_state() -> None:
    model = ScriptedModel(lambda messages: messages[-1]["content"].upper())
    published: list[str] = []
    services = GraphServices(models=model, tools=LedgerToolInvoker({"publish": lambda p: published.append(p["text"])
                                                                    or {"id": f"post-{len(published)}"}}))
    store = MemoryCheckpointStore()
    run_graph(pipeline(), {"topic": "tea"}, run_id="run1", services=services, checkpoints=store)
    checkpoints = list_checkpoints(store.load_checkpoints("run1"))
    assert [c["node"] for c in checkpoints] == ["start", "summarise", "publish", "end"]

    after_summary = next(c["checkpoint"] for c in checkpoints if c["node"] == "summarise")
    patch = {"nodes": {"summarise": {"output": {"text": "EDITED"}}}}
    copy_into(store, "fork", fork_deltas(store.load_checkpoints("run1"), after_summary, patch))
    forked = run_graph(pipeline(), {"topic": "tea"}, run_id="fork", services=services, checkpoints=store)
    assert forked.output == {"published": "post-2", "text": "EDITED"}
    assert published == ["SUMMARISE TEA", "EDITED"]
    assert len(model.calls) == 1  # the fork reused the checkpointed start, and the patched summary


def test_fork_can_patch_the_input_and_rerun_from_the_start() -> None:
    model = ScriptedModel(lambda messages: messages[-1]["content"])
    services = GraphServices(models=model, tools=LedgerToolInvoker({"publish": lambda p: {"id": "x"}}))
    store = MemoryCheckpointStore()
    run_graph(pipeline(), {"topic": "tea"}, run_id="run1", services=services, checkpoints=store)
    copy_into(store, "fork", fork_deltas(store.load_checkpoints("run1"), 0, {"input": {"topic": "coffee"}}))
    forked = run_graph(pipeline(), {"topic": "tea"}, run_id="fork", services=services, checkpoints=store)
    assert forked.output["text"] == "Summarise coffee"


def test_retrying_a_loop_that_failed_mid_way_reuses_the_finished_iterations() -> None:
    calls: list[int] = []

    def work(payload: dict) -> dict:
        calls.append(payload["i"])
        if payload["i"] == 2 and calls.count(2) == 1:
            raise ToolError("flaky backend")
        return {"i": payload["i"]}

    body = chain(node("bs", "start"), node("work", "tool", {"tool": "work"}, inputs={"i": "$.loop.index"}),
                 node("be", "end", inputs={"i": "$.nodes.work.output.i"}))
    g = chain(node("start", "start"),
              node("loop", "loop", {"body": body, "max_iterations": 4,
                                    "condition": {"left": "$.loop.index", "op": "lt", "right": 4}}),
              node("end", "end", inputs={"last": "$.nodes.loop.output.i"}))
    services = GraphServices(tools=LedgerToolInvoker({"work": work}))
    store = MemoryCheckpointStore()
    with pytest.raises(NodeFailed) as info:
        run_graph(g, {}, run_id="run1", services=services, checkpoints=store)
    assert info.value.node_id == "loop[2]/work"
    copy_into(store, "run2", retry_deltas(store.load_checkpoints("run1")))
    assert run_graph(g, {}, run_id="run2", services=services, checkpoints=store).output == {"last": 3}
    assert calls == [0, 1, 2, 2, 3]
