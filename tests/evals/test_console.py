"""The eval page and dataset pages in the admin console (server-rendered, Django test client)."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote

from evals.models import Dataset, DatasetVersion, Feedback
from evals.runner import execute_eval
from runs.models import Run
from tests.evals.helpers import create_dataset, new_agent_version
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha", "tags": ["smoke"]},
         {"id": "b", "input": "beta", "expected": "beta"}]


def run_here(api, **body) -> str:
    created = api.post("/api/v1/evals", body, format="json")
    assert created.status_code == 202, created.content
    assert execute_eval(created.json()["id"], worker_name="test") == "succeeded"
    return created.json()["id"]


def test_eval_page_with_summary_items_filters_diff_and_chart(api, project, member_client, outsider_client):
    agent, _ = scripted_agent(project, "helper", [{"echo": True}])
    worse = new_agent_version(agent, [{"text": "alpha"}])  # right for "a" only
    create_dataset(project, "qa", ITEMS)
    baseline = run_here(api, dataset="qa", target={"agent": "helper", "version": 1}, metrics=[{"type": "exact"}])
    candidate = run_here(api, dataset="qa", target={"agent": "helper", "version": worse}, metrics=[{"type": "exact"}],
                         baseline=baseline, thresholds=["pass_rate(exact) >= 0.9"])
    console = member_client("viewer")
    url = f"/admin/evals/evalrun/{quote(candidate)}/change/"
    page = console.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="eval-summary"' in html and "pass_rate(exact) &gt;= 0.9" in html and "eval-fail" in html
    assert "<svg" in html and "exact (mean) by version" in html and "<title>v1: 1</title>" in html
    assert "<title>v2: 0.5</title>" in html  # the metric across the target's versions
    assert 'class="eval-side"' in html and "beta" in html  # this eval's output beside the baseline's
    failed = console.get(url + "?failed=true").content.decode()
    assert failed.count("data-item=") == 1 and 'data-item="b"' in failed
    assert html.count("data-item=") == 2
    smoke = console.get(url + "?tag=smoke").content.decode()
    assert smoke.count("data-item=") == 1 and 'data-item="a"' in smoke
    regressed = console.get(url + "?regressed=true").content.decode()
    assert regressed.count("data-item=") == 1 and 'data-item="b"' in regressed
    assert outsider_client.get(url).status_code == 404
    listing = console.get("/admin/evals/evalrun/")
    assert listing.status_code == 200 and candidate in listing.content.decode()


def test_dataset_pages_and_a_version_by_hand(project, member_client, api):
    create_dataset(project, "qa", ITEMS)
    dataset = Dataset.objects.get(project=project, name="qa")
    console = member_client("developer")
    page = console.get(f"/admin/evals/dataset/{quote(dataset.id)}/change/")
    assert page.status_code == 200 and "qa" in page.content.decode()
    version = DatasetVersion.objects.get(dataset=dataset, number=1)
    shown = console.get(f"/admin/evals/datasetversion/{version.pk}/change/").content.decode()
    assert "alpha" in shown and "smoke" in shown
    new = console.post(f"/admin/evals/dataset/{quote(dataset.id)}/new-version/",
                       {"body": '{"items": [{"id": "z", "input": "zeta"}]}'})
    assert new.status_code in (302, 200)
    assert DatasetVersion.objects.get(dataset=dataset, number=2).items == [{"id": "z", "input": "zeta"}]


def test_add_feedback_runs_to_a_dataset_from_the_console(project, member_client):
    agent, version = scripted_agent(project)
    run = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version,
                             input={"message": "hi"}, output={"text": "hello"}, status="succeeded")
    entry = Feedback.objects.create(project=project, run=run, thumbs="up")
    console = member_client("developer")
    r = console.post("/admin/evals/feedback/", {"action": "add_runs_to_dataset", "_selected_action": [entry.pk],
                                                "dataset": "reviewed"}, follow=True)
    assert r.status_code == 200 and "now at v1" in r.content.decode()
    version = DatasetVersion.objects.get(dataset__project=project, dataset__name="reviewed")
    assert version.items == [{"id": run.id, "input": {"message": "hi"}, "expected": {"text": "hello"},
                              "metadata": {"source_run": run.id, "target": "helper"}}]


def test_progress_json_for_the_live_page(api, project, member_client, outsider_client):
    scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "qa", ITEMS)
    created = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"},
                                         "metrics": [{"type": "exact"}]}, format="json").json()["id"]
    console = member_client("viewer")
    url = f"/admin/evals/evalrun/{quote(created)}/progress.json"
    queued = console.get(url)
    assert queued.status_code == 200 and queued["Content-Type"] == "application/json"
    assert queued.json() == {"status": "queued", "completed": 0, "total": 2, "percent": 0, "passed": None,
                             "terminal": False}
    page = console.get(f"/admin/evals/evalrun/{quote(created)}/change/").content.decode()
    assert 'data-terminal="false"' in page and "admin-console/eval-live" in page and url in page
    assert execute_eval(created, worker_name="test") == "succeeded"
    assert console.get(url).json() == {"status": "succeeded", "completed": 2, "total": 2, "percent": 100,
                                       "passed": True, "terminal": True}
    assert 'data-terminal="true"' in console.get(f"/admin/evals/evalrun/{quote(created)}/change/").content.decode()
    assert outsider_client.get(url).status_code == 404
