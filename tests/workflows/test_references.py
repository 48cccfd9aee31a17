"""Version references must exist in the project: agents (and versions), tools, knowledge bases."""
from __future__ import annotations

import pytest

from tests.runs.factories import scripted_agent
from tests.workflows.factories import chain, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions_url(wf_api):
    wf = wf_api.post("/api/v1/workflows", {"name": "flow"}, format="json").json()
    return f"/api/v1/workflows/{wf['id']}/versions"


def with_node(*middle):
    return {"graph": chain(node("start", "start", {"input_schema": {
        "type": "object", "properties": {"message": {"type": "string"}}}}), *middle, node("end", "end"))}


def test_unknown_agent_and_missing_version_are_named(wf_api, versions_url, wf_project):
    response = wf_api.post(versions_url, with_node(node("ask", "agent", {"agent": "ghost"},
                                                        inputs={"message": "$.input.message"})), format="json")
    assert response.status_code == 400
    assert "graph.nodes.ask.config.agent" in response.json()["errors"]
    scripted_agent(wf_project, name="helper")
    missing = wf_api.post(versions_url, with_node(node("ask", "agent", {"agent": "helper@7"},
                                                       inputs={"message": "$.input.message"})), format="json")
    assert "version 7" in missing.json()["errors"]["graph.nodes.ask.config.agent"][0]
    for ref in ("helper", "helper@1", "helper@v1", "helper@prod"):
        ok = wf_api.post(versions_url, with_node(node("ask", "agent", {"agent": ref},
                                                      inputs={"message": "$.input.message"})), format="json")
        assert ok.status_code in (200, 201), (ref, ok.content)
    bad_selector = wf_api.post(versions_url, with_node(node("ask", "agent", {"agent": "helper@moon"},
                                                            inputs={"message": "$.input.message"})), format="json")
    assert "graph.nodes.ask.config.agent" in bad_selector.json()["errors"]


def test_unknown_tool_and_bad_tool_config_are_named(wf_api, versions_url):
    unknown = wf_api.post(versions_url, with_node(node("call", "tool", {"tool": "teleporter"})), format="json")
    assert "graph.nodes.call.config.tool" in unknown.json()["errors"]
    bad = wf_api.post(versions_url, with_node(node("run", "tool", {"tool": "code", "config": {"wall_s": 9999}})),
                      format="json")
    assert "graph.nodes.run.config.config" in bad.json()["errors"]
    bad_effect = wf_api.post(versions_url, with_node(node("get", "http", {"url": "http://127.0.0.1/x",
                                                                           "tool_config": {"side_effect": "maybe"}})),
                             format="json")
    assert "graph.nodes.get.config.tool_config" in bad_effect.json()["errors"]
    ok = wf_api.post(versions_url, with_node(node("put", "tool", {"tool": "kv"},
                                                  inputs={"op": "set", "key": "k", "value": 1})), format="json")
    assert ok.status_code == 201, ok.content


def test_unknown_knowledge_base_is_named(wf_api, versions_url):
    response = wf_api.post(versions_url, with_node(node("search", "retrieval", {"knowledge_base": "nowhere"},
                                                        inputs={"query": "$.input.message"})), format="json")
    assert response.status_code == 400
    assert "graph.nodes.search.config.knowledge_base" in response.json()["errors"]
