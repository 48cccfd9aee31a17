"""Built-in and composite registries."""
from __future__ import annotations

import jsonschema
import pytest

from runtime.errors import ToolInputInvalid, ToolNotFound
from runtime.tools.http_endpoint import tool_from_config
from runtime.tools.registry import (
    BUILTIN_NAMES,
    BuiltinRegistry,
    CompositeRegistry,
    MappingRegistry,
    configured_builtin,
)


def test_builtins_are_registered_with_valid_schemas():
    registry = BuiltinRegistry()
    assert registry.names() == list(BUILTIN_NAMES)
    for spec in registry.specs():
        jsonschema.Draft202012Validator.check_schema(spec.input_schema)
        jsonschema.Draft202012Validator.check_schema(spec.output_schema)
        assert spec.description


def test_builtin_timeouts_and_side_effects():
    specs = {s.name: s for s in BuiltinRegistry().specs()}
    assert specs["http"].timeout_s == pytest.approx(31.0)
    assert specs["code"].timeout_s == pytest.approx(11.0)
    assert specs["http"].side_effect == "side_effecting"
    assert specs["retrieval"].side_effect == "read_only"


def test_unknown_builtin_is_not_found():
    with pytest.raises(ToolNotFound):
        BuiltinRegistry().get("shell")


def test_composite_falls_back_to_the_project_lookup_and_builtins_win():
    custom = tool_from_config({"name": "get_weather", "endpoint": {"method": "GET", "url": "https://w.example/x"}})
    shadow = tool_from_config({"name": "http", "endpoint": {"method": "GET", "url": "https://w.example/y"}})
    registry = CompositeRegistry(BuiltinRegistry(), MappingRegistry([custom, shadow]))
    assert registry.get("get_weather") is custom
    assert registry.get("http") is not shadow
    with pytest.raises(ToolNotFound):
        registry.get("nope")


def test_composite_without_lookup_serves_builtins_only():
    registry = CompositeRegistry(BuiltinRegistry())
    assert registry.get("kv").spec.name == "kv"
    with pytest.raises(ToolNotFound):
        registry.get("get_weather")


def test_configured_builtins_take_bounded_config():
    http = configured_builtin("http", {"headers": {"Authorization": "Bearer {secret:T}"}, "timeout_s": 5})
    assert http.headers == {"Authorization": "Bearer {secret:T}"}
    assert http.spec.timeout_s == pytest.approx(6.0)
    code = configured_builtin("code", {"wall_s": 2, "memory_mb": 64})
    assert code.sandbox.limits.wall_s == 2 and code.sandbox.limits.memory_bytes == 64 << 20
    assert configured_builtin("kv", None).spec.name == "kv"


@pytest.mark.parametrize("name, config", [("code", {"wall_s": 3600}), ("code", {"network": True}),
                                          ("http", {"headers": ["x"]}), ("kv", {"namespace": "other"})])
def test_configured_builtins_refuse_unknown_or_out_of_range_config(name, config):
    with pytest.raises(ToolInputInvalid):
        configured_builtin(name, config)
