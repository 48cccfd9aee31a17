"""Reads: the limits that apply to a caller (its project's, and its API key's own)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save

from limits.models import Limits

# Inside `request_memo()` (one API request: the throttle and the run admission both ask), the rows
# are read once; any save or delete of a Limits row in this context forgets them.
_memo: ContextVar[dict | None] = ContextVar("limits_memo", default=None)


@contextmanager
def request_memo() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _forget(**kwargs) -> None:
    memo = _memo.get()
    if memo:
        memo.clear()


post_save.connect(_forget, sender=Limits, dispatch_uid="limits-memo-save")
post_delete.connect(_forget, sender=Limits, dispatch_uid="limits-memo-delete")


def applicable_limits(project, api_key=None) -> list[Limits]:
    """The project's limits row, then the key's (each only if it exists and sets something)."""
    memo = _memo.get()
    memo_key = (project.pk, api_key.pk if api_key is not None else None)
    if memo is not None and memo_key in memo:
        return list(memo[memo_key])
    rows = sorted(_rows(project.pk, api_key.pk if api_key is not None else None),
                  key=lambda row: row.api_key_id is not None)
    rows = [row for row in rows if not row.is_empty()]
    if memo is not None:
        memo[memo_key] = list(rows)
    return rows


def _rows(project_id: str, api_key_id: str | None) -> list[Limits]:
    """`Limits.objects.filter(Q(project, api_key=None) | Q(project, api_key=key))` as one raw statement
    (asked by the throttle of every request: the ORM's query building was most of its cost)."""
    from django.db import connection

    from agent_platform import rows

    parts = [(Limits, "l")]
    sql = (f'SELECT {rows.columns(parts)} FROM "{Limits._meta.db_table}" l WHERE l."project_id" = %s '
           'AND (l."api_key_id" IS NULL OR l."api_key_id" = %s)')
    with connection.cursor() as cursor:
        cursor.execute(sql, [project_id, api_key_id])
        return [rows.instances(parts, row)[0] for row in cursor.fetchall()]


def project_limits(project) -> Limits:
    """The project's row (unsaved and empty if none)."""
    return Limits.objects.filter(project=project, api_key__isnull=True).first() or Limits(project=project)


def key_limits(api_key) -> Limits:
    return Limits.objects.filter(api_key=api_key).first() or Limits(project_id=api_key.project_id, api_key=api_key)
