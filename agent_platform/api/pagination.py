"""Cursor pagination: `{"data": [...], "next_cursor": "..."|null}` with `?limit=&cursor=`.

The cursor encodes the (created_at, pk) of the last item; order is newest first.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q, QuerySet

from agent_platform.api.errors import FieldError

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def parse_limit(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise FieldError("limit", "must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise FieldError("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def encode_cursor(created_at: datetime, pk) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_at.isoformat(), str(pk)]).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, str]:
    try:
        created, pk = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return datetime.fromisoformat(created), pk
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise FieldError("cursor", "is not a valid cursor") from None


def paginate(queryset: QuerySet, params, *, time_field: str = "created_at") -> tuple[list, str | None]:
    """One page of `queryset` (newest first) and the cursor of the next page."""
    limit = parse_limit(params.get("limit"))
    queryset = queryset.order_by(f"-{time_field}", "-pk")
    cursor = params.get("cursor")
    if cursor:
        created_at, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(**{f"{time_field}__lt": created_at}) |
                                   Q(**{time_field: created_at, "pk__lt": pk}))
    items = list(queryset[: limit + 1])
    if len(items) <= limit:
        return items, None
    last = items[limit - 1]
    return items[:limit], encode_cursor(getattr(last, time_field), last.pk)


def page_response_data(items: list, next_cursor: str | None, serialize) -> dict:
    return {"data": [serialize(item) for item in items], "next_cursor": next_cursor}
