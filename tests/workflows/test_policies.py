"""Per-node policies (retries with backoff, timeouts, error routes), run limits (steps, time, cost),
Loop limits, and parallel branches overlapping in time."""
from __future__ import annotations

import socket

import pytest

from tests.workflows.factories import chain, events, graph, http_node, make_workflow, node, run_workflow

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_retryable_failures_are_retried_with_backoff_then_fail_the_run(wf_project):
    make_workflow(wf_project, chain(node("start", "start"),
                                    http_node("call", f"{closed_port_url()}/x",
                                              retry={"max_attempts": 3, "backoff_s": 0.01}),
                                    node("end", "end")))
    run = run_workflow(wf_project)
    assert run.status == "failed"
    assert run.error["type"] == "node_failed" and run.error["details"]["node"] == "call"
    assert run.error["details"]["cause"]["type"] == "tool_connection_error"
    retries = events(run, "node.retrying")
    assert [e.data["attempt"] for e in retries] == [1, 2]
    assert retries[1].data["delay_s"] == pytest.approx(0.02)
    assert events(run, "node.failed")[0].data["attempts"] == 3
    assert len(events(run, "tool.started")) == 3  # each attempt really called the tool


def test_a_timed_out_node_takes_its_error_route(wf_project, service):
    make_workflow(wf_project, graph(
        [node("start", "start"), http_node("slow", f"{service.url}/block", timeout_s=0.3, on_error="route"),
         node("apologise", "transform", inputs={"sorry": True, "why": "$.nodes.slow.error.type"}),
         node("end", "end")],
        [("start", "slow"), ("slow", "end"), ("slow", "apologise", "on_error"), ("apologise", "end")]))
    run = run_workflow(wf_project)
    assert run.status == "succeeded", run.error
    assert run.output == {"sorry": True, "why": "node_timeout"}
    assert [e.node_id for e in events(run, "node.routed")] == ["slow"]
    assert service.blocked.is_set()


def test_an_error_route_handles_a_failing_code_node(wf_project):
    make_workflow(wf_project, graph(
        [node("start", "start"), node("parse", "code", {"code": "raise ValueError('bad data')"}, on_error="route"),
         node("fallback", "transform", inputs={"message": "$.nodes.parse.error.message"}),
         node("end", "end")],
        [("start", "parse"), ("parse", "end"), ("parse", "fallback", "on_error"), ("fallback", "end")]))
    run = run_workflow(wf_project)
    assert run.status == "succeeded", run.error
    assert "bad data" in run.output["message"]


def test_step_limit_fails_the_run(wf_project):
    make_workflow(wf_project, chain(node("start", "start"), *[node(f"t{i}", "transform") for i in range(5)],
                                    node("end", "end")), limits={"max_steps": 3})
    run = run_workflow(wf_project)
    assert run.status == "failed"
    assert run.error["type"] == "step_limit_exceeded"
    assert len(events(run, "node.completed")) == 3


def test_cost_limit_fails_the_run(wf_project):
    wf_project.settings = {"prices": {"scripted/echo": {"input": 1_000_000, "output": 0}}}  # $1 per token
    wf_project.save(update_fields=["settings"])
    make_workflow(wf_project, chain(node("start", "start"), node("ask", "prompt", {"model": "scripted/echo",
                                                                                   "prompt": "hello"}),
                                    node("again", "prompt", {"model": "scripted/echo", "prompt": "again"}),
                                    node("end", "end")), limits={"max_cost_usd": 0.5})
    run = run_workflow(wf_project)
    assert run.status == "failed"
    assert run.error["type"] == "budget_exceeded"
    assert "again" not in {e.node_id for e in events(run, "node.started")}


def test_run_time_limit_times_the_run_out(wf_project, service):
    make_workflow(wf_project, chain(node("start", "start"), http_node("slow", f"{service.url}/block"),
                                    node("end", "end")), limits={"timeout_s": 0.5})
    run = run_workflow(wf_project)
    assert run.status == "timed_out"
    assert events(run)[-1].type == "run.timed_out"


def loop_graph(on_max: str) -> dict:
    body = chain(node("bs", "start"), node("be", "end", inputs={"i": "$.loop.index"}))
    return chain(node("start", "start"),
                 node("forever", "loop", {"body": body, "condition": True, "max_iterations": 3, "on_max": on_max}),
                 node("end", "end", inputs={"last": "$.nodes.forever.output.i"}))


def test_a_loop_hitting_its_max_fails_or_stops(wf_project):
    make_workflow(wf_project, loop_graph("fail"), name="failing")
    failed = run_workflow(wf_project, "failing")
    assert failed.status == "failed"
    assert failed.error["details"]["cause"]["type"] == "loop_limit_exceeded"
    make_workflow(wf_project, loop_graph("stop"), name="stopping")
    stopped = run_workflow(wf_project, "stopping")
    assert stopped.status == "succeeded" and stopped.output == {"last": 2}


def test_parallel_branches_overlap_in_time(wf_project, service):
    """Each call only gets its answer once the other one has arrived too (else 504 after 10 s)."""
    make_workflow(wf_project, graph(
        [node("start", "start"), http_node("left", f"{service.url}/pair/p1"),
         http_node("right", f"{service.url}/pair/p1"), node("join", "join"),
         node("end", "end", inputs={"left": "$.nodes.left.output.status", "right": "$.nodes.right.output.status"})],
        [("start", "left"), ("start", "right"), ("left", "join"), ("right", "join"), ("join", "end")]))
    run = run_workflow(wf_project)
    assert run.status == "succeeded", run.error
    assert run.output == {"left": 200, "right": 200}
