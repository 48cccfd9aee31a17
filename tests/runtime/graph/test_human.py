"""Human input: the run pauses with a prompt and schema, and a valid answer resumes it."""
from __future__ import annotations

import pytest

from runtime.errors import InputInvalid
from runtime.events import CollectingSink
from runtime.graph import check_resume_input, resume_delta, run_graph
from runtime.store import MemoryCheckpointStore
from tests.runtime.graph.graphs import chain, node

APPROVAL = {"type": "object", "properties": {"approved": {"type": "boolean"}, "note": {"type": "string"}},
            "required": ["approved"], "additionalProperties": False}


def approval_graph() -> dict:
    return chain(node("start", "start"),
                 node("draft", "transform", inputs={"text": "Refund {{ $.input.amount }} EUR"}),
                 node("ask", "human", {"prompt": "Approve: {{ $.nodes.draft.output.text }}?",
                                       "input_schema": APPROVAL}),
                 node("end", "end", inputs={"approved": "$.nodes.ask.output.approved",
                                            "text": "$.nodes.draft.output.text"}))


def test_a_pause_is_answered_and_the_run_resumes(store: MemoryCheckpointStore) -> None:
    sink = CollectingSink()
    paused = run_graph(approval_graph(), {"amount": 30}, run_id="r", checkpoints=store, sink=sink)
    assert paused.status == "waiting"
    assert paused.waiting == [{"node": "ask", "prompt": "Approve: Refund 30 EUR?", "input_schema": APPROVAL}]
    assert "node.waiting" in sink.types() and "end" not in {e["node_id"] for e in sink.events}
    assert store.keys["r"] == ["node:start", "node:draft"]

    assert check_resume_input(approval_graph(), "ask", {"approved": True}) == []
    key, delta = resume_delta("ask", {"approved": True})
    store.append_checkpoint("r", key, delta)
    resumed_sink = CollectingSink()
    resumed = run_graph(approval_graph(), {"amount": 30}, run_id="r", checkpoints=store, sink=resumed_sink)
    assert resumed.status == "succeeded"
    assert resumed.output == {"approved": True, "text": "Refund 30 EUR"}
    # completed nodes were not executed again
    assert [e["node_id"] for e in resumed_sink.events if e["type"] == "node.started"] == ["ask", "end"]


def test_invalid_answers_are_refused_and_the_run_stays_waiting(store: MemoryCheckpointStore) -> None:
    run_graph(approval_graph(), {"amount": 30}, run_id="r", checkpoints=store)
    errors = check_resume_input(approval_graph(), "ask", {"approved": "yes", "extra": 1})
    assert errors and any("approved" in e for e in errors)
    # if an invalid answer reaches the engine anyway, the node keeps waiting and says why
    store.append_checkpoint("r", *resume_delta("ask", {"approved": "yes"}))
    again = run_graph(approval_graph(), {"amount": 30}, run_id="r", checkpoints=store)
    assert again.status == "waiting" and again.waiting[0]["errors"]


def test_resume_checks_name_an_existing_human_node() -> None:
    with pytest.raises(InputInvalid):
        check_resume_input(approval_graph(), "nope", {})
    with pytest.raises(InputInvalid):
        check_resume_input(approval_graph(), "draft", {})


def test_map_items_wait_and_are_answered_one_at_a_time(store: MemoryCheckpointStore) -> None:
    body = chain(node("bs", "start"), node("review", "human", {"prompt": "Keep {{ $.loop.item }}?"}),
                 node("be", "end", inputs={"item": "$.loop.item", "keep": "$.nodes.review.output.keep"}))
    g = chain(node("start", "start"), node("each", "map", {"body": body, "concurrency": 2},
                                           inputs={"items": "$.input.items"}), node("end", "end"))
    paused = run_graph(g, {"items": ["x", "y"]}, run_id="r", checkpoints=store)
    assert [w["node"] for w in paused.waiting] == ["each[0]/review", "each[1]/review"]
    assert paused.waiting[1]["prompt"] == "Keep y?"
    assert check_resume_input(g, "each[1]/review", {"keep": False}) == []
    store.append_checkpoint("r", *resume_delta("each[1]/review", {"keep": False}))
    still = run_graph(g, {"items": ["x", "y"]}, run_id="r", checkpoints=store)
    assert [w["node"] for w in still.waiting] == ["each[0]/review"]
    store.append_checkpoint("r", *resume_delta("each[0]/review", {"keep": True}))
    done = run_graph(g, {"items": ["x", "y"]}, run_id="r", checkpoints=store)
    assert done.output == [{"item": "x", "keep": True}, {"item": "y", "keep": False}]


def test_other_branches_keep_running_while_one_waits(store: MemoryCheckpointStore) -> None:
    g = {"nodes": [node("start", "start"), node("ask", "human", {"prompt": "ok?"}),
                   node("work", "transform", inputs={"done": True}), node("join", "join"), node("end", "end")],
         "edges": [{"from": "start", "to": "ask"}, {"from": "start", "to": "work"}, {"from": "ask", "to": "join"},
                   {"from": "work", "to": "join"}, {"from": "join", "to": "end"}]}
    paused = run_graph(g, {}, run_id="r", checkpoints=store)
    assert paused.status == "waiting"
    assert "node:work" in store.keys["r"] and "node:join" not in store.keys["r"]
    store.append_checkpoint("r", *resume_delta("ask", {"ok": 1}))
    assert run_graph(g, {}, run_id="r", checkpoints=store).output == {"ask": {"ok": 1}, "work": {"done": True}}
