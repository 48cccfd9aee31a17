"""Idempotency records expire, and a create interrupted by a crash does not answer 409 forever."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import IdempotencyRecord, Secret
from agent_platform.api.idempotency import _request_hash, purge_expired
from tests.conftest import client_for, make_key

BODY = {"name": "TOKEN", "value": "one-value"}


@pytest.fixture
def admin(project):
    return client_for(make_key(project, "admin"))


def _abandoned(project, *, age_s: float, body=BODY) -> IdempotencyRecord:
    """The placeholder a process that died between inserting it and finishing the create leaves."""
    return IdempotencyRecord.objects.create(project=project, key="k-1", scope="POST /secrets",
                                            request_hash=_request_hash(body),
                                            created_at=timezone.now() - timedelta(seconds=age_s))


@pytest.mark.django_db
def test_a_fresh_in_progress_record_still_answers_409(admin, project):
    _abandoned(project, age_s=1)
    response = admin.post("/api/v1/secrets", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409, response.content
    assert response.json()["type"].endswith("idempotency_in_progress")


@pytest.mark.django_db
def test_an_abandoned_in_progress_record_is_taken_over(admin, project, settings):
    settings.IDEMPOTENCY_IN_PROGRESS_S = 60
    _abandoned(project, age_s=120)
    first = admin.post("/api/v1/secrets", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = admin.post("/api/v1/secrets", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Secret.objects.filter(project=project, name="TOKEN").count() == 1


@pytest.mark.django_db
def test_an_expired_record_is_not_replayed(admin, project, settings):
    settings.IDEMPOTENCY_TTL_S = 3600
    first = admin.post("/api/v1/secrets", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 201
    IdempotencyRecord.objects.filter(key="k-2").update(created_at=timezone.now() - timedelta(hours=2))
    other = {"name": "OTHER", "value": "two-value"}
    response = admin.post("/api/v1/secrets", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 201, response.content  # a new request, not a 422 "key reused"
    assert "Idempotent-Replayed" not in response
    assert set(Secret.objects.filter(project=project).values_list("name", flat=True)) == {"TOKEN", "OTHER"}


@pytest.mark.django_db
def test_expired_records_are_purged(project, settings):
    settings.IDEMPOTENCY_TTL_S = 3600
    old = _abandoned(project, age_s=7200)
    fresh = IdempotencyRecord.objects.create(project=project, key="k-new", scope="POST /secrets",
                                             request_hash="x")
    with connection.cursor() as cursor:
        assert purge_expired(cursor) == 1
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert IdempotencyRecord.objects.filter(pk=fresh.pk).exists()
