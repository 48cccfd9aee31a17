"""Typed metric configs: a frozen dataclass per metric type, parsed from a plain dict.

`parse_config(cls, raw, field_prefix)` checks every key against the dataclass's fields and their
type hints (`str`, `int`, `float`, `bool`, `list[str]`, `list[Any]`, `dict[str, Any]`, `Any`,
`Literal[...]`, `X | None`), then runs the dataclass's own `validate()` for cross-field rules.
Errors are `MetricConfigInvalid` with `details["field"]` like `metrics[2].threshold`.
"""
from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from runtime.evals.errors import MetricConfigInvalid, PathInvalid
from runtime.evals.paths import parse_json_path

C = TypeVar("C", bound="MetricConfig")


@dataclass(frozen=True, kw_only=True)
class MetricConfig:
    """Fields every metric accepts. `path` picks the part of the run's output a metric reads
    (`$.answer`, `$.nodes.<id>.output.x`); `expected_path` picks the part of the item's
    `expected` it compares against."""

    path: str | None = None
    expected_path: str | None = None

    def validate(self) -> None:
        """Cross-field checks; raise `ConfigProblem(field, message)`."""


class ConfigProblem(Exception):
    """Raised by `MetricConfig.validate` implementations; turned into `MetricConfigInvalid`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_config(cls: type[C], raw: dict[str, Any], *, field_prefix: str = "", metric_type: str = "") -> C:
    """Build `cls` from `raw`, naming the offending field in every error."""
    where = f"{metric_type} metric" if metric_type else "metric"
    hints = get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise MetricConfigInvalid(
            f"{where}: unknown config key {unknown[0]!r}; known keys: {', '.join(sorted(known))}",
            field=field_prefix + unknown[0])
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise MetricConfigInvalid(f"{where}: {name!r} is required", field=field_prefix + name)
            continue
        problem, value = _check(hints[name], raw[name])
        if problem:
            raise MetricConfigInvalid(f"{where}: {name!r} {problem}", field=field_prefix + name)
        values[name] = value
    config = cls(**values)
    for name in ("path", "expected_path"):
        text = getattr(config, name)
        if text is not None:
            try:
                parse_json_path(text)
            except PathInvalid as exc:
                raise MetricConfigInvalid(f"{where}: {name!r} {exc.message}", field=field_prefix + name,
                                          position=exc.details.get("position")) from exc
    try:
        config.validate()
    except ConfigProblem as exc:
        raise MetricConfigInvalid(f"{where}: {exc.field!r} {exc.message}", field=field_prefix + exc.field) from exc
    return config


def _check(hint: Any, value: Any) -> tuple[str | None, Any]:
    """(problem or None, converted value) for one value against one type hint."""
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None, None
        problems = []
        for option in options:
            if option is type(None):
                continue
            problem, converted = _check(option, value)
            if problem is None:
                return None, converted
            problems.append(problem)
        return " or ".join(problems), value
    if hint is Any:
        return None, value
    if origin is Literal:
        allowed = get_args(hint)
        if value in allowed and isinstance(value, str):
            return None, value
        return f"must be one of {', '.join(repr(a) for a in allowed)}", value
    if hint is bool:
        return (None, value) if isinstance(value, bool) else ("must be true or false", value)
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (None, value) if ok else ("must be an integer", value)
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return (None, float(value)) if ok else ("must be a number", value)
    if hint is str:
        return (None, value) if isinstance(value, str) else ("must be a string", value)
    if origin is list:
        if not isinstance(value, list):
            return "must be a list", value
        (item_hint,) = get_args(hint) or (Any,)
        converted = []
        for index, item in enumerate(value):
            problem, item_value = _check(item_hint, item)
            if problem:
                return f"item {index} {problem}", value
            converted.append(item_value)
        return None, converted
    if origin is dict or hint is dict:
        return (None, dict(value)) if isinstance(value, dict) else ("must be an object", value)
    raise TypeError(f"unsupported config type hint {hint!r}")  # a programming error in a Config class


def config_json_schema(cls: type[MetricConfig]) -> dict[str, Any]:
    """The JSON Schema of a config dataclass (for OpenAPI and the admin's JSON editor). It states
    types, enums and required keys; range rules live in `validate()` and are not repeated."""
    hints = get_type_hints(cls)
    properties: dict[str, Any] = {}
    required = []
    for f in dataclasses.fields(cls):
        properties[f.name] = _schema_of(hints[f.name])
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        elif f.default is not dataclasses.MISSING and f.default is not None:
            properties[f.name]["default"] = f.default
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _schema_of(hint: Any) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [o for o in get_args(hint) if o is not type(None)]
        nullable = len(options) < len(get_args(hint))
        schemas = [_schema_of(o) for o in options] + ([{"type": "null"}] if nullable else [])
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if hint is Any:
        return {}
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if hint in simple:
        return {"type": simple[hint]}
    if origin is list:
        (item_hint,) = get_args(hint) or (Any,)
        return {"type": "array", "items": _schema_of(item_hint)}
    if origin is dict or hint is dict:
        return {"type": "object"}
    raise TypeError(f"unsupported config type hint {hint!r}")
