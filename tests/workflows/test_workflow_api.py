"""Workflows over the API: CRUD, immutable versions, environments and promotion (as agents)."""
from __future__ import annotations

import pytest

from tests.conftest import client_for, make_key
from tests.workflows.factories import chain, node

pytestmark = pytest.mark.django_db

GRAPH = chain(node("start", "start"), node("shout", "transform", inputs={"text": "$.input.text"}),
              node("end", "end", inputs={"text": "$.nodes.shout.output.text"}))


def create(api, name="flow"):
    response = api.post("/api/v1/workflows", {"name": name, "description": "d"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_get_list_patch_delete(wf_api):
    created = create(wf_api)
    assert created["id"].startswith("wf_")
    assert created["environments"] == {"dev": None, "stage": None, "prod": None}
    assert wf_api.get(f"/api/v1/workflows/{created['id']}").json()["name"] == "flow"
    assert wf_api.get("/api/v1/workflows/flow").json()["id"] == created["id"]
    assert [w["name"] for w in wf_api.get("/api/v1/workflows").json()["data"]] == ["flow"]
    patched = wf_api.patch(f"/api/v1/workflows/{created['id']}", {"description": "new"}, format="json")
    assert patched.json()["description"] == "new"
    assert wf_api.delete(f"/api/v1/workflows/{created['id']}").status_code == 204
    assert wf_api.get(f"/api/v1/workflows/{created['id']}").status_code == 404


def test_duplicate_name_is_a_conflict(wf_api):
    create(wf_api)
    response = wf_api.post("/api/v1/workflows", {"name": "flow"}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "name" in response.json()["errors"]


def test_versions_are_immutable_and_deduplicated(wf_api):
    wf = create(wf_api)
    first = wf_api.post(f"/api/v1/workflows/{wf['id']}/versions", {"graph": GRAPH}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["number"] == 1
    assert first.json()["body"]["limits"]["timeout_s"] == 3600
    again = wf_api.post(f"/api/v1/workflows/{wf['id']}/versions", {"graph": GRAPH}, format="json")
    assert again.status_code == 200 and again.json()["number"] == 1
    second = wf_api.post(f"/api/v1/workflows/{wf['id']}/versions", {"graph": GRAPH, "limits": {"max_steps": 50}},
                         format="json")
    assert second.json()["number"] == 2
    listed = wf_api.get(f"/api/v1/workflows/{wf['id']}/versions").json()["data"]
    assert [v["number"] for v in listed] == [2, 1]
    assert wf_api.get(f"/api/v1/workflows/{wf['id']}/versions/1").json()["body"]["graph"] == GRAPH
    assert wf_api.get(f"/api/v1/workflows/{wf['id']}/versions/9").status_code == 404
    assert wf_api.get(f"/api/v1/workflows/{wf['id']}").json()["latest_version"] == 2


def test_promote_points_an_environment_and_records_history(wf_api):
    wf = create(wf_api)
    wf_api.post(f"/api/v1/workflows/{wf['id']}/versions", {"graph": GRAPH}, format="json")
    promoted = wf_api.post(f"/api/v1/workflows/{wf['id']}/promote", {"version": 1, "environment": "stage",
                                                                     "note": "ok"}, format="json")
    assert promoted.status_code == 201, promoted.content
    assert promoted.json()["previous_version"] is None
    assert wf_api.get(f"/api/v1/workflows/{wf['id']}").json()["environments"]["stage"] == 1
    history = wf_api.get(f"/api/v1/workflows/{wf['id']}/promote").json()["data"]
    assert [(p["environment"], p["version"]) for p in history] == [("stage", 1)]
    assert wf_api.post(f"/api/v1/workflows/{wf['id']}/promote", {"version": 7, "environment": "dev"},
                       format="json").status_code == 404


def test_prod_promotion_and_delete_need_the_admin_role(wf_api, wf_project):
    wf = create(wf_api)
    wf_api.post(f"/api/v1/workflows/{wf['id']}/versions", {"graph": GRAPH}, format="json")
    developer = client_for(make_key(wf_project, "developer"))
    assert developer.post(f"/api/v1/workflows/{wf['id']}/promote", {"version": 1, "environment": "prod"},
                          format="json").status_code == 403
    assert developer.post(f"/api/v1/workflows/{wf['id']}/promote", {"version": 1, "environment": "dev"},
                          format="json").status_code == 201
    assert developer.delete(f"/api/v1/workflows/{wf['id']}").status_code == 403
    viewer = client_for(make_key(wf_project, "viewer"))
    assert viewer.post(f"/api/v1/workflows/{wf['id']}/versions", {"graph": GRAPH}, format="json").status_code == 403


def test_another_projects_workflow_is_not_found(wf_api, other_project):
    wf = create(wf_api)
    outsider = client_for(make_key(other_project, "owner"))
    assert outsider.get(f"/api/v1/workflows/{wf['id']}").status_code == 404
    assert outsider.get("/api/v1/workflows").json()["data"] == []


def test_idempotency_key_returns_the_same_workflow(wf_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-flow-1"}
    first = wf_api.post("/api/v1/workflows", {"name": "flow"}, format="json", **headers)
    second = wf_api.post("/api/v1/workflows", {"name": "flow"}, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
