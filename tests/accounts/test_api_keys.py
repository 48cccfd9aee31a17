from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey
from tests.conftest import client_for, make_key


@pytest.mark.django_db
def test_key_is_stored_hashed_and_shown_once(project):
    api = client_for(make_key(project, "admin"))
    response = api.post("/api/v1/api-keys", {"name": "ci", "role": "developer"}, format="json")
    assert response.status_code == 201
    raw = response.json()["key"]
    assert raw.startswith("ap_")
    stored = ApiKey.objects.get(pk=response.json()["id"])
    assert raw not in (stored.key_hash, stored.prefix) and stored.key_hash == services.hash_api_key(raw)
    listed = api.get("/api/v1/api-keys").json()["data"]
    assert all("key" not in item for item in listed) and raw not in str(listed)


@pytest.mark.django_db
def test_revoked_key_is_refused_at_once(project):
    raw = make_key(project, "developer")
    api = client_for(raw)
    assert api.get("/api/v1/secrets").status_code == 200
    services.revoke_api_key(key=ApiKey.objects.get(key_hash=services.hash_api_key(raw)))
    response = api.get("/api/v1/secrets")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_expired_key_is_refused(project):
    raw = make_key(project, "developer", expires_at=timezone.now() + timedelta(seconds=30))
    key = ApiKey.objects.get(key_hash=services.hash_api_key(raw))
    assert client_for(raw).get("/api/v1/secrets").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_for(raw).get("/api/v1/secrets").status_code == 401


@pytest.mark.django_db
def test_unknown_and_malformed_keys_get_401(project):
    assert client_for("ap_" + "x" * 32).get("/api/v1/secrets").status_code == 401
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token abc")
    assert client.get("/api/v1/secrets").status_code == 401
    assert client_for(None).get("/api/v1/secrets").status_code == 401


@pytest.mark.django_db
def test_last_used_at_is_recorded(project):
    raw = make_key(project, "viewer")
    client_for(raw).get("/api/v1/secrets")
    assert ApiKey.objects.get(key_hash=services.hash_api_key(raw)).last_used_at is not None


@pytest.mark.django_db
def test_nobody_grants_a_role_above_their_own(project):
    api = client_for(make_key(project, "admin"))
    assert api.post("/api/v1/api-keys", {"name": "x", "role": "owner"}, format="json").status_code == 403
    assert api.post("/api/v1/api-keys", {"name": "x", "role": "admin"}, format="json").status_code == 201


def test_create_api_key_command_prints_a_working_key(db, capsys):
    from django.core.management import call_command

    call_command("create_api_key", "--project", "newco", "--role", "developer", "--name", "cli")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("ap_")
    response = client_for(raw).get("/api/v1/projects")
    assert [p["slug"] for p in response.json()["data"]] == ["newco"]
