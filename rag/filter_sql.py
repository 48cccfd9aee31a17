"""Metadata filters (`runtime.rag.filters`) compiled to SQL on the chunk's JSONB `metadata`.

Each condition becomes a SQL/JSON path predicate tested with `@?` (lax mode, so a list value
matches when any element does: `eq` means "contains", `in` "overlaps", as in memory):

    {"lang": "en"}               metadata @? '$."lang" ? (@ == "en")'
    {"year": {"gte": 2020}}      metadata @? '$."year" ? (@ >= 2020)'
    {"tag": ["a", "b"]}          metadata @? '$."tag" ? (@ == "a" || @ == "b")'
    {"status": {"ne": "x"}}      NOT (metadata @? '$."status" ? (@ == "x")')   (missing keys match)
    {"draft": {"exists": false}} NOT (metadata @? '$."draft"')

Values are JSON-encoded into the path and every path is a bound parameter, so neither can
inject SQL. SQL/JSON comparisons between different types are unknown (never true), as in memory.
The clauses are plain WHERE conditions, so they run inside pgvector's iterative index scan.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from runtime.errors import InputInvalid
from runtime.rag.filters import Condition, parse_filter

_COMPARISONS = {"eq": "==", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):  # NaN and infinities have no JSON form
        raise InputInvalid(f"filter value {value!r} is not a finite number", field="filter")
    return json.dumps(value, ensure_ascii=True)


def _path(condition: Condition) -> str:
    return "$" + "".join("." + json.dumps(key, ensure_ascii=True) for key in condition.path)


def condition_sql(condition: Condition, column: str = "metadata") -> tuple[str, list[str]]:
    """One condition as `(sql, params)`."""
    path, op = _path(condition), condition.op
    if op == "exists":
        sql = f"{column} @? %s::jsonpath"
        return (sql if condition.value else f"NOT ({sql})"), [path]
    if op in ("in", "nin"):
        predicate = " || ".join(f"@ == {_literal(v)}" for v in condition.value)
    elif op == "ne":
        predicate = f"@ == {_literal(condition.value)}"
    else:
        predicate = f"@ {_COMPARISONS[op]} {_literal(condition.value)}"
    sql = f"{column} @? %s::jsonpath"
    params = [f"{path} ? ({predicate})"]
    return (f"NOT ({sql})" if op in ("ne", "nin") else sql), params


def filter_sql(spec: Mapping[str, Any] | Sequence[Condition] | None,
               column: str = "metadata") -> tuple[str, list[str]]:
    """`(sql, params)` ANDing every condition (`"TRUE"` for no filter); validates raw specs."""
    conditions = parse_filter(spec) if spec is None or isinstance(spec, Mapping) else list(spec)
    if not conditions:
        return "TRUE", []
    parts, params = [], []
    for condition in conditions:
        sql, values = condition_sql(condition, column)
        parts.append(sql)
        params += values
    return " AND ".join(parts), params
