"""Unknown fields are refused on every request body that is not a strict serializer's own (version
bodies, evals, resume, uploads): a 400 problem+json naming the field, nothing created, and the
OpenAPI request schema says `additionalProperties: false`."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from runs.models import Run

pytestmark = pytest.mark.django_db


def assert_unknown(response, field: str = "bogus", status: int = 400) -> None:
    """A 400 problem+json whose `errors` name the unknown field (as a key, or in the message of the
    body's validator: version bodies are validated as a whole by their kind's JSON Schema)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    named = field in errors or any(field.rsplit(".", 1)[-1] in message for messages in errors.values()
                                   for message in messages)
    assert named, errors


def test_agent_version_bodies_refuse_unknown_fields(api):
    assert api.post("/api/v1/agents", {"name": "a"}, format="json").status_code == 201
    assert_unknown(api.post("/api/v1/agents/a/versions", {"model": "scripted:x", "bogus": 1}, format="json"))


def test_workflow_version_bodies_refuse_unknown_fields(api):
    assert api.post("/api/v1/workflows", {"name": "w"}, format="json").status_code == 201
    graph = {"nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
             "edges": [{"from": "start", "to": "end"}]}
    assert_unknown(api.post("/api/v1/workflows/w/versions", {"graph": graph, "bogus": 1}, format="json"))


def test_custom_tool_version_bodies_refuse_unknown_fields(api):
    assert api.post("/api/v1/tools", {"name": "t"}, format="json").status_code == 201
    assert_unknown(api.post("/api/v1/tools/t/versions", {"method": "GET", "url": "https://example.com",
                                                         "bogus": 1}, format="json"))


def test_dataset_versions_and_items_refuse_unknown_fields(api):
    assert api.post("/api/v1/datasets", {"name": "d"}, format="json").status_code == 201
    assert_unknown(api.post("/api/v1/datasets/d/versions", {"items": [], "bogus": 1}, format="json"))
    assert_unknown(api.post("/api/v1/datasets/d/versions", {"items": [{"input": {}, "bogus": 1}]}, format="json"),
                   "items[0].bogus", status=422)  # item rules are the dataset's 422 invalid_items


def test_eval_creates_refuse_unknown_fields(api):
    assert api.post("/api/v1/datasets", {"name": "d", "items": [{"input": {}}]}, format="json").status_code == 201
    body = {"dataset": "d", "target": {"agent": "a"}, "metrics": [{"type": "exact_match"}], "bogus": 1}
    assert_unknown(api.post("/api/v1/evals", body, format="json"))
    body = {"dataset": "d", "target": {"agent": "a", "bogus": 1}, "metrics": [{"type": "exact_match"}]}
    assert_unknown(api.post("/api/v1/evals", body, format="json"), "target.bogus")


def test_resume_refuses_unknown_fields(api, project):
    run = Run.objects.create(project=project, kind="agent", status="waiting")
    assert_unknown(api.post(f"/api/v1/runs/{run.pk}/resume", {"approve": True, "bogus": 1}, format="json"))


def test_document_uploads_refuse_unknown_fields(api):
    assert api.post("/api/v1/knowledge-bases", {"name": "kb"}, format="json").status_code == 201
    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    assert_unknown(api.post("/api/v1/knowledge-bases/kb/documents", {"file": upload, "bogus": "1"}))


def test_the_schema_says_additional_properties_false_for_these_bodies():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("VersionInRequest", "WorkflowVersionInRequest", "HttpToolVersionInRequest",
                 "DatasetVersionInRequest", "DatasetItemInRequest", "EvalCreateInRequest", "EvalTargetInRequest",
                 "RunResumeInRequest"):
        assert components[name].get("additionalProperties") is False, (name, components[name])
