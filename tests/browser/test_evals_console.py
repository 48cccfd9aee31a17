"""The eval pages in a real browser: the eval list, and an eval page with its summary table,
per-item table, outputs beside the baseline's and the chart across versions load with no failed
asset and no console error; on a running eval the progress bar moves and the page reports the
end without a reload (eval-live.js polling progress.json)."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from evals import services as eval_services
from tests.browser.seed import agent, ok, superuser
from tests.e2e.servers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha", "tags": ["smoke"]},
         {"id": "b", "input": "beta", "expected": "beta"}]


def start_eval(client, **body) -> str:
    return ok(client.post("/api/v1/evals", json=body), 202)["id"]


def wait_for_eval(client, eval_id: str, *, statuses=("succeeded", "failed", "cancelled"), timeout_s: float = 90,
                  until=None) -> dict:
    def reached():
        body = client.get(f"/api/v1/evals/{eval_id}").json()
        return body if body["status"] in statuses and (until is None or until(body)) else None
    return wait_until(reached, timeout_s=timeout_s, what=f"eval {eval_id} to be {'/'.join(statuses)}",
                      interval_s=0.05)


def test_eval_list_and_page_with_summary_items_diff_and_chart(console_page, api_project):
    client = api_project.client
    echo = agent(api_project, "echo", [{"echo": True}])
    ok(client.post(f"/api/v1/agents/{echo['id']}/versions", json={  # v2 answers "alpha" to everything
        "model": "scripted/echo", "instructions": "Be brief.", "model_settings": {"script": [{"text": "alpha"}]}}))
    eval_services.create_dataset(project=api_project.project, name="qa", items=ITEMS)
    baseline = start_eval(client, dataset="qa", target={"agent": "echo", "version": 1}, metrics=[{"type": "exact"}])
    assert wait_for_eval(client, baseline)["status"] == "succeeded"
    candidate = start_eval(client, dataset="qa", target={"agent": "echo", "version": 2}, baseline=baseline,
                           metrics=[{"type": "exact"}], thresholds=["pass_rate(exact) >= 0.9"])
    assert wait_for_eval(client, candidate)["status"] == "succeeded"

    console_page.login(superuser().username)
    listing = console_page.open(reverse("admin:evals_evalrun_changelist"), "eval-list", shot=True)
    assert listing.locator("#result_list tbody tr").count() == 2
    assert candidate in listing.locator("#result_list").inner_text()

    page = console_page.open(reverse("admin:evals_evalrun_change", args=[quote(candidate)]), "eval-page",
                             console_css=True, shot=True)
    summary = page.locator("#eval-summary table").first
    assert summary.locator("tbody tr").count() == 1
    assert summary.locator("tbody tr td").nth(0).inner_text() == "exact"
    assert "0.5" in summary.locator("tbody tr td").nth(3).inner_text()  # pass rate: "a" only
    assert page.locator("#eval-thresholds .eval-fail").inner_text() == "FAIL"
    assert page.locator("#eval-summary h3", has_text="Against the baseline").count() == 1
    assert page.locator("#eval-items tbody tr[data-item]").count() == 2
    regressed = page.locator('#eval-items tr[data-item="b"]')
    assert "regressed" in regressed.inner_text()
    sides = regressed.locator(".eval-side pre")  # this eval's output beside the baseline's
    assert sides.count() == 2 and "alpha" in sides.nth(0).inner_text() and "beta" in sides.nth(1).inner_text()
    chart = page.locator("#eval-charts svg").first
    assert chart.is_visible() and chart.bounding_box()["width"] > 100
    assert page.locator("#eval-charts svg title", has_text="v1: 1").count() == 1
    assert page.locator("#eval-charts svg title", has_text="v2: 0.5").count() == 1
    assert page.locator("#eval-live").is_hidden()  # a finished eval does not poll

    filtered = console_page.open(reverse("admin:evals_evalrun_change", args=[quote(candidate)]) + "?regressed=true",
                                 "eval-page-regressed", console_css=True)
    assert [row.get_attribute("data-item") for row in filtered.locator("#eval-items tr[data-item]").all()] == ["b"]


def test_progress_bar_moves_while_the_eval_runs(console_page, api_project):
    client = api_project.client
    agent(api_project, "slow", [{"delay": 0.5, "echo": True}])
    eval_services.create_dataset(project=api_project.project, name="many", items=[
        {"id": f"i{n}", "input": f"q{n}", "expected": f"q{n}"} for n in range(10)])
    console_page.login(superuser().username)
    eval_id = start_eval(client, dataset="many", target={"agent": "slow"}, metrics=[{"type": "exact"}], concurrency=1)
    started = wait_for_eval(client, eval_id, statuses=("running",), until=lambda b: b["progress"]["completed"] < 8)

    page = console_page.open(reverse("admin:evals_evalrun_change", args=[quote(eval_id)]), "eval-page-live",
                             console_css=True)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    assert page.locator("#eval-live").is_visible() and page.locator("#eval-finished").is_hidden()
    shown = int(page.locator("#eval-bar").get_attribute("aria-valuenow"))
    assert shown >= started["progress"]["completed"]
    # The bar moves as items finish (eval-live.js polls progress.json), then the end is shown.
    page.wait_for_function(f"Number(document.getElementById('eval-bar').getAttribute('aria-valuenow')) > {shown}",
                           timeout=30_000)
    width = page.evaluate("document.querySelector('#eval-bar span').style.width")
    assert width.endswith("%") and int(width[:-1]) > 0
    page.wait_for_selector("#eval-finished", state="visible", timeout=60_000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#eval-count").inner_text() == "10/10"
    assert page.locator("#eval-status").inner_text() == "succeeded"
    assert page.locator("#eval-bar span").evaluate("el => el.style.width") == "100%"
    assert page.locator("#eval-verdict .eval-pass").inner_text() == "passed"
    assert page.locator("#eval-live").is_hidden()
    console_page.check("eval-page-live-finished", console_css=True, shot=True)
