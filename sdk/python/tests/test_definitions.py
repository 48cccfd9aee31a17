"""Agents and workflows through the SDK: CRUD, immutable versions, promotion, auto-pagination."""
from __future__ import annotations

import pytest
from factories import unique

from agent_platform_sdk import Client, ConflictError, NotFoundError, UnprocessableEntityError


def test_agent_lifecycle(client: Client) -> None:
    name = unique("crud")
    agent = client.agents.create(name=name, description="first")
    assert agent.id and agent.name == name and agent.latest_version is None
    assert client.agents.get(agent.id) == agent
    updated = client.agents.update(agent.id, description="second")
    assert updated.description == "second" and updated.name == name

    v1 = client.agents.create_version(agent.id, model=f"scripted/{name}", instructions="Be brief.",
                                      model_settings={"script": [{"echo": True}]})
    v2 = client.agents.create_version(agent.id, model=f"scripted/{name}", instructions="Be briefer.")
    assert (v1.number, v2.number) == (1, 2) and v1.content_hash != v2.content_hash
    assert client.agents.get_version(agent.id, 1).body["instructions"] == "Be brief."
    assert [v.number for v in client.agents.list_versions(agent.id)] == [2, 1]

    promotion = client.agents.promote(agent.id, version=1, environment="prod", note="sdk test")
    assert (promotion.version, promotion.environment, promotion.previous_version) == (1, "prod", None)
    assert [p.version for p in client.agents.list_promotions(agent.id)] == [1]
    assert client.agents.get(agent.id).environments["prod"] in (1, {"version": 1}) or \
        client.agents.get(agent.id).environments["prod"].get("version") == 1

    client.agents.delete(agent.id)
    with pytest.raises(NotFoundError) as missing:
        client.agents.get(agent.id)
    assert missing.value.status == 404 and missing.value.code == "not_found"


def test_duplicate_names_are_a_typed_conflict(client: Client) -> None:
    name = unique("dup")
    client.agents.create(name=name)
    with pytest.raises((ConflictError, UnprocessableEntityError)) as raised:
        client.agents.create(name=name)
    assert raised.value.status in (409, 422) and raised.value.errors, raised.value.body


def test_lists_paginate_transparently(client: Client) -> None:
    created = [client.agents.create(name=unique("page")).id for _ in range(5)]
    pages = list(client.agents.list(limit=2).iter_pages())
    assert len(pages) >= 3 and all(len(page.data) <= 2 for page in pages)
    assert all(page.next_cursor for page in pages[:-1]) and pages[-1].next_cursor is None
    seen = [agent.id for agent in client.agents.list(limit=2)]
    assert len(seen) == len(set(seen)), "an item came twice across pages"
    assert set(created) <= set(seen)
    assert [agent.id for agent in client.agents.list(limit=200)] == seen  # same items, one page


def test_workflow_lifecycle(client: Client) -> None:
    name = unique("flow")
    workflow = client.workflows.create(name=name)
    graph = {"nodes": [{"id": "start", "type": "start"},
                       {"id": "greet", "type": "transform", "inputs": {"text": "Hello {{ $.input.who }}"}},
                       {"id": "end", "type": "end", "inputs": {"text": "$.nodes.greet.output.text"}}],
             "edges": [{"from": "start", "to": "greet"}, {"from": "greet", "to": "end"}]}
    version = client.workflows.create_version(workflow.id, graph=graph)
    assert version.number == 1 and version.body["graph"]["nodes"][1]["id"] == "greet"
    client.workflows.promote(workflow.id, version=1, environment="dev")
    run = client.runs.create_and_wait(workflow=name, environment="dev", input={"who": "SDK"}, wait_timeout=60)
    assert run.status == "succeeded", run.error
    assert run.output == {"text": "Hello SDK"} and run.kind == "workflow"
    assert client.workflows.update(workflow.id, name=name + "-x").name == name + "-x"
    with pytest.raises(ConflictError) as pinned:  # its runs pin its versions
        client.workflows.delete(workflow.id)
    assert pinned.value.status == 409 and "runs" in pinned.value.detail
    unused = client.workflows.create(name=unique("unused"))
    client.workflows.delete(unused.id)
    with pytest.raises(NotFoundError):
        client.workflows.get(unused.id)
