"""The runs list: columns, filters, search by id, and cancelling selected runs."""
import pytest
from django.utils import timezone

from runs import services
from runs.models import Run
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db


def make_run(project, agent_name="helper", **fields):
    run = services.create_run(project=project, agent=agent_name, input={"message": "x"})
    if fields:
        Run.objects.filter(pk=run.pk).update(**fields)
    return Run.objects.get(pk=run.pk)


def test_list_shows_status_target_version_duration_tokens_and_cost(superuser_client, project, agent):
    started = timezone.now()
    run = make_run(project, status="succeeded", started_at=started, finished_at=started + timezone.timedelta(
        milliseconds=1500), usage={"input_tokens": 12, "output_tokens": 30, "cost_usd": 0.0125})
    html = superuser_client.get("/admin/runs/run/").content.decode()
    assert run.pk in html
    assert 'class="ac-status ac-status-succeeded"' in html
    assert '<td class="field-target">helper</td>' in html
    assert '<td class="field-version">v1</td>' in html
    assert '<td class="field-duration">1.50 s</td>' in html
    assert '<td class="field-tokens">42</td>' in html
    assert '<td class="field-cost">$0.0125</td>' in html


def test_filters_and_search_by_id(superuser_client, project, agent):
    done = make_run(project, status="succeeded", environment="prod")
    queued = make_run(project)
    by_status = superuser_client.get("/admin/runs/run/?status__exact=succeeded").content.decode()
    assert done.pk in by_status and queued.pk not in by_status
    by_env = superuser_client.get("/admin/runs/run/?environment__exact=prod").content.decode()
    assert done.pk in by_env and queued.pk not in by_env
    by_id = superuser_client.get(f"/admin/runs/run/?q={queued.pk}").content.decode()
    assert queued.pk in by_id and done.pk not in by_id


def test_project_filter_and_scoping(superuser_client, member_client, project, other_project, agent):
    scripted_agent(other_project, name="rival")
    mine, theirs = make_run(project), make_run(other_project, agent_name="rival")
    filtered = superuser_client.get(f"/admin/runs/run/?project={other_project.pk}").content.decode()
    assert theirs.pk in filtered and mine.pk not in filtered
    member_view = member_client("viewer").get("/admin/runs/run/").content.decode()
    assert mine.pk in member_view and theirs.pk not in member_view
    assert "globex" not in member_view  # the project filter lists only the member's projects


def test_cancel_action_cancels_unfinished_runs_and_skips_finished_ones(member_client, project, agent):
    queued, finished = make_run(project), make_run(project, status="succeeded")
    response = member_client("developer").post("/admin/runs/run/", {
        "action": "cancel_selected", "_selected_action": [queued.pk, finished.pk]}, follow=True)
    assert response.status_code == 200
    assert "Cancellation requested for 1 run(s); 1 skipped" in response.content.decode()
    queued.refresh_from_db()
    finished.refresh_from_db()
    assert (queued.status, finished.status) == ("cancelled", "succeeded")
    assert queued.events.order_by("-seq").first().type == "run.cancelled"


def test_viewers_have_no_cancel_action(member_client, project, agent):
    queued = make_run(project)
    page = member_client("viewer").get("/admin/runs/run/").content.decode()
    assert 'value="cancel_selected"' not in page
    member_client("viewer").post("/admin/runs/run/", {"action": "cancel_selected", "_selected_action": [queued.pk]})
    queued.refresh_from_db()
    assert queued.status == "queued"
