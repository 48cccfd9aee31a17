"""JSON Schema validation with cached validators (tool inputs/outputs, structured output).

Building a validator costs far more than using one, so validators are cached by the
canonical JSON of their schema.
"""
from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
from jsonschema.protocols import Validator


@functools.lru_cache(maxsize=1024)
def _validator(schema_json: str) -> Validator:
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validator_for(schema: dict[str, Any]) -> Validator:
    """A (cached) validator for this schema; raises `jsonschema.SchemaError` if it is invalid."""
    return _validator(json.dumps(schema, sort_keys=True, separators=(",", ":")))


def schema_errors(schema: dict[str, Any], value: Any, limit: int = 10) -> list[str]:
    """Readable validation errors (`path: message`), empty when `value` is valid."""
    out = []
    for error in validator_for(schema).iter_errors(value):
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        out.append(f"{path}: {error.message}")
        if len(out) >= limit:
            break
    return out
