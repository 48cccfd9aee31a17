"""Promoting a version from the console: a confirmation page, then the service; prod is gated."""
import pytest

from accounts.admin_scoping import admin_url
from agents import services
from agents.models import AgentEnvironment, AgentPromotion

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(agent):
    v1 = agent.versions.get()
    v2, _ = services.create_agent_version(agent=agent, body={**v1.body, "instructions": "Be thorough."})
    services.promote(agent=agent, version=v1, environment="stage", actor="seed")
    return v1, v2


def pointer(agent, environment):
    version = AgentEnvironment.objects.get(agent=agent, name=environment).version
    return version.number if version else None


def test_confirmation_page_shows_current_and_new_pointers(member_client, agent, two_versions):
    _, v2 = two_versions
    page = member_client("developer").get(admin_url(v2, "promote") + "?environment=stage")
    assert page.status_code == 200
    rows = {row["name"]: row for row in page.context["rows"]}
    assert (rows["stage"]["current"], rows["stage"]["target"]) == (1, 2)
    assert rows["dev"]["current"] is None
    html = page.content.decode()
    assert '<td class="ac-current">v1</td>' in html and '<td class="ac-target">v2</td>' in html
    assert 'id="env-stage" checked>' in html
    assert 'id="env-prod" disabled>' in html  # a developer cannot choose prod
    assert pointer(agent, "stage") == 1  # nothing changed by looking


def test_confirming_promotes_and_records_the_user(member_client, agent, two_versions):
    v1, v2 = two_versions
    response = member_client("developer").post(admin_url(v2, "promote"),
                                               {"environment": "stage", "note": "ship it", "confirm": "1"})
    assert response.status_code == 302
    assert pointer(agent, "stage") == 2
    promotion = AgentPromotion.objects.filter(agent=agent).latest("promoted_at")
    assert (promotion.version, promotion.previous_version) == (v2, v1)
    assert (promotion.promoted_by, promotion.note) == ("member-developer", "ship it")


def test_cancel_promotes_nothing(member_client, agent, two_versions):
    _, v2 = two_versions
    response = member_client("developer").post(admin_url(v2, "promote"),
                                               {"environment": "stage", "cancel": "1"})
    assert response.status_code == 302
    assert pointer(agent, "stage") == 1


def test_developer_cannot_promote_to_prod(member_client, agent, two_versions):
    _, v2 = two_versions
    client = member_client("developer")
    page = client.get(admin_url(v2, "promote")).content.decode()
    assert "needs the admin role" in page
    response = client.post(admin_url(v2, "promote"), {"environment": "prod", "confirm": "1"})
    assert response.status_code == 403
    assert "needs the admin role" in response.content.decode()
    assert pointer(agent, "prod") is None
    assert not AgentPromotion.objects.filter(agent=agent, environment="prod").exists()


def test_admin_member_can_promote_to_prod(member_client, agent, two_versions):
    _, v2 = two_versions
    response = member_client("admin").post(admin_url(v2, "promote"),
                                           {"environment": "prod", "confirm": "1"})
    assert response.status_code == 302
    assert pointer(agent, "prod") == 2
    page = member_client("viewer").get(admin_url(agent)).content.decode()
    assert "member-admin" in page  # shown in the promotions history


def test_promote_action_leads_to_the_confirmation_page(superuser_client, two_versions):
    _, v2 = two_versions
    response = superuser_client.post("/admin/agents/agentversion/", {"action": "promote_selected",
                                                                    "_selected_action": [v2.pk]})
    assert response.status_code == 302
    assert response["Location"] == admin_url(v2, "promote")
