"""Model instances from one raw joined row, for hot lookups where the ORM's query building and
model construction cost more than the statement (the API-key lookup of every request, the agent
a run pins): the same instances `select_related` would build, with the fields' own converters."""
from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def columns(parts: Sequence[tuple[type, str]]) -> str:
    """`alias."column", ...` for every concrete field of each (model, alias), in order."""
    return ", ".join(f'{alias}."{f.column}"' for model, alias in parts for f in model._meta.concrete_fields)


def instances(parts: Sequence[tuple[type, str]], row: Sequence) -> list:
    """One instance per (model, alias) from a row selected with `columns(parts)`; None for a model
    whose primary key is NULL (a LEFT JOIN that found nothing)."""
    out, start = [], 0
    for model, _ in parts:
        fields = model._meta.concrete_fields
        values = list(row[start:start + len(fields)])
        start += len(fields)
        for index, field in enumerate(fields):
            for convert in field.get_db_converters(connection):
                values[index] = convert(values[index], field, connection)
        pk = model._meta.concrete_fields.index(model._meta.pk)
        out.append(None if values[pk] is None else model.from_db(connection.alias, [f.attname for f in fields], values))
    return out


def fetch_one(parts: Sequence[tuple[type, str]], sql: str, params: Sequence) -> list | None:
    """`instances` of the one row `sql` selects (with `columns(parts)`), or None when it finds none."""
    found = fetch_one_with_extra(parts, sql, params)
    return None if found is None else found[0]


def fetch_one_with_extra(parts: Sequence[tuple[type, str]], sql: str, params: Sequence) -> tuple[list, tuple] | None:
    """(`instances`, the row's values after `columns(parts)`) of the one row `sql` selects, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    width = sum(len(model._meta.concrete_fields) for model, _ in parts)
    return instances(parts, row), tuple(row[width:])


def attach(instance, **related) -> None:
    """Cache related objects on `instance` (what `select_related` does): `attach(run, project=p)`."""
    for name, value in related.items():
        type(instance)._meta.get_field(name).set_cached_value(instance, value)
