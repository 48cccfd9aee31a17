"""Serializer base classes shared by every app's API.

Strings are strict everywhere: DRF's `CharField` turns `5` into `"5"`; here a string field (a
`CharField` or subclass — `RegexField`, `SlugField`, ...; also the children of list and dict fields
and of nested serializers) given anything but a string is refused, naming the field (400
`validation_error`, like any wrong type). The check runs in `validated()` (every API view's entry
point) and in the strict bases' `to_internal_value`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

NOT_A_STRING = "Not a valid string."


def string_type_errors(fields: Mapping[str, serializers.Field], data: Any, prefix: str = "") -> dict[str, list[str]]:
    """`{"field.path": [NOT_A_STRING]}` for every string field of `fields` whose value in `data` is not a
    string (missing values and `null` are left to the fields' own rules)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        return errors
    for name, field in fields.items():
        if not field.read_only and name in data:
            errors.update(_field_errors(field, data[name], f"{prefix}.{name}" if prefix else name))
    return errors


def _field_errors(field: serializers.Field, value: Any, path: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if isinstance(field, serializers.CharField):
        return {} if isinstance(value, str) else {path: [NOT_A_STRING]}
    errors: dict[str, list[str]] = {}
    if isinstance(field, (serializers.ListField, serializers.ListSerializer)) and isinstance(value, list):
        for index, item in enumerate(value):
            errors.update(_field_errors(field.child, item, f"{path}[{index}]"))
    elif isinstance(field, serializers.DictField) and isinstance(value, Mapping):
        for key, item in value.items():
            errors.update(_field_errors(field.child, item, f"{path}.{key}"))
    elif isinstance(field, serializers.Serializer):
        errors.update(string_type_errors(field.fields, value, path))
    return errors


def _check_strings(serializer: serializers.BaseSerializer, data: Any) -> None:
    """Raise the 400 `validation_error` naming every string field given something else (as DRF does for
    every other wrong type)."""
    if not isinstance(serializer, serializers.Serializer):
        return
    errors = string_type_errors(serializer.fields, data)
    if errors:
        raise serializers.ValidationError(errors)


class StrictSerializer(serializers.Serializer):
    """Rejects unknown fields, non-object bodies and non-strings in string fields, naming the field."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": ["Expected a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        _check_strings(self, data)
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": ["Expected a JSON object."]})
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field." if name not in self.fields else "This field is read-only."]
                 for name in unknown})
        _check_strings(self, data)
        return super().to_internal_value(data)


def validated(serializer_class, data, **kwargs) -> dict:
    """Validate request data with a serializer; raises the 400 problem on error (a non-string in a
    string field included, whatever the serializer's base)."""
    serializer = serializer_class(data=data, **kwargs)
    _check_strings(serializer, data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
