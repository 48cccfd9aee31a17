"""Item 6 of issue 15 (and issue 10's allow-list item): allow-list entries are CIDRs, addresses
or host names, nothing that opens loopback, metadata or everything unless the operator permits;
embedding base URLs pass the SSRF guard."""
from __future__ import annotations

import pytest

from rag.embedders import embedder_for
from runtime.errors import EmbeddingUnavailable

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("entry", ["300.1.1.1/99", "300.1.1.1", "http://example.com", "exa mple.com", "-bad.com",
                                   "169.254.169.254", "169.254.0.0/16", "0.0.0.0/0", "0.0.0.0", "::/0", "::",
                                   "127.0.0.1", "127.0.0.0/8", "::1", "::ffff:127.0.0.1", "localhost",
                                   "metadata.google.internal", "1.0.0.0/4"])
def test_unsafe_or_malformed_entries_are_refused_naming_the_field(admin_api, project, entry):
    response = admin_api.patch(f"/api/v1/projects/{project.pk}", {"http_allowlist": ["10.1.2.3", entry]},
                               format="json")
    assert response.status_code == 422, (entry, response.content)
    assert response["content-type"] == "application/problem+json"
    assert "http_allowlist" in response.json()["errors"]
    project.refresh_from_db()
    assert project.http_allowlist == []


def test_private_networks_and_host_names_are_accepted(admin_api, project):
    entries = ["10.0.0.0/8", "192.168.1.10", "Internal.Example.com.", "fd00::/64"]
    response = admin_api.patch(f"/api/v1/projects/{project.pk}", {"http_allowlist": entries}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["http_allowlist"] == ["10.0.0.0/8", "192.168.1.10", "internal.example.com", "fd00::/64"]


def test_the_operator_can_permit_loopback(admin_api, project, settings):
    settings.PLATFORM_ALLOWLIST_PERMIT_UNSAFE = True
    response = admin_api.patch(f"/api/v1/projects/{project.pk}", {"http_allowlist": ["127.0.0.1"]}, format="json")
    assert response.status_code == 200 and response.json()["http_allowlist"] == ["127.0.0.1"]
    still_bad = admin_api.patch(f"/api/v1/projects/{project.pk}", {"http_allowlist": ["300.1.1.1/99"]},
                                format="json")
    assert still_bad.status_code == 422


@pytest.mark.parametrize("base_url", ["http://169.254.169.254/v1", "http://127.0.0.1:9/v1", "http://[::1]/v1"])
def test_embedding_base_urls_pass_the_ssrf_guard(project, base_url):
    project.settings = {"providers": {"compat:emb": {"base_url": base_url}}}
    project.save(update_fields=["settings"])
    with pytest.raises(EmbeddingUnavailable) as refused:
        embedder_for(project, "compat:emb/e5", {"dimensions": 3}, secrets={})
    assert "SSRF" in refused.value.message


def test_an_allow_listed_embedding_base_url_is_accepted(project):
    project.http_allowlist = ["127.0.0.1"]
    project.settings = {"providers": {"compat:emb": {"base_url": "http://127.0.0.1:9/v1"}}}
    project.save(update_fields=["http_allowlist", "settings"])
    embedder = embedder_for(project, "compat:emb/e5", {"dimensions": 3}, secrets={})
    assert embedder.dimensions == 3


def test_the_admin_console_applies_the_same_cap(project, client, django_user_model):
    from accounts import services
    from accounts.models import Secret

    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(user)
    form = {"slug": project.slug, "name": project.name, "http_allowlist": '["0.0.0.0/0"]', "settings": "{}",
            "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    response = client.post(f"/admin/accounts/project/{project.pk}/change/", form)
    assert response.status_code == 200 and b"too many addresses" in response.content
    project.refresh_from_db()
    assert project.http_allowlist == []
    secret = services.set_secret(project=project, name="TOKEN", value="vvvvvvvv")
    changed = client.post(f"/admin/accounts/secret/{secret.pk}/change/",
                          {"description": "d", "allowed_hosts": '["api.example.com"]', "value": ""})
    assert changed.status_code == 302, changed.content[:2000]
    assert Secret.objects.get(pk=secret.pk).allowed_hosts == ["api.example.com"]
