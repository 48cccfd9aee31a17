"""Short-lived stream tokens: what a browser puts in `?token=` instead of an API key.

`POST /api/v1/runs/{id}/stream-token` (any key that may read the run) returns a token signed
with the platform's SECRET_KEY, bound to one run, its project and the issuing API key, valid
for PLATFORM_STREAM_TOKEN_TTL_S seconds (default 300) to *open* a stream. An open stream also
ends when the issuing key is revoked or expires. Tokens are not stored: nothing to clean up.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

PREFIX = "rst_"
_SALT = "runs.stream-token"


@dataclass(frozen=True)
class StreamGrant:
    run_id: str
    project_id: str
    key_id: str


def issue_stream_token(*, run_id: str, project_id: str, key_id: str) -> tuple[str, datetime]:
    """(token, expires_at) for streaming one run."""
    body = signing.dumps({"r": run_id, "p": project_id, "k": key_id}, salt=_SALT, compress=False)
    expires = timezone.now() + timedelta(seconds=settings.PLATFORM_STREAM_TOKEN_TTL_S)
    return PREFIX + body, expires


def is_stream_token(raw: str) -> bool:
    return raw.startswith(PREFIX)


def read_stream_token(raw: str) -> StreamGrant | None:
    """The grant a token carries, or None if it is forged, malformed or expired."""
    if not is_stream_token(raw) or len(raw) > 1000:
        return None
    try:
        data = signing.loads(raw[len(PREFIX):], salt=_SALT, max_age=settings.PLATFORM_STREAM_TOKEN_TTL_S)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("r", "p", "k")):
        return None
    return StreamGrant(run_id=data["r"], project_id=data["p"], key_id=data["k"])
