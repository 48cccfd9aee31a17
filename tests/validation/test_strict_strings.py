"""String fields take strings only: `{"name": 5}` is a 400 naming the field, not the name "5"."""
from __future__ import annotations

import pytest
from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer, string_type_errors
from agents.models import Agent


def assert_not_a_string(response, *fields: str) -> None:
    assert response.status_code == 400, response.content  # a wrong type is a 400, as for every other field
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation_error")
    assert all(body["errors"].get(field) == ["Not a valid string."] for field in fields), body


@pytest.mark.django_db
def test_numeric_name_and_description_are_refused(api):
    assert_not_a_string(api.post("/api/v1/agents", {"name": 5}, format="json"), "name")
    assert_not_a_string(api.post("/api/v1/agents", {"name": "a", "description": 0}, format="json"), "description")
    assert not Agent.objects.exists()
    assert api.post("/api/v1/agents", {"name": "a", "description": "ok"}, format="json").status_code == 201
    assert_not_a_string(api.patch("/api/v1/agents/a", {"description": 0}, format="json"), "description")
    assert Agent.objects.get(name="a").description == "ok"


@pytest.mark.django_db
def test_other_apps_names_and_nested_strings(api):
    assert_not_a_string(api.post("/api/v1/workflows", {"name": 7}, format="json"), "name")
    assert_not_a_string(api.post("/api/v1/knowledge-bases", {"name": 7}, format="json"), "name")
    assert_not_a_string(api.post("/api/v1/tools", {"name": True, "description": 1}, format="json"),
                        "name", "description")
    response = api.post("/api/v1/mcp-servers", {"name": "s", "transport": "stdio", "command": "x",
                                                "args": ["ok", 3], "env": {"A": 1}}, format="json")
    assert_not_a_string(response, "args[1]", "env.A")


def test_nested_serializers_and_nulls():
    class Inner(StrictSerializer):
        label = serializers.CharField(allow_null=True)

    class Outer(StrictSerializer):
        inner = Inner()
        items = Inner(many=True)
        count = serializers.IntegerField()

    fields = Outer().fields
    assert string_type_errors(fields, {"inner": {"label": None}, "items": [{"label": "x"}], "count": "3"}) == {}
    assert string_type_errors(fields, {"inner": {"label": 1}, "items": [{"label": "x"}, {"label": []}]}) == {
        "inner.label": ["Not a valid string."], "items[1].label": ["Not a valid string."]}
