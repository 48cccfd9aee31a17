"""Bad eval requests answer 4xx problem+json naming the field, and store nothing."""
from __future__ import annotations

import pytest

from evals.models import EvalResult, EvalRun
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(api, project):
    scripted_agent(project)
    ds = api.post("/api/v1/datasets", {"name": "qa", "items": [{"input": "a", "expected": "a"}]}, format="json").json()
    return ds


def post_eval(api, **overrides):
    body = {"dataset": "qa", "target": {"agent": "helper"}, "metrics": [{"type": "exact"}], **overrides}
    return api.post("/api/v1/evals", body, format="json")


def assert_refused(response, field: str, status: int = 400, contains: str = ""):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert field in errors, errors
    assert contains in errors[field][0], errors
    assert EvalRun.objects.count() == 0 and EvalResult.objects.count() == 0


def test_a_valid_request_is_accepted_and_pinned(api, setup):
    r = post_eval(api, thresholds=["pass_rate(exact) >= 0.9"], repeats=2, concurrency=3)
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["status"] == "queued"
    assert body["dataset"] == {"id": setup["id"], "name": "qa", "version": 1}
    assert body["target"]["agent"] == "helper" and body["target"]["version"] == 1
    assert body["progress"] == {"completed": 0, "total": 2}
    assert body["thresholds"] == [{"expr": "pass_rate(exact) >= 0.9", "passed": None, "value": None}]
    assert api.get(f"/api/v1/evals/{body['id']}").json()["id"] == body["id"]
    assert [e["id"] for e in api.get("/api/v1/evals").json()["data"]] == [body["id"]]


def test_unknown_metric(api, setup):
    assert_refused(post_eval(api, metrics=[{"type": "exact"}, {"type": "vibes"}]), "metrics[1].type",
                   contains="unknown metric type 'vibes'")


def test_bad_metric_config(api, setup):
    assert_refused(post_eval(api, metrics=[{"type": "exact", "ignore_case": "yes"}]), "metrics[0].ignore_case",
                   contains="must be true or false")


def test_threshold_on_a_metric_not_requested(api, setup):
    assert_refused(post_eval(api, thresholds=["pass_rate(contains) >= 0.9"]), "thresholds[0]",
                   contains="does not request")


def test_threshold_that_does_not_parse(api, setup):
    assert_refused(post_eval(api, thresholds=["pass_rate(exact) >> 1"]), "thresholds[0]")


def test_relative_threshold_without_a_baseline(api, setup):
    assert_refused(post_eval(api, thresholds=["no_regression(exact)"]), "thresholds[0]", contains="baseline")


def test_dataset_of_another_project(api, setup, other_project):
    other = client_for(make_key(other_project))
    theirs = other.post("/api/v1/datasets", {"name": "theirs", "items": [{"input": 1}]}, format="json").json()
    assert_refused(post_eval(api, dataset=theirs["id"]), "dataset", contains="unknown dataset")


def test_judge_model_that_does_not_exist(api, setup):
    metric = {"type": "llm_judge", "rubric": "Is it right?", "model": "scripted/nobody"}
    assert_refused(post_eval(api, metrics=[metric]), "metrics[0].model", contains="no script named 'nobody'")


def test_empty_dataset(api, setup):
    api.post("/api/v1/datasets", {"name": "empty"}, format="json")
    assert_refused(post_eval(api, dataset="empty"), "dataset", contains="has no items")


def test_no_items_with_the_tags(api, setup):
    assert_refused(post_eval(api, tags=["smoke"]), "tags", contains="no items with these tags")


def test_unknown_target_and_version(api, setup):
    assert_refused(post_eval(api, target={"agent": "nobody"}), "target.agent")
    assert_refused(post_eval(api, target={"agent": "helper", "version": 9}), "target.version")
    assert_refused(post_eval(api, target={"agent": "helper", "environment": "prod"}), "target.environment")


def test_unknown_dataset_version_and_bad_numbers(api, setup):
    assert_refused(post_eval(api, dataset_version=5), "dataset_version")
    assert_refused(post_eval(api, repeats=0), "repeats")
    assert_refused(post_eval(api, concurrency=1000), "concurrency")
    assert_refused(post_eval(api, colour="red"), "colour")


def test_baseline_must_be_a_finished_eval_on_the_same_dataset_version(api, setup):
    assert_refused(post_eval(api, baseline="evl_missing"), "baseline", contains="unknown eval")
    queued = post_eval(api).json()
    r = post_eval(api, baseline=queued["id"])
    assert r.status_code == 400 and "not succeeded" in r.json()["errors"]["baseline"][0]


def test_viewer_cannot_start_an_eval(project, setup):
    viewer = client_for(make_key(project, "viewer"))
    assert post_eval(viewer).status_code == 403
