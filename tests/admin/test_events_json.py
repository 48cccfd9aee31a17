"""The viewer's live feed: `<run>/events.json?after_seq=N` (session auth, staff, project-scoped)."""
import pytest
from django.test import Client

from accounts.admin_scoping import admin_url
from runs import services
from tests.admin.conftest import console_client, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(project, agent):
    run = services.create_run(project=project, agent="helper", input={"message": "x"})
    for index in range(4):
        services.append_event(run.pk, "model.delta", {"text": f"chunk {index}"})
    return run  # events 1..5: run.queued, then four deltas


def test_returns_only_events_after_the_given_seq(member_client, run):
    response = member_client("viewer").get(admin_url(run, "events") + "?after_seq=2")
    assert response.status_code == 200
    page = response.json()
    assert [event["seq"] for event in page["data"]] == [3, 4, 5]
    assert page["data"][0]["type"] == "model.delta" and page["data"][0]["data"] == {"text": "chunk 1"}
    assert page["data"][0]["offset"].startswith("+") and "chunk 1" in page["data"][0]["pretty"]
    assert (page["status"], page["terminal"]) == ("queued", False)


def test_without_after_seq_returns_everything_and_past_the_end_nothing(member_client, run):
    client = member_client("viewer")
    assert [e["seq"] for e in client.get(admin_url(run, "events")).json()["data"]] == [1, 2, 3, 4, 5]
    assert client.get(admin_url(run, "events") + "?after_seq=5").json()["data"] == []


def test_terminal_event_is_delivered_with_the_terminal_status(member_client, run):
    services.cancel_run(run=run)
    page = member_client("viewer").get(admin_url(run, "events") + "?after_seq=5").json()
    assert [e["type"] for e in page["data"]] == ["run.cancelled"]
    assert (page["status"], page["terminal"]) == ("cancelled", True)


def test_bad_after_seq_is_a_400(member_client, run):
    response = member_client("viewer").get(admin_url(run, "events") + "?after_seq=-1")
    assert response.status_code == 400
    assert response.json()["errors"] == {"after_seq": ["must be >= 0"]}


def test_other_projects_staff_get_404_and_anonymous_users_the_login_page(outsider_client, run):
    assert outsider_client.get(admin_url(run, "events")).status_code == 404
    anonymous = Client().get(admin_url(run, "events"))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_non_staff_members_are_sent_to_the_login_page(project, run):
    user = staff_user("not-staff", project=project, role="owner")
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    response = console_client(user).get(admin_url(run, "events"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
