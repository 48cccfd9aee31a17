"""The dashboards in headless Chromium against a real Daphne and worker: the overview on the admin
home, an agent's page and the model usage page, after real scripted runs and a rollup pass. Every
asset answers 200, no console error, the pages are styled and the SVG charts are drawn."""
from __future__ import annotations

import pytest

from dashboards.rollups import rollup_runs
from tests.browser.seed import TERMINAL, agent, ok, start_run, superuser, wait_for_status

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DASH_CSS_JS = "() => getComputedStyle(document.documentElement).getPropertyValue('--dash-loaded').trim()"


def drawn(page, selector: str) -> int:
    """How many chart marks (bars, points) inside `selector` have a visible size."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel + ' svg.dash-chart rect, ' + sel + ' svg.dash-chart circle')]
        .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length""", selector)


def test_dashboards_render_with_charts(console_page, api_project):
    seeded = api_project
    helper = agent(seeded, "helper", [{"text": "Hello {message}"}])
    agent(seeded, "broken", [{"error": "model_auth_error", "message": "bad key"}], limits={"max_steps": 2})
    runs = [start_run(seeded, f"ok-{i}", {"agent": "helper"}, f"m{i}") for i in range(3)]
    runs.append(start_run(seeded, "bad", {"agent": "broken"}))
    statuses = [wait_for_status(seeded.client, run_id, TERMINAL)["status"] for run_id in runs]
    assert statuses == ["succeeded", "succeeded", "succeeded", "failed"]
    rollup_runs()

    root = superuser()
    console_page.login(root.username)
    slug = seeded.project.slug
    page = console_page.open(f"/admin/?project={slug}", "dashboard-overview", console_css=True,
                             wait_for="#dashboard-overview svg.dash-chart", shot=True)
    assert page.evaluate(DASH_CSS_JS) == "yes"
    assert page.locator("#dashboard-overview svg.dash-chart").count() == 4
    assert drawn(page, "#dashboard-overview") >= 2
    assert page.locator(".dash-kpis dd").first.inner_text() == "4"
    assert page.locator("#top-failing a", has_text="broken").count() == 1
    assert page.locator(".ac-quicklinks a", has_text="Agent chat").count() == 1

    page.select_option(".dash-controls select[name=range]", "7d")
    with page.expect_navigation():
        page.click(".dash-controls input[type=submit]")
    console_page.check("dashboard-overview-7d", console_css=True)
    assert "range=7d" in page.url and page.locator("#dashboard-overview svg.dash-chart").count() == 4

    with page.expect_navigation():
        page.click("#targets a:text('helper')")
    console_page.check("dashboard-agent", console_css=True, shot=True)
    assert f"/admin/dashboards/agent/{helper['id']}/" in page.url
    assert page.locator("#by-deployment tbody tr").count() == 1
    assert page.locator("#version-comparison tbody tr td").first.inner_text() == "v1"
    assert drawn(page, "#content-main") >= 2

    page = console_page.open(f"/admin/dashboards/models/?project={slug}&range=24h", "dashboard-models",
                             console_css=True, shot=True)
    assert page.locator("#models tbody tr").count() == 2
    assert page.locator("#models", has_text="scripted/helper").count() == 1
    assert drawn(page, "#content-main") >= 1
    ok(seeded.client.get(f"/api/v1/runs/{runs[0]}"), 200)
