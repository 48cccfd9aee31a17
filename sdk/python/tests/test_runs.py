"""Runs through the SDK against a real server and worker: create/get/list, events, create_and_wait,
create_and_stream, cancel, resume, retry, fork, feedback."""
from __future__ import annotations

import pytest
from factories import TERMINAL, scripted_agent, unique

from agent_platform_sdk import Client, ConflictError, NotFoundError

APPROVAL = {"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}


def _chain(*nodes: dict) -> dict:
    return {"nodes": list(nodes),
            "edges": [{"from": a["id"], "to": b["id"]} for a, b in zip(nodes, nodes[1:])]}


def _workflow(client: Client, graph: dict) -> str:
    name = unique("wf")
    workflow = client.workflows.create(name=name)
    client.workflows.create_version(workflow.id, graph=graph)
    return name


def test_create_and_wait_returns_the_finished_run(client: Client) -> None:
    agent = scripted_agent(client)
    run = client.runs.create_and_wait(agent=agent, input={"message": "hi"}, metadata={"case": "wait"},
                                      wait_timeout=60)
    assert run.status == "succeeded" and run.is_terminal
    assert run.output == {"text": "echo: hi"} and run.metadata == {"case": "wait"}
    assert run.usage.output_tokens >= 0 and run.finished_at
    assert client.runs.get(run.id).output == run.output
    listed = [r.id for r in client.runs.list(agent=agent, status="succeeded")]
    assert listed == [run.id]


def test_create_and_stream_yields_every_stored_event_once_in_order(client: Client) -> None:
    agent = scripted_agent(client, [{"text": "one two three four five six seven eight nine"}])
    with client.runs.create_and_stream(agent=agent, input={"message": "go"}) as stream:
        assert stream.run.status == "queued"
        events = list(stream)
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    assert events[0].type == "run.queued" and events[-1].type == "run.succeeded"
    assert [e.type for e in events].count("model.delta") >= 2
    assert all(e.run_id == stream.run.id for e in events)
    stored = list(client.runs.events(stream.run.id, limit=2))  # paginated by after_seq
    assert [e.seq for e in stored] == seqs and [e.type for e in stored] == [e.type for e in events]
    later = list(client.runs.stream(stream.run.id, after_seq=3))  # a finished run replays and closes
    assert [e.seq for e in later] == seqs[3:]


def test_cancel_a_running_run(client: Client) -> None:
    agent = scripted_agent(client, [{"delay": 30, "text": "too late"}])
    run = client.runs.create(agent=agent, input={"message": "x"})
    for event in client.runs.stream(run.id):
        if event.type == "run.started":
            break
    client.runs.cancel(run.id)
    done = client.runs.wait(run.id, wait_timeout=30)
    assert done.status == "cancelled" and done.output is None
    with pytest.raises(ConflictError) as again:
        client.runs.cancel(run.id)
    assert again.value.status == 409 and again.value.type.startswith("http")


def test_resume_a_run_waiting_for_human_input(client: Client) -> None:
    flow = _workflow(client, _chain(
        {"id": "start", "type": "start"},
        {"id": "review", "type": "human", "config": {"prompt": "Approve?", "input_schema": APPROVAL}},
        {"id": "end", "type": "end", "inputs": {"approved": "$.nodes.review.output.approved"}}))
    waiting = client.runs.create_and_wait(workflow=flow, input={}, wait_timeout=60)
    assert waiting.status == "waiting" and waiting.waiting_for["reason"] == "human_input"
    resumed = client.runs.resume(waiting.id, input={"approved": True})
    assert resumed.status in ("queued", "running")
    done = client.runs.wait(waiting.id, wait_timeout=60)
    assert done.status == "succeeded" and done.output == {"approved": True}
    types = [e.type for e in client.runs.events(waiting.id)]
    assert types.count("run.waiting") == 1 and types.count("run.resumed") == 1 and types[-1] == "run.succeeded"


def test_retry_a_failed_run_and_fork_a_finished_one(client: Client) -> None:
    failing = _workflow(client, _chain(
        {"id": "start", "type": "start"},
        {"id": "fetch", "type": "http", "config": {"method": "GET", "url": "http://127.0.0.1:9/unreachable"}},
        {"id": "end", "type": "end"}))
    failed = client.runs.create_and_wait(workflow=failing, input={}, wait_timeout=60)
    assert failed.status == "failed" and failed.error
    retry = client.runs.retry(failed.id)
    assert retry.parent_run == failed.id and retry.id != failed.id
    assert client.runs.wait(retry.id, wait_timeout=60).status == "failed"  # the node still cannot connect

    greeter = _workflow(client, _chain(
        {"id": "start", "type": "start"},
        {"id": "greet", "type": "transform", "inputs": {"text": "Hello {{ $.input.who }}"}},
        {"id": "end", "type": "end", "inputs": {"text": "$.nodes.greet.output.text"}}))
    first = client.runs.create_and_wait(workflow=greeter, input={"who": "tea"}, wait_timeout=60)
    checkpoints = list(client.runs.checkpoints(first.id))
    assert [c.node for c in checkpoints][:2] == ["start", "greet"]
    fork = client.runs.fork(first.id, checkpoint=0, state_patch={"input": {"who": "coffee"}})
    assert fork.parent_run == first.id
    done = client.runs.wait(fork.id, wait_timeout=60)
    assert done.status == "succeeded" and done.output == {"text": "Hello coffee"}


def test_feedback_and_stream_token(client: Client) -> None:
    agent = scripted_agent(client)
    run = client.runs.create_and_wait(agent=agent, input={"message": "rate me"}, wait_timeout=60)
    feedback = client.runs.add_feedback(run.id, score=0.5, thumbs="up", comment="fine")
    assert (feedback.run_id, feedback.score, feedback.thumbs) == (run.id, 0.5, "up")
    assert [f.id for f in client.runs.list_feedback(run.id)] == [feedback.id]
    token = client.runs.stream_token(run.id)
    assert token.run == run.id and token.token


def test_unknown_run_is_not_found(client: Client) -> None:
    with pytest.raises(NotFoundError):
        client.runs.get("run_doesnotexist")
    with pytest.raises(NotFoundError):
        list(client.runs.stream("run_doesnotexist"))
    assert TERMINAL
