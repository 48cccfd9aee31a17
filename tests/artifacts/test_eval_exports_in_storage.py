"""A finished eval's exports (JUnit XML, Markdown, JSON) are files in the artifacts storage,
written once when it finishes, streamed by the report endpoint, re-written when late feedback
changes the report, and gone (rows and objects) when the eval is purged — on the filesystem and
on an S3-compatible server."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from agent_platform import artifacts
from evals.models import EvalExport, EvalRun
from evals.runner import execute_eval
from retention.models import RetentionPolicy
from retention.purge import purge
from tests.evals.helpers import create_dataset
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha"}, {"id": "b", "input": "beta", "expected": "other"}]


def finished_eval(api, project, metrics) -> str:
    scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "qa", ITEMS)
    created = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"}, "metrics": metrics},
                       format="json")
    assert created.status_code == 202, created.content
    assert execute_eval(created.json()["id"], worker_name="test") == "succeeded"
    return created.json()["id"]


def stored(eval_id: str) -> dict[str, bytes]:
    return {row.format: artifacts.read_bytes(artifacts.key_for(artifacts.EXPORTS, row.sha256))
            for row in EvalExport.objects.filter(eval_id=eval_id)}


def test_exports_are_stored_when_the_eval_finishes_and_served_from_storage(artifacts_backend, api, project):
    eval_id = finished_eval(api, project, [{"type": "exact"}])
    files = stored(eval_id)
    assert set(files) == {"junit", "markdown", "json"}
    root = ET.fromstring(files["junit"])
    assert root.tag == "testsuites" and root.get("failures") == "1"
    assert json.loads(files["json"])["id"] == eval_id
    assert "| exact |" in files["markdown"].decode()
    for fmt, content_type in (("junit", "application/xml"), ("markdown", "text/markdown")):
        answer = api.get(f"/api/v1/evals/{eval_id}/report", {"format": fmt})
        assert answer.status_code == 200 and answer["Content-Type"].startswith(content_type)
        assert b"".join(answer.streaming_content) == files[fmt]  # the stored file, not a new rendering
    keys = set(artifacts.iter_keys(artifacts.EXPORTS))
    assert keys == {artifacts.key_for(artifacts.EXPORTS, row.sha256) for row in EvalExport.objects.all()}


def test_late_feedback_rewrites_the_exports(artifacts_backend, api, project):
    eval_id = finished_eval(api, project, [{"type": "human"}])
    before = stored(eval_id)["markdown"]
    run_id = EvalRun.objects.get(pk=eval_id).results.order_by("position").first().run_id
    answer = api.post(f"/api/v1/runs/{run_id}/feedback", {"thumbs": "up"}, format="json")
    assert answer.status_code == 201, answer.content
    after = stored(eval_id)["markdown"]
    assert after != before  # the human metric now has a score, and the stored report says so
    served = api.get(f"/api/v1/evals/{eval_id}/report", {"format": "markdown"})
    assert b"".join(served.streaming_content) == after


def test_a_purged_eval_leaves_no_export_objects(artifacts_backend, api, project, settings):
    settings.RETENTION_BLOB_GRACE_S = 0
    eval_id = finished_eval(api, project, [{"type": "exact"}])
    assert len(list(artifacts.iter_keys(artifacts.EXPORTS))) == 3
    EvalRun.objects.filter(pk=eval_id).update(finished_at=timezone.now() - timedelta(days=40),
                                              created_at=timezone.now() - timedelta(days=40))
    RetentionPolicy.objects.create(project=project, eval_results_days=30)
    purge()
    assert not EvalRun.objects.filter(pk=eval_id).exists() and not EvalExport.objects.exists()
    assert list(artifacts.iter_keys(artifacts.EXPORTS)) == []
