"""Problem bodies: one spelling of every type, and never more than an excerpt of the input."""
from __future__ import annotations

import pytest

from agent_platform.api.errors import MAX_MESSAGE_CHARS
from tests.runs.factories import scripted_agent


@pytest.mark.django_db
def test_a_422_on_a_huge_input_echoes_only_an_excerpt(api, project):
    scripted_agent(project, name="helper")
    huge = "x" * 1_900_000  # over the default input schema's maxLength: the validator quotes the value
    response = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": huge}}, format="json")
    assert response.status_code == 422, response.content[:500]
    body = response.json()
    assert "input.message" in body["errors"]
    assert len(response.content) < 5_000
    for messages in body["errors"].values():
        assert all(len(message) <= MAX_MESSAGE_CHARS for message in messages)
    assert body["errors"]["input.message"][0].endswith("\u2026")
    assert len(body["detail"]) <= MAX_MESSAGE_CHARS


@pytest.mark.django_db
def test_unknown_url_and_unknown_object_have_the_same_problem_type(api):
    unknown_url = api.get("/api/v1/no-such-endpoint")
    unknown_object = api.get("/api/v1/runs/run_doesnotexist")
    assert unknown_url.status_code == unknown_object.status_code == 404
    assert unknown_url["Content-Type"] == unknown_object["Content-Type"] == "application/problem+json"
    assert unknown_url.json()["type"] == unknown_object.json()["type"] == "https://agent-platform.dev/problems/not_found"


@pytest.mark.django_db
def test_every_problem_type_is_snake_case(api):
    response = api.delete("/api/v1/runs")  # method not allowed: the title-derived type
    assert response.status_code == 405
    slug = response.json()["type"].rsplit("/", 1)[1]
    assert slug == slug.lower() and "-" not in slug and " " not in slug


@pytest.mark.django_db
def test_a_tool_playground_422_echoes_only_an_excerpt(api):
    response = api.post("/api/v1/tools/kv/invoke", {"input": {"op": "y" * 500_000, "key": "k"}}, format="json")
    assert response.status_code == 422, response.content[:500]
    assert len(response.content) < 5_000
    body = response.json()
    assert body["tool_error"]["type"] == "tool_input_invalid"
    assert len(body["tool_error"]["message"]) <= MAX_MESSAGE_CHARS
