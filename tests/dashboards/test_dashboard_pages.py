"""The console's dashboard pages: figures from the rollups, scoped to the user's projects."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agents import services as agent_services
from dashboards.rollups import rollup_runs
from tests.admin.conftest import console_client, staff_user
from tests.dashboards.factories import finished_run
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolled_up(project):
    """helper v1 (3 ok, 1 failed) and v2 (2 ok) in the last hours; writer (1 timed out)."""
    helper, v1 = scripted_agent(project, name="helper")
    v2, _ = agent_services.create_agent_version(agent=helper, body={**v1.body, "instructions": "Shorter."})
    writer, w1 = scripted_agent(project, name="writer")
    now = timezone.now()
    for minutes, status in ((5, "succeeded"), (65, "succeeded"), (125, "succeeded"), (10, "failed")):
        finished_run(project, helper, v1, finished_at=now - timedelta(minutes=minutes), status=status,
                     duration_ms=800, environment="prod", cost=0.01)
    for minutes in (3, 4):
        finished_run(project, helper, v2, finished_at=now - timedelta(minutes=minutes), duration_ms=3000,
                     environment="dev", cost=0.03)
    finished_run(project, writer, w1, finished_at=now - timedelta(minutes=1), status="timed_out", duration_ms=40_000)
    rollup_runs()
    return {"helper": helper, "writer": writer}


def test_the_admin_home_shows_the_overview_of_the_project(project, rolled_up):
    client = console_client(staff_user("viewer", project=project, role="viewer"))
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    overview = page.context["dashboard"]["overview"]
    assert overview.series.total.runs == 7
    assert overview.series.total.succeeded == 5
    assert [t.name for t in overview.top_failing] == ["writer", "helper"]  # equal failures: worse rate first
    assert html.count("<svg class=\"dash-chart\"") == 4 and 'id="top-failing"' in html
    assert "71.4 %" in html  # success rate 5/7
    assert "/static/dashboards/dashboards." in html
    assert "Agent chat" in html  # the console's own links stay


def test_ranges_and_projects_are_validated(project, other_project, rolled_up):
    client = console_client(staff_user("viewer", project=project, role="viewer"))
    bad = client.get("/admin/?range=1y")
    assert bad.status_code == 400 and "range" in bad.content.decode()
    assert client.get(f"/admin/?project={other_project.slug}").status_code == 404
    assert client.get("/admin/?range=30d").status_code == 200
    assert client.get("/admin/dashboards/models/?range=forever").status_code == 400


def test_the_agent_page_compares_versions(project, rolled_up):
    client = console_client(staff_user("viewer", project=project, role="viewer"))
    page = client.get(f"/admin/dashboards/agent/{rolled_up['helper'].pk}/?range=24h")
    assert page.status_code == 200
    data = page.context["page"]
    assert [(v, env, s.runs) for v, env, s in data.by_deployment] == [(2, "dev", 2), (1, "prod", 4)]
    (v2, s2, prev), (v1, s1, none) = data.by_version
    assert (v2, v1, none) == (2, 1, None) and prev is s1
    assert s1.success_rate == 0.75 and s2.success_rate == 1.0
    html = page.content.decode()
    assert "+25.0 pt" in html and 'id="version-comparison"' in html and "<svg" in html


def test_pages_of_another_projects_agent_are_404(project, other_project, rolled_up):
    outsider = console_client(staff_user("outsider", project=other_project, role="owner"))
    assert outsider.get(f"/admin/dashboards/agent/{rolled_up['helper'].pk}/").status_code == 404
    assert outsider.get("/admin/dashboards/robot/x/").status_code == 404
    home = outsider.get("/admin/")
    assert home.status_code == 200 and home.context["dashboard"]["project"] == other_project


def test_the_models_page_sums_model_calls(project, rolled_up):
    client = console_client(staff_user("viewer", project=project, role="viewer"))
    page = client.get(f"/admin/dashboards/models/?project={project.slug}")
    assert page.status_code == 200
    rows = dict(page.context["page"].models)
    assert set(rows) == {"scripted/helper", "scripted/writer"}
    assert rows["scripted/helper"].calls == 6 and rows["scripted/helper"].errors == 1
    assert rows["scripted/helper"].cost_usd == pytest.approx(4 * 0.01 + 2 * 0.03)


def test_anonymous_users_are_sent_to_the_login(client):
    assert client.get("/admin/dashboards/models/").status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("who", ["superuser", "viewer"])
def test_the_admin_home_asks_each_project_permission_once(project, rolled_up, who, django_assert_max_num_queries):
    """The app list asks every model admin whether the user may add, change, delete (for the page
    and again for the sidebar): one query per permission, not one per model admin and question
    (39 queries for a superuser before, 10 after)."""
    user = staff_user("root", superuser=True) if who == "superuser" else staff_user(
        "viewer", project=project, role="viewer")
    client = console_client(user)
    assert client.get(f"/admin/?project={project.slug}").status_code == 200  # warm: sessions, content types
    with django_assert_max_num_queries(20):
        page = client.get(f"/admin/?project={project.slug}")
    assert page.status_code == 200 and page.context["dashboard"]["overview"].series.total.runs == 7
