"""Versions are immutable in the console: shown pretty-printed, never changed, added or deleted."""
import pytest

from accounts.admin_scoping import admin_url
from agents.models import AgentVersion

pytestmark = pytest.mark.django_db


def test_version_page_shows_the_body_pretty_printed_without_a_save_button(member_client, agent):
    version = agent.versions.get()
    page = member_client("owner").get(admin_url(version)).content.decode()
    assert '<pre class="ac-json">{\n  &quot;model&quot;: &quot;scripted/helper&quot;' in page
    assert 'name="_save"' not in page
    assert admin_url(version, "promote") in page


def test_posting_changes_to_a_version_is_forbidden_even_for_owners(member_client, superuser_client, agent):
    version = agent.versions.get()
    for client in (member_client("owner"), superuser_client):
        response = client.post(admin_url(version), {"number": 7})
        assert response.status_code == 403
    version.refresh_from_db()
    assert version.number == 1


def test_versions_cannot_be_deleted_or_added_in_the_console(superuser_client, agent):
    version = agent.versions.get()
    assert superuser_client.post(admin_url(version, "delete"), {"post": "yes"}).status_code == 403
    assert superuser_client.get("/admin/agents/agentversion/add/").status_code == 403
    assert AgentVersion.objects.filter(pk=version.pk).exists()


def test_version_list_has_no_bulk_delete(superuser_client, agent):
    page = superuser_client.get("/admin/agents/agentversion/").content.decode()
    assert 'value="promote_selected"' in page
    assert 'value="delete_selected"' not in page
