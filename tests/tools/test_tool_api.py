"""Custom tools over the API: create with a first version, list with the built-ins and their
schemas, rename, new immutable versions, delete; field-named validation errors and roles."""
import pytest

from tests.conftest import client_for, make_key
from tests.tools.conftest import http_tool

pytestmark = pytest.mark.django_db

BODY = {"method": "GET", "url": "https://api.example.com/orders/{order_id}", "query": ["expand"],
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"},
                                                          "expand": {"type": "boolean"}},
                         "required": ["order_id"]},
        "timeout_s": 5, "rate_limit_per_min": 30}


def test_builtins_are_listed_read_only_with_their_schemas(api):
    response = api.get("/api/v1/tools")
    assert response.status_code == 200
    by_name = {t["name"]: t for t in response.json()["data"]}
    assert {"http", "kv", "code", "retrieval"} <= set(by_name)
    assert by_name["kv"]["builtin"] is True and by_name["kv"]["kind"] == "builtin"
    assert by_name["code"]["input_schema"]["required"] == ["code"]
    assert by_name["http"]["output_schema"]["required"] == ["status", "headers", "body"]
    assert api.get("/api/v1/tools/kv").json()["side_effect"] == "idempotent"
    assert api.patch("/api/v1/tools/kv", {"description": "x"}, format="json").status_code == 405
    assert api.delete("/api/v1/tools/code").status_code == 405


def test_custom_tool_is_created_with_its_first_version_and_listed(api):
    created = http_tool(api, "get_order", BODY, description="Fetch an order")
    assert created["id"].startswith("tool_") and created["kind"] == "http" and created["builtin"] is False
    assert created["latest_version"] == 1
    assert created["input_schema"]["required"] == ["order_id"]
    assert created["rate_limit_per_min"] == 30 and created["side_effect"] == "read_only"
    listed = api.get("/api/v1/tools?kind=http").json()["data"]
    assert [t["name"] for t in listed] == ["get_order"]
    assert api.get(f"/api/v1/tools/{created['id']}").json()["description"] == "Fetch an order"
    assert api.get("/api/v1/tools/get_order").json()["id"] == created["id"]


def test_versions_are_immutable_and_identical_bodies_are_not_duplicated(api):
    tool = http_tool(api, "get_order", BODY)
    again = api.post(f"/api/v1/tools/{tool['id']}/versions", BODY, format="json")
    assert again.status_code == 200 and again.json()["number"] == 1
    changed = api.post(f"/api/v1/tools/{tool['id']}/versions", {**BODY, "timeout_s": 9}, format="json")
    assert changed.status_code == 201 and changed.json()["number"] == 2
    assert api.get(f"/api/v1/tools/{tool['id']}/versions/1").json()["body"]["timeout_s"] == 5
    assert [v["number"] for v in api.get(f"/api/v1/tools/{tool['id']}/versions").json()["data"]] == [2, 1]
    assert api.get(f"/api/v1/tools/{tool['id']}").json()["latest_version"] == 2
    assert api.get(f"/api/v1/tools/{tool['id']}/versions/7").status_code == 404


def test_rename_and_delete(project, api):
    tool = http_tool(api, "get_order", BODY)
    renamed = api.patch(f"/api/v1/tools/{tool['id']}", {"name": "fetch_order"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "fetch_order"
    assert api.patch(f"/api/v1/tools/{tool['id']}", {"kind": "mcp"}, format="json").json()["errors"] == {
        "kind": ["Unknown field."]}
    developer = client_for(make_key(project, "developer"))
    assert developer.delete(f"/api/v1/tools/{tool['id']}").status_code == 403
    assert api.delete(f"/api/v1/tools/{tool['id']}").status_code == 204
    assert api.get(f"/api/v1/tools/{tool['id']}").status_code == 404


@pytest.mark.parametrize("payload, field", [
    ({"name": "http", "body": BODY}, "name"),
    ({"name": "has space", "body": BODY}, "name"),
    ({"name": "t", "body": {**BODY, "url": "ftp://x/{order_id}"}}, "url"),
    ({"name": "t", "body": {**BODY, "method": "BREW"}}, "method"),
    ({"name": "t", "body": {**BODY, "retry": {"max_attempts": 99}}}, "retry.max_attempts"),
    ({"name": "t", "body": {**BODY, "input_schema": {"type": "nonsense"}}}, "input_schema"),
    ({"name": "t", "body": {**BODY, "url": "https://x/{missing}"}}, "url"),
    ({"name": "t", "body": {**BODY, "surprise": 1}}, "body"),
])
def test_invalid_tools_are_refused_naming_the_field(api, payload, field):
    response = api.post("/api/v1/tools", payload, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()


def test_duplicate_name_is_a_conflict(api):
    http_tool(api, "get_order", BODY)
    response = api.post("/api/v1/tools", {"name": "get_order", "body": BODY}, format="json")
    assert response.status_code == 409 and "name" in response.json()["errors"]


def test_viewers_read_but_cannot_write(project, api):
    http_tool(api, "get_order", BODY)
    viewer = client_for(make_key(project, "viewer"))
    assert viewer.get("/api/v1/tools/get_order").status_code == 200
    assert viewer.post("/api/v1/tools", {"name": "x", "body": BODY}, format="json").status_code == 403
    assert viewer.post("/api/v1/tools/kv/invoke", {"input": {"op": "list"}}, format="json").status_code == 403


def test_another_projects_tool_is_not_found(other_project, api):
    other = client_for(make_key(other_project, "owner"))
    tool = http_tool(other, "secret_tool", BODY)
    assert api.get(f"/api/v1/tools/{tool['id']}").status_code == 404
    assert api.post(f"/api/v1/tools/{tool['id']}/invoke", {"input": {}}, format="json").status_code == 404


def test_create_is_idempotent_with_a_key(api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "tool-1"}
    first = api.post("/api/v1/tools", {"name": "get_order", "body": BODY}, format="json", **headers)
    second = api.post("/api/v1/tools", {"name": "get_order", "body": BODY}, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]


def test_agents_may_reference_custom_tools_and_pin_a_version(project, api):
    http_tool(api, "get_order", BODY)
    agent = api.post("/api/v1/agents", {"name": "a"}, format="json").json()
    ok = api.post(f"/api/v1/agents/{agent['id']}/versions",
                  {"model": "scripted/a", "tools": [{"name": "get_order", "version": 1}]}, format="json")
    assert ok.status_code == 201, ok.content
    unknown = api.post(f"/api/v1/agents/{agent['id']}/versions", {"model": "scripted/a", "tools": ["nope"]},
                       format="json")
    assert unknown.status_code == 400 and "tools[0]" in unknown.json()["errors"]
