"""One JSON-Schema helper: validators compiled once per schema, one error shape, two renderings."""
from __future__ import annotations

import jsonschema
import pytest

from runtime.jsonschema_validation import error_messages, field_errors, schema_problems, validator_for

SCHEMA = {"type": "object", "required": ["name"], "additionalProperties": False,
          "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}


def test_equal_schemas_share_one_compiled_validator() -> None:
    reordered = dict(reversed(list(SCHEMA.items())))
    assert validator_for(SCHEMA) is validator_for(reordered)
    assert validator_for(SCHEMA) is not validator_for({**SCHEMA, "required": []})


def test_an_invalid_schema_is_refused() -> None:
    with pytest.raises(jsonschema.SchemaError):
        validator_for({"type": "nonsense"})
    assert schema_problems({"type": "nonsense"}) and schema_problems("x") == ["must be a JSON Schema object"]
    assert schema_problems(SCHEMA) == []


def test_readable_messages_name_the_path() -> None:
    assert error_messages(SCHEMA, {"name": "a", "tags": ["x", 3]}) == ["tags/1: 3 is not of type 'string'"]
    assert error_messages(SCHEMA, {"name": "a"}) == []
    assert error_messages(SCHEMA, 5) == ["(root): 5 is not of type 'object'"]


def test_field_errors_name_fields_for_the_api() -> None:
    value = {"tags": ["x", 3], "extra": 1}
    assert field_errors(SCHEMA, value) == {
        "body": ["'name' is a required property",
                 "Additional properties are not allowed ('extra' was unexpected)"],
        "tags[1]": ["3 is not of type 'string'"]}
    named = field_errors(SCHEMA, value, prefix="input", name_property=True)
    assert set(named) == {"input.name", "input.extra", "input.tags[1]"}
