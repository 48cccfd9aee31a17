"""The project's Standard Webhooks signing secret and the signature of one attempt.

Secret: `whsec_<base64 of 32 random bytes>`, generated when a project first needs it, stored
sealed with accounts.crypto (AES-GCM, bound to the project), shown only by a rotation.
Signature: `v1,<base64 HMAC-SHA256("{webhook-id}.{webhook-timestamp}.{body}")>` keyed with the
decoded secret bytes (https://www.standardwebhooks.com/).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import crypto
from webhooks.models import WebhookSigningSecret

PREFIX = "whsec_"


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _aad(project_id: str) -> str:
    return f"webhook-signing-secret:{project_id}"


def signing_secret(project) -> str:
    """The project's current secret, generated (and stored) on first use."""
    row = WebhookSigningSecret.objects.filter(project=project).first()
    if row is None:
        try:
            with transaction.atomic():
                row = WebhookSigningSecret.objects.create(
                    project=project, token=crypto.encrypt(generate_secret(), aad=_aad(project.pk)))
        except IntegrityError:  # another process generated it first
            row = WebhookSigningSecret.objects.get(project=project)
    return crypto.decrypt(row.token, aad=_aad(project.pk))


def rotate_secret(project) -> tuple[str, WebhookSigningSecret]:
    """Replace the project's secret; the only time the plaintext leaves the platform."""
    secret = generate_secret()
    token = crypto.encrypt(secret, aad=_aad(project.pk))
    row, created = WebhookSigningSecret.objects.get_or_create(project=project, defaults={"token": token})
    if not created:
        row.token, row.rotated_at = token, timezone.now()
        row.save(update_fields=["token", "rotated_at"])
    return secret, row


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


LEGACY_SECRET = "WEBHOOK_SIGNING_SECRET"  # a project secret of that name: the first webhooks' signature is sent too


def legacy_sign(secret: str, timestamp: int, body: bytes) -> str:
    """The first webhooks' `X-Platform-Signature`: `t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>`, kept for
    existing receivers."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
