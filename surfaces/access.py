"""API-key access for the surfaces: the `Authorization: Bearer ap_…` key, its project and role."""
from __future__ import annotations

from dataclasses import dataclass

from rest_framework import exceptions

from accounts.authentication import authenticate_key, bearer_token
from accounts.key_scopes import scope_allows
from accounts.models import ApiKey
from accounts.roles import role_allows
from surfaces.db import db_call


@dataclass(frozen=True)
class Caller:
    raw_key: str
    key: ApiKey

    @property
    def project(self):
        return self.key.project

    def may(self, permission: str) -> bool:
        return role_allows(self.key.role, permission) and scope_allows(self.key.scope, permission)


@db_call
def caller_for(authorization: str) -> Caller | None:
    """The caller behind an `Authorization` header, or None (missing, malformed, unknown, revoked, expired)."""
    raw = bearer_token(authorization or "")
    if not raw:
        return None
    try:
        key = authenticate_key(raw)
    except exceptions.AuthenticationFailed:
        return None
    return Caller(raw_key=raw, key=key)
