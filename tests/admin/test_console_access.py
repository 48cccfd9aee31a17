"""Who sees what in the console: superusers everything, members their projects, others nothing."""
import pytest

from accounts.admin_scoping import admin_url
from tests.admin.conftest import console_client, staff_user
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db

AGENT_PAGES = ["/admin/agents/agent/", "/admin/agents/agentversion/"]


def test_superuser_sees_agents_of_every_project(superuser_client, agent, other_project):
    scripted_agent(other_project, name="rival")
    page = superuser_client.get("/admin/agents/agent/")
    assert page.status_code == 200
    assert b"helper" in page.content and b"rival" in page.content


def test_member_sees_only_agents_of_their_projects(member_client, agent, other_project):
    scripted_agent(other_project, name="rival")
    client = member_client("viewer")
    page = client.get("/admin/agents/agent/")
    assert page.status_code == 200
    assert b"helper" in page.content and b"rival" not in page.content
    assert client.get(admin_url(agent)).status_code == 200
    version = agent.versions.get()
    assert client.get(admin_url(version)).status_code == 200


def test_agent_list_shows_latest_version_and_environment_pointers(superuser_client, agent):
    from agents import services

    services.promote(agent=agent, version=agent.versions.get(), environment="stage", actor="test")
    page = superuser_client.get("/admin/agents/agent/").content.decode()
    assert '<td class="field-latest_version">v1</td>' in page
    assert 'class="field-stage"><a href' in page
    assert '<td class="field-prod">—</td>' in page


def test_member_of_another_project_gets_404_on_this_projects_objects(outsider_client, agent):
    version = agent.versions.get()
    assert outsider_client.get(admin_url(agent)).status_code == 404
    assert outsider_client.get(admin_url(version)).status_code == 404
    assert outsider_client.get(admin_url(agent, "new_version")).status_code == 404
    assert outsider_client.get(admin_url(version, "promote")).status_code == 404
    assert b"helper" not in outsider_client.get("/admin/agents/agent/").content


@pytest.mark.parametrize("url", AGENT_PAGES + ["/admin/runs/run/"])
def test_staff_user_without_projects_is_refused(db, url):
    client = console_client(staff_user("nobody"))
    assert client.get(url).status_code == 403


def test_agent_page_shows_versions_and_promotions(superuser_client, agent):
    from agents import services

    version = agent.versions.get()
    services.promote(agent=agent, version=version, environment="dev", actor="alice")
    page = superuser_client.get(admin_url(agent)).content.decode()
    assert "versions (newest first)" in page.lower()
    assert admin_url(version, "promote") in page
    assert "alice" in page  # the promotions history
    assert admin_url(agent, "new_version") in page


def test_viewer_member_cannot_author_or_promote(member_client, agent):
    client = member_client("viewer")
    version = agent.versions.get()
    page = client.get(admin_url(agent)).content.decode()
    assert "/new-version/" not in page
    assert client.get(admin_url(agent, "new_version")).status_code == 403
    assert client.get(admin_url(version, "promote")).status_code == 403


def test_adding_an_agent_in_the_console_creates_its_environments(member_client, project):
    client = member_client("developer")
    response = client.post("/admin/agents/agent/add/", {"project": project.pk, "name": "writer",
                                                        "description": "drafts"})
    assert response.status_code == 302, response.content
    from agents.models import Agent

    agent = Agent.objects.get(project=project, name="writer")
    assert sorted(agent.environments.values_list("name", flat=True)) == ["dev", "prod", "stage"]


def test_duplicate_agent_name_is_a_form_error(member_client, agent, project):
    client = member_client("developer")
    response = client.post("/admin/agents/agent/add/", {"project": project.pk, "name": "helper"})
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_renaming_an_agent_in_the_console(member_client, agent):
    client = member_client("developer")
    page = client.get(admin_url(agent)).content.decode()
    import re

    management = dict(re.findall(r'<input type="hidden" name="([^"]*-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"'
                                 r'[^>]*value="(\d+)"', page))
    response = client.post(admin_url(agent),
                           {"name": "assistant", "description": "renamed", **management})
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert (agent.name, agent.description) == ("assistant", "renamed")


def test_console_home_lists_agents_and_runs_for_a_member(member_client):
    page = member_client("viewer").get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/admin/agents/agent/"' in html and 'href="/admin/runs/run/"' in html
