"""API key authentication: `Authorization: Bearer ap_…` (also used by the websocket consumer)."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts import audit
from accounts.models import ApiKey
from accounts.selectors import active_api_key

LAST_USED_RESOLUTION = timedelta(seconds=60)  # don't write on every request


class ApiKeyPrincipal:
    """`request.user` for requests made with an API key (not a Django user)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.pk = self.id = None
        self.username = f"api-key:{key.name}"

    def __str__(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj=None) -> bool:
        return False


def bearer_token(header: str) -> str | None:
    parts = header.split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


def authenticate_key(raw: str) -> ApiKey:
    key = active_api_key(raw)
    if key is None:
        raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        raw = bearer_token(header)
        if raw is None:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <api key>'.")
        key = authenticate_key(raw)
        audit.record_api_key_actor(key)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def request_api_key(request) -> ApiKey | None:
    """The API key a request authenticated with (None for a console session)."""
    return request.auth if isinstance(request.auth, ApiKey) else None
