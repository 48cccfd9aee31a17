"""Start, Transform, Branch, Join, Loop, Map and End executed by the worker code path, with node events
and one checkpoint per completed node."""
from __future__ import annotations

import pytest

from runs.models import Checkpoint, Span
from tests.workflows.factories import events, graph, make_workflow, node, run_workflow

pytestmark = pytest.mark.django_db(transaction=True)


def control_flow_graph() -> dict:
    square = {"nodes": [node("s", "start"), node("sq", "transform", inputs={"v": "$.loop.item", "i": "$.loop.index"}),
                        node("e", "end", inputs={"item": "$.nodes.sq.output.v", "at": "$.nodes.sq.output.i"})],
              "edges": [{"from": "s", "to": "sq"}, {"from": "sq", "to": "e"}]}
    count = {"nodes": [node("s", "start"), node("e", "end", inputs={"i": "$.loop.index"})],
             "edges": [{"from": "s", "to": "e"}]}
    return graph(
        [node("start", "start", {"input_schema": {"type": "object", "required": ["n", "items"]}}),
         node("size", "branch", {"conditions": [{"port": "big", "when": {"left": "$.input.n", "op": "gt",
                                                                         "right": 5}}]}),
         node("big", "transform", inputs={"label": "big"}),
         node("small", "transform", inputs={"label": "small"}),
         node("join", "join", {"wait": "all", "merge": "object"}),
         node("loop", "loop", {"body": count, "max_iterations": 10,
                               "condition": {"left": "$.loop.index", "op": "lt", "right": 3}, "output": "list"}),
         node("each", "map", {"body": square, "concurrency": 2}, inputs={"items": "$.input.items"}),
         node("end", "end", inputs={"joined": "$.nodes.join.output", "loop": "$.nodes.loop.output",
                                    "mapped": "$.nodes.each.output"})],
        [("start", "size"), ("size", "big", "big"), ("size", "small"), ("big", "join"), ("small", "join"),
         ("join", "loop"), ("loop", "each"), ("each", "end")])


def test_control_flow_nodes_run_and_checkpoint(wf_project):
    make_workflow(wf_project, control_flow_graph())
    run = run_workflow(wf_project, input={"n": 9, "items": ["a", "b", "c"]})
    assert run.status == "succeeded", run.error
    assert run.output == {"joined": {"big": {"label": "big"}}, "loop": [{"i": 0}, {"i": 1}, {"i": 2}],
                          "mapped": [{"item": "a", "at": 0}, {"item": "b", "at": 1}, {"item": "c", "at": 2}]}
    skipped = [e.node_id for e in events(run, "node.skipped")]
    assert skipped == ["small"]
    completed = {e.node_id for e in events(run, "node.completed")}
    assert {"start", "size", "big", "join", "loop", "each", "end", "loop[2]/e", "each[1]/sq"} <= completed
    keys = set(Checkpoint.objects.filter(run_id=run.pk).values_list("key", flat=True))
    assert {"node:start", "node:big", "node:loop[0]/e", "node:each[2]/sq", "node:end"} <= keys
    assert "node:small" not in keys
    node_spans = Span.objects.filter(run_id=run.pk, kind="node").count()
    assert node_spans == len(events(run, "node.completed"))


def test_other_branch_and_start_input_schema(wf_project):
    make_workflow(wf_project, control_flow_graph())
    run = run_workflow(wf_project, input={"n": 1, "items": []})
    assert run.status == "succeeded", run.error
    assert run.output["joined"] == {"small": {"label": "small"}}
    assert run.output["mapped"] == []


def test_node_events_redact_secrets_in_inputs_and_outputs(wf_project):
    make_workflow(wf_project, graph([node("start", "start"), node("echo", "transform", inputs={"v": "$.input.v"}),
                                     node("end", "end")], [("start", "echo"), ("echo", "end")]))
    run = run_workflow(wf_project, input={"v": "my key is sk-abcdefghijklmnopqrstuvwxyz123456"})
    assert run.status == "succeeded"
    started = next(e for e in events(run, "node.started") if e.node_id == "echo")
    completed = next(e for e in events(run, "node.completed") if e.node_id == "echo")
    assert "sk-abc" not in str(started.data) and "[REDACTED]" in str(started.data)
    assert "sk-abc" not in str(completed.data)
    seqs = [e.seq for e in events(run)]
    assert seqs == list(range(1, len(seqs) + 1))
    types = [e.type for e in events(run)]
    assert types[0] == "run.queued" and types[1] == "run.started" and types[-1] == "run.succeeded"
