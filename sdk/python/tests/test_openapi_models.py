"""Every SDK model matches its component schema in the OpenAPI document the server serves:
the same field names, the same required ones, and None accepted wherever the schema is nullable.
A field added to, renamed in or removed from the API fails here until the SDK follows."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from agent_platform_sdk import models

MODELS = models.RESPONSE_MODELS + models.REQUEST_MODELS


@pytest.fixture(scope="module")
def components(base_url: str, api_key: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/api/v1/schema/", params={"format": "json"},
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response.json()["components"]["schemas"]


def _nullable(prop: dict[str, Any], components: dict[str, Any]) -> bool:
    if prop.get("nullable") or prop.get("type") == "null":
        return True
    for key in ("oneOf", "anyOf", "allOf"):
        for option in prop.get(key, []):
            ref = option.get("$ref", "")
            target = components.get(ref.rsplit("/", 1)[-1], {}) if ref else option
            if target.get("enum") == [None] or target.get("nullable") or target.get("type") == "null":
                return True
    return not prop or prop == {"readOnly": True}  # an untyped (any-value) field accepts null


def _accepts_none(model: type, name: str) -> bool:
    field = model.model_fields[name]  # type: ignore[attr-defined]
    try:
        TypeAdapter(field.annotation).validate_python(None)
    except ValidationError:
        return False
    return True


def _fields(model: type) -> dict[str, tuple[bool, bool]]:
    return {name: (info.is_required(), _accepts_none(model, name))
            for name, info in model.model_fields.items()}  # type: ignore[attr-defined]


def test_every_model_names_a_served_component(components: dict[str, Any]) -> None:
    missing = sorted(m.__schema__ for m in MODELS if m.__schema__ not in components)  # type: ignore[attr-defined]
    assert not missing, f"components the server no longer serves: {missing}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.__name__}={m.__schema__}")
def test_model_fields_match_the_schema(model: type, components: dict[str, Any]) -> None:
    schema = components.get(model.__schema__)  # type: ignore[attr-defined]
    if schema is None:
        pytest.fail(f"{model.__schema__} is not served")  # type: ignore[attr-defined]
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = _fields(model)
    assert set(fields) == set(properties), (
        f"{model.__name__}: fields only in the SDK {sorted(set(fields) - set(properties))}, "
        f"only in the API {sorted(set(properties) - set(fields))}")
    wrong_required = sorted(name for name, (is_required, _) in fields.items() if is_required != (name in required))
    assert not wrong_required, f"{model.__name__}: required-ness differs for {wrong_required}"
    not_nullable = sorted(name for name, (_, accepts_none) in fields.items()
                          if _nullable(properties[name], components) and not accepts_none)
    assert not not_nullable, f"{model.__name__}: the API may send null for {not_nullable}"


def test_request_models_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        models.RunCreate(agent="a", inptu={})  # type: ignore[call-arg]
    assert models.RunCreate(agent="a", input={"message": "hi"}).payload() == {"agent": "a",
                                                                                "input": {"message": "hi"}}


def test_response_models_keep_fields_added_later() -> None:
    event = models.RunEvent.model_validate({"seq": 1, "run_id": "run_x", "type": "run.queued",
                                            "ts": "2026-01-01T00:00:00Z", "data": {}, "new_field": 7})
    assert isinstance(event, BaseModel) and event.model_extra == {"new_field": 7}
