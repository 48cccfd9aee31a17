"""JSON Schema validation for the whole platform (engine and apps): one cache, one error shape.

- `validator_for(schema)`: the compiled validator of a schema (its `$schema` dialect, default
  2020-12), checked once and cached by the SHA-256 of the schema's canonical JSON — compiling costs
  far more than validating, and agent versions, tool specs and graph nodes repeat the same schemas.
- `schema_issues(schema, value)`: every violation as a `SchemaIssue` (path into the value, message,
  and the property a `required`/`additionalProperties` failure is about).
- Two renderings of those issues: `error_messages` (`"a/0/b: message"`, `(root)` at the top; tool
  calls, structured output, graph nodes) and `field_errors` (`{"input.a[0].b": [messages]}`, the API's
  problem `errors`).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator

MAX_CACHED_VALIDATORS = 2048
_cache: dict[str, Validator] = {}
_lock = threading.Lock()


def schema_key(schema: Any) -> str:
    """The SHA-256 of the schema's canonical JSON (key order and spacing do not matter)."""
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def validator_for(schema: dict[str, Any]) -> Validator:
    """The cached compiled validator of `schema`; raises `jsonschema.SchemaError` if it is invalid."""
    key = schema_key(schema)
    found = _cache.get(key)
    if found is not None:
        return found
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    compiled = cls(schema)
    with _lock:
        if len(_cache) >= MAX_CACHED_VALIDATORS:
            _cache.pop(next(iter(_cache)))
        _cache.setdefault(key, compiled)
    return compiled


def schema_problems(schema: Any) -> list[str]:
    """Why `schema` is not a usable JSON Schema (empty when it is)."""
    if not isinstance(schema, dict):
        return ["must be a JSON Schema object"]
    try:
        validator_for(schema)
    except SchemaError as exc:
        return [exc.message]
    return []


@dataclass(frozen=True)
class SchemaIssue:
    path: tuple[str | int, ...]  # into the value
    message: str
    names: str | None = None  # the missing (required) or unexpected (additionalProperties) property

    def field(self, prefix: str = "", *, name_property: bool = False) -> str:
        """`prefix.a[0].b` (with `.name` of the property at fault if `name_property`); `body` at the
        top without a prefix."""
        parts = [*self.path, *([self.names] if name_property and self.names else [])]
        text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
        if prefix:
            return prefix + text
        return text.removeprefix(".") or "body"

    def readable(self) -> str:
        return f"{'/'.join(str(part) for part in self.path) or '(root)'}: {self.message}"


def _compiled(schema: dict[str, Any] | Validator) -> Validator:
    return schema if hasattr(schema, "iter_errors") else validator_for(schema)  # type: ignore[return-value]


def _issues(schema: dict[str, Any] | Validator, value: Any) -> Iterator[SchemaIssue]:
    for error in _compiled(schema).iter_errors(value):
        yield SchemaIssue(tuple(error.absolute_path), error.message, _named_property(error))


def _named_property(error: jsonschema.ValidationError) -> str | None:
    if not isinstance(error.instance, dict):
        return None
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]  # type: ignore[union-attr]
        return missing[0] if missing else None
    if error.validator == "additionalProperties" and isinstance(error.schema, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(name for name in error.instance if name not in allowed)
        return extra[0] if extra else None
    return None


def _path_order(issue: SchemaIssue) -> tuple[tuple[int, Any], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in issue.path)


def schema_issues(schema: dict[str, Any] | Validator, value: Any, limit: int | None = None) -> list[SchemaIssue]:
    """The violations of `value` (at most `limit`, in the validator's order), empty when it is valid."""
    issues = _issues(schema, value)
    return list(issues) if limit is None else [issue for _, issue in zip(range(limit), issues)]


def error_messages(schema: dict[str, Any] | Validator, value: Any, limit: int = 10) -> list[str]:
    """Readable errors (`path: message`), empty when `value` is valid."""
    return [issue.readable() for issue in schema_issues(schema, value, limit)]


def field_errors(schema: dict[str, Any] | Validator, value: Any, *, prefix: str = "",
                 name_property: bool = False) -> dict[str, list[str]]:
    """`{field: [messages]}` in path order (see `SchemaIssue.field`), empty when `value` is valid."""
    errors: dict[str, list[str]] = {}
    for issue in sorted(schema_issues(schema, value), key=_path_order):
        errors.setdefault(issue.field(prefix, name_property=name_property), []).append(issue.message)
    return errors

