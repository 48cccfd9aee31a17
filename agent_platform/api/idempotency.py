"""`Idempotency-Key` on creates: the same key and body return the original response.

A placeholder row is inserted before the create runs (unique per project, route and key), so
concurrent repeats cannot both create; a repeat with a different body is a 422; a repeat
while the first is still running is a 409.

Records live `IDEMPOTENCY_TTL_S` (24 h): an older record is replaced by the next request with
its key (and the workers' recovery pass deletes them). A placeholder left "in progress" by a
process that died mid-create is taken over by a repeat once it is older than
`IDEMPOTENCY_IN_PROGRESS_S`, so a crash never leaves a key answering 409 forever.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import IdempotencyRecord
from agent_platform.api.errors import Conflict, FieldError, Unprocessable

MAX_KEY_LENGTH = 200


def _request_hash(data) -> str:
    try:
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    except TypeError:
        canonical = repr(data)
    # Keyed, so a stored hash reveals nothing about low-entropy values in the body (secrets).
    return hmac.new(settings.SECRET_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def idempotent(request, scope: str, create: Callable[[], Response],
               stored: Callable[[dict], dict] | None = None) -> Response:
    """Run `create` once per (project, scope, Idempotency-Key); replay its response after.

    `stored` trims what is kept for replays (e.g. a one-time secret that must not be stored)."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return create()
    if len(key) > MAX_KEY_LENGTH:
        raise FieldError("Idempotency-Key", f"must be at most {MAX_KEY_LENGTH} characters")
    digest = _request_hash(request.data)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(project=request.project, key=key, scope=scope,
                                                      request_hash=digest)
    except IntegrityError:
        record = _take_over(request, scope, key, digest)
        if record is None:
            return _replay(request, scope, key, digest)
    try:
        response = create()
    except BaseException:
        record.delete()
        raise
    if response.status_code < 300:
        # Stored as the renderer would send it (a view may answer datetimes, not strings).
        kept = json.loads(json.dumps(stored(response.data) if stored else response.data, cls=JSONEncoder))
        IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=response.status_code, response=kept)
    else:
        record.delete()
    return response


def _take_over(request, scope: str, key: str, digest: str) -> IdempotencyRecord | None:
    """The existing record for this key, claimed for a new attempt if it has expired or is an
    abandoned placeholder (one atomic UPDATE, so two repeats cannot both take it); else None."""
    now = timezone.now()
    expired = now - timedelta(seconds=settings.IDEMPOTENCY_TTL_S)
    abandoned = now - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_S)
    mine = IdempotencyRecord.objects.filter(project=request.project, scope=scope, key=key).filter(
        models.Q(created_at__lt=expired) | models.Q(status_code__isnull=True, created_at__lt=abandoned))
    if not mine.update(created_at=now, request_hash=digest, status_code=None, response=None):
        return None
    return IdempotencyRecord.objects.get(project=request.project, scope=scope, key=key)


def purge_expired(cursor, *, limit: int = 1000) -> int:
    """Delete up to `limit` records older than their lifetime (on any DB-API cursor)."""
    table = IdempotencyRecord._meta.db_table
    cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < now() - "
                   "make_interval(secs => %s) LIMIT %s)", (settings.IDEMPOTENCY_TTL_S, limit))
    return cursor.rowcount


def _replay(request, scope: str, key: str, digest: str) -> Response:
    record = IdempotencyRecord.objects.get(project=request.project, scope=scope, key=key)
    if record.request_hash != digest:
        raise Unprocessable("This Idempotency-Key was used with a different request body.",
                            field="Idempotency-Key", code="idempotency_key_reused")
    if record.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still in progress.", field="Idempotency-Key",
                       code="idempotency_in_progress")
    response = Response(record.response, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
