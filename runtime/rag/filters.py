"""Metadata filters for retrieval: one grammar, parsed and validated here, evaluated in memory
here and compiled to SQL (JSONB on the chunk's metadata) by the Django retriever.

Grammar (all conditions ANDed; a `$` prefix on operators is accepted, `{"$gte": 3}`):
    {"lang": "en"}                       equality (shorthand of {"eq": "en"})
    {"tag": ["a", "b"]}                  membership (shorthand of {"in": [...]})
    {"year": {"gte": 2020, "lt": 2024}}  ranges: gt, gte, lt, lte (numbers, or strings such as ISO dates)
    {"status": {"ne": "draft"}}          also: nin, exists (true/false)
    {"author.name": "Ada"}               dotted paths reach into nested objects
When the stored value is a list (`"tags": ["a", "b"]`), `eq` means "contains" and `in` "overlaps",
as in MongoDB (and JSONB `@>` containment).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.errors import InputInvalid

OPERATORS = ("eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "exists")
_FIELD = re.compile(r"^[A-Za-z_][\w-]{0,63}(\.[A-Za-z_][\w-]{0,63}){0,4}$")
_MAX_LIST = 1000
_MISSING = object()


@dataclass(frozen=True)
class Condition:
    field: str  # dotted path into the metadata object
    op: str  # one of OPERATORS
    value: Any

    @property
    def path(self) -> list[str]:
        return self.field.split(".")


def parse_filter(spec: Mapping[str, Any] | None) -> list[Condition]:
    """Validate a filter object and return its conditions; raise `InputInvalid` naming the problem."""
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        raise InputInvalid("filter must be an object", field="filter")
    conditions: list[Condition] = []
    for field_name, raw in spec.items():
        if not isinstance(field_name, str) or not _FIELD.match(field_name):
            raise InputInvalid(f"invalid filter field {field_name!r}", field="filter")
        if isinstance(raw, Mapping):
            if not raw:
                raise InputInvalid(f"filter on {field_name!r} has no operator", field="filter")
            for op, value in raw.items():
                conditions.append(_condition(field_name, str(op).removeprefix("$"), value))
        elif isinstance(raw, list):
            conditions.append(_condition(field_name, "in", raw))
        else:
            conditions.append(_condition(field_name, "eq", raw))
    return conditions


def _condition(field_name: str, op: str, value: Any) -> Condition:
    where = f"filter on {field_name!r}"
    if op not in OPERATORS:
        raise InputInvalid(f"{where}: unknown operator {op!r}; use one of {', '.join(OPERATORS)}", field="filter")
    if op in ("eq", "ne") and not _is_scalar(value):
        raise InputInvalid(f"{where}: {op} takes a string, number, boolean or null", field="filter")
    if op in ("in", "nin"):
        if not isinstance(value, list) or not value or len(value) > _MAX_LIST or not all(map(_is_scalar, value)):
            raise InputInvalid(f"{where}: {op} takes a non-empty list of at most {_MAX_LIST} scalars",
                               field="filter")
        value = tuple(value)
    if op in ("gt", "gte", "lt", "lte") and not (_is_number(value) or isinstance(value, str)):
        raise InputInvalid(f"{where}: {op} takes a number or a string", field="filter")
    if op == "exists" and not isinstance(value, bool):
        raise InputInvalid(f"{where}: exists takes true or false", field="filter")
    return Condition(field_name, op, value)


def matches(metadata: Mapping[str, Any], conditions: Sequence[Condition]) -> bool:
    """Whether `metadata` satisfies every condition (the in-memory evaluator)."""
    return all(_holds(_lookup(metadata, c.path), c) for c in conditions)


def _holds(actual: Any, condition: Condition) -> bool:
    op, value = condition.op, condition.value
    if op == "exists":
        return (actual is not _MISSING) == value
    if actual is _MISSING:
        return op in ("ne", "nin")
    values = actual if isinstance(actual, list) else [actual]
    if op == "eq":
        return any(_equal(v, value) for v in values)
    if op == "ne":
        return not any(_equal(v, value) for v in values)
    if op == "in":
        return any(_equal(v, option) for v in values for option in value)
    if op == "nin":
        return not any(_equal(v, option) for v in values for option in value)
    return any(_compare(v, op, value) for v in values)


def _compare(actual: Any, op: str, bound: Any) -> bool:
    if _is_number(bound) and _is_number(actual) or isinstance(bound, str) and isinstance(actual, str):
        if op == "gt":
            return actual > bound
        if op == "gte":
            return actual >= bound
        if op == "lt":
            return actual < bound
        return actual <= bound
    return False  # different types never match a range


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b  # JSON true is not 1
    return a == b


def _lookup(metadata: Mapping[str, Any], path: list[str]) -> Any:
    current: Any = metadata
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            return _MISSING
        current = current[key]
    return current


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
