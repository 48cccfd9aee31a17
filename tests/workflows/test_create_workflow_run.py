"""`POST /api/v1/runs {workflow}` pins a version (number, environment or latest) and validates the input
against the version's input schema (or its Start node's)."""
from __future__ import annotations

import pytest

from tests.workflows.factories import chain, make_workflow, node
from workflows import selectors, services

pytestmark = pytest.mark.django_db


def test_input_is_validated_against_the_start_nodes_schema(wf_api, wf_project):
    make_workflow(wf_project, chain(node("start", "start", {"input_schema": {
        "type": "object", "required": ["topic"], "properties": {"topic": {"type": "string"}}}}), node("end", "end")))
    bad = wf_api.post("/api/v1/runs", {"workflow": "flow", "input": {"topic": 3}}, format="json")
    assert bad.status_code == 422 and "input.topic" in bad.json()["errors"]
    ok = wf_api.post("/api/v1/runs", {"workflow": "flow", "input": {"topic": "tea"}}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["kind"] == "workflow" and ok.json()["version"] == 1 and ok.json()["status"] == "queued"


def test_an_explicit_input_schema_wins_and_the_default_is_any_object(wf_api, wf_project):
    workflow, version = make_workflow(wf_project, chain(node("start", "start"), node("end", "end")),
                                      input_schema={"type": "object", "required": ["x"]})
    assert selectors.input_schema(version) == {"type": "object", "required": ["x"]}
    assert wf_api.post("/api/v1/runs", {"workflow": workflow.pk, "input": {}}, format="json").status_code == 422
    plain, _ = services.create_workflow_version(workflow=workflow, body={"graph": chain(node("start", "start"),
                                                                                         node("end", "end"))})
    assert selectors.input_schema(plain) == {"type": "object"}


def test_environment_and_version_pinning(wf_api, wf_project):
    workflow, v1 = make_workflow(wf_project, chain(node("start", "start"), node("end", "end")))
    services.create_workflow_version(workflow=workflow, body={"graph": chain(node("start", "start"),
                                                                               node("t", "transform"),
                                                                               node("end", "end"))})
    unpromoted = wf_api.post("/api/v1/runs", {"workflow": "flow", "environment": "prod"}, format="json")
    assert unpromoted.status_code == 400 and "environment" in unpromoted.json()["errors"]
    services.promote(workflow=workflow, version=v1, environment="prod")
    pinned = wf_api.post("/api/v1/runs", {"workflow": "flow", "environment": "prod"}, format="json").json()
    assert pinned["version"] == 1 and pinned["environment"] == "prod"
    assert wf_api.post("/api/v1/runs", {"workflow": "flow"}, format="json").json()["version"] == 2
    assert wf_api.post("/api/v1/runs", {"workflow": "flow", "version": 5}, format="json").status_code == 400
    unknown = wf_api.post("/api/v1/runs", {"workflow": "ghost"}, format="json")
    assert unknown.status_code == 400 and "workflow" in unknown.json()["errors"]


def test_a_workflow_with_runs_cannot_be_deleted(wf_api, wf_project):
    workflow, _ = make_workflow(wf_project, chain(node("start", "start"), node("end", "end")))
    wf_api.post("/api/v1/runs", {"workflow": "flow"}, format="json")
    response = wf_api.delete(f"/api/v1/workflows/{workflow.pk}")
    assert response.status_code == 409
