"""Roles and project scoping: viewers read only; other projects' objects answer 404."""
import pytest
from django.contrib.auth import get_user_model

from accounts import services
from tests.conftest import client_for, make_key


@pytest.mark.django_db
def test_viewer_key_cannot_write(project):
    viewer = client_for(make_key(project, "viewer"))
    assert viewer.get("/api/v1/secrets").status_code == 200
    response = viewer.post("/api/v1/secrets", {"name": "TOKEN", "value": "s3cr3t-value"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert viewer.post("/api/v1/api-keys", {"name": "x", "role": "viewer"}, format="json").status_code == 403


@pytest.mark.django_db
def test_developer_cannot_manage_secrets_but_admin_can(project):
    developer = client_for(make_key(project, "developer"))
    admin = client_for(make_key(project, "admin"))
    body = {"name": "TOKEN", "value": "s3cr3t-value"}
    assert developer.post("/api/v1/secrets", body, format="json").status_code == 403
    assert admin.post("/api/v1/secrets", body, format="json").status_code == 201
    assert developer.delete("/api/v1/secrets/TOKEN").status_code == 403


@pytest.mark.django_db
def test_other_projects_key_gets_404(project, other_project):
    services.set_secret(project=project, name="DB_PASSWORD", value="hunter2hunter2")
    key, _ = services.create_api_key(project=project, name="k", role="viewer")
    intruder = client_for(make_key(other_project, "owner"))
    assert intruder.get("/api/v1/secrets/DB_PASSWORD").status_code == 404
    assert intruder.delete("/api/v1/secrets/DB_PASSWORD").status_code == 404
    assert intruder.get(f"/api/v1/api-keys/{key.pk}").status_code == 404
    assert intruder.get(f"/api/v1/projects/{project.pk}").status_code == 404
    assert intruder.get("/api/v1/secrets").json()["data"] == []


@pytest.mark.django_db
def test_session_user_permissions_follow_guardian_roles(project):
    user = get_user_model().objects.create_user("dana", password="pw-long-enough")
    services.set_member_role(project=project, user=user, role="viewer")
    assert user.has_perm("accounts.read_project", project)
    assert not user.has_perm("accounts.write_project", project)
    services.set_member_role(project=project, user=user, role="developer")
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm("accounts.write_project", project)
    assert not user.has_perm("accounts.manage_project", project)

    from rest_framework.test import APIClient
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/secrets", HTTP_X_PROJECT="acme").status_code == 200
    assert client.post("/api/v1/secrets", {"name": "A", "value": "valuevalue"}, format="json",
                       HTTP_X_PROJECT="acme").status_code == 403
    assert client.get("/api/v1/secrets", HTTP_X_PROJECT="globex-missing").status_code == 404


@pytest.mark.django_db
def test_only_owners_delete_projects(project):
    admin = client_for(make_key(project, "admin"))
    owner = client_for(make_key(project, "owner"))
    assert admin.delete(f"/api/v1/projects/{project.pk}").status_code == 403
    assert owner.delete(f"/api/v1/projects/{project.pk}").status_code == 204
