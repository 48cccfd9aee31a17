"""A version whose model ref names no configured provider is refused with 422 naming the field."""
from __future__ import annotations

import pytest

from agents.models import Agent
from tests.runtime.graph.graphs import chain, node
from workflows.models import Workflow


def assert_422(response, field: str) -> dict:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/unknown_model_provider") and field in body["errors"], body
    return body


@pytest.mark.django_db
def test_unknown_provider_is_refused_and_does_not_become_latest(api):
    api.post("/api/v1/agents", {"name": "a"}, format="json")
    body = assert_422(api.post("/api/v1/agents/a/versions", {"model": "foo/bar"}, format="json"), "model")
    assert "'foo' is not configured" in body["errors"]["model"][0]
    assert Agent.objects.get(name="a").versions.count() == 0
    assert api.post("/api/v1/agents/a/versions", {"model": "scripted/echo"}, format="json").status_code == 201


@pytest.mark.django_db
def test_each_fallback_is_checked(api):
    api.post("/api/v1/agents", {"name": "a"}, format="json")
    response = api.post("/api/v1/agents/a/versions",
                        {"model": "local/default", "fallbacks": ["openai/gpt-4.1-mini", "nope/x"]}, format="json")
    body = assert_422(response, "fallbacks[1]")
    assert "fallbacks[0]" not in body["errors"] and "model" not in body["errors"]


@pytest.mark.django_db
def test_compat_provider_must_be_configured_in_the_project(api, project):
    api.post("/api/v1/agents", {"name": "a"}, format="json")
    assert_422(api.post("/api/v1/agents/a/versions", {"model": "compat:ollama/llama3"}, format="json"), "model")
    project.settings = {**(project.settings or {}), "providers": {"compat:ollama": {"base_url": "http://127.0.0.1:9/v1"}}}
    project.save()
    response = api.post("/api/v1/agents/a/versions", {"model": "compat:ollama/llama3"}, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_workflow_prompt_node_model_is_checked(api):
    graph = chain(node("start", "start"), node("ask", "prompt", {"model": "foo/bar", "prompt": "hi"}), node("end", "end"))
    api.post("/api/v1/workflows", {"name": "flow"}, format="json")
    assert_422(api.post("/api/v1/workflows/flow/versions", {"graph": graph}, format="json"),
               "graph.nodes.ask.config.model")
    assert Workflow.objects.get(name="flow").versions.count() == 0
