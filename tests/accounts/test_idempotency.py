import pytest

from accounts.models import ApiKey, Secret
from tests.conftest import client_for, make_key


@pytest.mark.django_db
def test_same_key_and_body_returns_the_same_object(project):
    admin = client_for(make_key(project, "admin"))
    body = {"name": "deploy", "role": "developer"}
    first = admin.post("/api/v1/api-keys", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = admin.post("/api/v1/api-keys", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert "key" not in again.json()  # the plaintext key is shown once only
    assert ApiKey.objects.filter(project=project, name="deploy").count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_refused(project):
    admin = client_for(make_key(project, "admin"))
    admin.post("/api/v1/secrets", {"name": "A", "value": "one-value"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = admin.post("/api/v1/secrets", {"name": "B", "value": "two-value"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert list(Secret.objects.values_list("name", flat=True)) == ["A"]


@pytest.mark.django_db
def test_keys_are_scoped_per_project(project, other_project):
    one = client_for(make_key(project, "admin"))
    two = client_for(make_key(other_project, "admin"))
    a = one.post("/api/v1/secrets", {"name": "A", "value": "one-value"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    b = two.post("/api/v1/secrets", {"name": "A", "value": "one-value"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
