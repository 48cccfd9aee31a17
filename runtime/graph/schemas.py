"""JSON Schema helpers for typed node IO: the static type comparison the graph validator uses between
a producer's output and a consumer's input. (Validation itself: `runtime.jsonschema_validation`.)"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.graph.expressions import Segment

_JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


def declared_types(schema: Any) -> frozenset[str]:
    """The JSON types a schema declares via `type` (or `const`/`enum` values); empty = unknown."""
    if not isinstance(schema, dict):
        return frozenset()
    kind = schema.get("type")
    if isinstance(kind, str) and kind in _JSON_TYPES:
        return frozenset({kind})
    if isinstance(kind, list):
        return frozenset(k for k in kind if k in _JSON_TYPES)
    if "const" in schema:
        return frozenset({type_of(schema["const"])})
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return frozenset(type_of(v) for v in schema["enum"])
    return frozenset()


def type_of(value: Any) -> str:
    """The JSON type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def types_compatible(produced: Iterable[str], expected: Iterable[str]) -> bool:
    """Whether a value of one of the `produced` types can satisfy one of the `expected` types."""
    produced, expected = set(produced), set(expected)
    if not produced or not expected:
        return True
    if "number" in expected:
        expected.add("integer")
    if "integer" in expected and "number" in produced:
        return True  # a float schema may well carry whole numbers
    return bool(produced & expected)


def subschema_at(schema: Any, segments: Iterable[Segment]) -> dict[str, Any] | None:
    """The schema of the value found by following `segments` into a value of `schema` (None = unknown)."""
    current = schema
    for seg in segments:
        if not isinstance(current, dict):
            return None
        if isinstance(seg, int):
            items = current.get("items")
            current = items if isinstance(items, dict) else None
        else:
            props = current.get("properties")
            if isinstance(props, dict) and seg in props:
                current = props[seg]
            elif isinstance(current.get("additionalProperties"), dict):
                current = current["additionalProperties"]
            else:
                return None
    return current if isinstance(current, dict) else None


def property_schema(schema: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """The declared schema of input `name` in an object schema, if any."""
    if not schema:
        return None
    props = schema.get("properties")
    if isinstance(props, dict) and isinstance(props.get(name), dict):
        return props[name]
    return None
