import pytest
from auditlog.models import LogEntry

from accounts.models import ApiKey, Secret
from tests.conftest import client_for, make_key


@pytest.mark.django_db
def test_changes_record_the_api_key_that_made_them(project):
    admin = client_for(make_key(project, "admin"))
    assert admin.post("/api/v1/secrets", {"name": "TOKEN", "value": "value-abcdef"}, format="json").status_code == 201
    entry = LogEntry.objects.get_for_model(Secret).latest("timestamp")
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor_email.startswith("api-key:admin-key")
    assert "ciphertext" not in (entry.changes or "")
    assert "value-abcdef" not in str(entry.changes)


@pytest.mark.django_db
def test_revocation_is_audited(project):
    admin = client_for(make_key(project, "admin"))
    key_id = admin.post("/api/v1/api-keys", {"name": "tmp", "role": "viewer"}, format="json").json()["id"]
    admin.delete(f"/api/v1/api-keys/{key_id}")
    entries = LogEntry.objects.get_for_model(ApiKey).filter(object_pk=key_id).order_by("timestamp")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert "revoked_at" in entries.last().changes_dict
    assert "key_hash" not in str(entries.first().changes)
