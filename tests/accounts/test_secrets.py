"""Secrets: encrypted at rest, write-only, never in responses, admin pages or logs."""
import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from accounts import crypto, services
from accounts.models import Secret
from accounts.redaction_policy import redactor_for
from agent_platform.config import new_encryption_key
from runtime.redaction import redacting_with
from tests.conftest import client_for, make_key

VALUE = "pw-9f8e7d6c5b4a-very-secret"


@pytest.mark.django_db
def test_value_is_encrypted_at_rest_and_never_returned(project):
    admin = client_for(make_key(project, "admin"))
    created = admin.post("/api/v1/secrets", {"name": "DB_PASSWORD", "value": VALUE}, format="json")
    assert created.status_code == 201
    stored = Secret.objects.get(project=project, name="DB_PASSWORD")
    assert VALUE not in stored.ciphertext and stored.ciphertext.startswith("v2.")  # envelope: the project data key
    for response in (created, admin.get("/api/v1/secrets"), admin.get("/api/v1/secrets/DB_PASSWORD")):
        assert VALUE not in response.content.decode()
    assert services.reveal_secrets(project)["DB_PASSWORD"] == VALUE


@pytest.mark.django_db
def test_ciphertext_is_bound_to_project_and_name(project, other_project):
    secret = services.set_secret(project=project, name="A", value=VALUE)
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        crypto.decrypt(secret.ciphertext, aad=f"{other_project.id}:A")


@pytest.mark.django_db
def test_value_never_appears_in_log_lines(project, caplog):
    caplog.set_level(logging.DEBUG)
    services.set_secret(project=project, name="API_TOKEN", value=VALUE)
    logger = logging.getLogger("tests.secrets")
    # Records made by the project's code (a run, a request of the project) use its redactor.
    with redacting_with(redactor_for(project)):
        logger.info("calling upstream with token %s", VALUE)
        logger.warning(f"header was Authorization: Bearer {VALUE}")
        try:
            raise ValueError(f"boom {VALUE}")
        except ValueError:
            logger.exception("failed")
    text = caplog.text + " ".join(r.getMessage() for r in caplog.records)
    assert VALUE not in text
    assert text.count("[REDACTED]") >= 3


def test_common_credential_patterns_are_redacted(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("tests.secrets").info(
        "Authorization: Bearer abcdefghijklmnop1234 key=sk-abcdefghijklmnopqrstuv password=letmein123 "
        "postgres://app:pa55word@db/x ap_ABCDEFGHIJKLMNOPQRSTUVWX")
    text = caplog.records[-1].getMessage()
    for leaked in ("abcdefghijklmnop1234", "sk-abcdefghijklmnopqrstuv", "letmein123", "pa55word",
                   "ap_ABCDEFGHIJKLMNOPQRSTUVWX"):
        assert leaked not in text


@pytest.mark.django_db
def test_admin_pages_never_show_the_value(project, client):
    secret = services.set_secret(project=project, name="DB_PASSWORD", value=VALUE)
    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-long-enough")
    client.force_login(admin_user)
    from django.contrib.admin.utils import quote  # admin URLs escape "_" in ids

    for url in ("/admin/accounts/secret/", f"/admin/accounts/secret/{quote(secret.pk)}/change/"):
        page = client.get(url)
        assert page.status_code == 200
        assert VALUE not in page.content.decode() and secret.ciphertext not in page.content.decode()


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key(project, settings):
    old_key = settings.PLATFORM_ENCRYPTION_KEYS[0]
    services.set_secret(project=project, name="A", value=VALUE)
    new_key = new_encryption_key()
    with override_settings(PLATFORM_ENCRYPTION_KEYS=[new_key, old_key]):
        assert services.rotate_encryption_key() == 1
        assert services.rotate_encryption_key() == 0
    with override_settings(PLATFORM_ENCRYPTION_KEYS=[new_key]):
        assert services.reveal_secrets(project)["A"] == VALUE
