"""The built-in `kv` tool over the in-memory store: operations, namespaces, TTL, limits."""
from __future__ import annotations

import pytest

from runtime.errors import ToolError, ToolInputInvalid
from runtime.tools.kv import MAX_KEY_CHARS, MAX_VALUE_BYTES, KVTool, MemoryKVStore
from tests.runtime.tools.conftest import make_ctx


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store():
    return MemoryKVStore()


def call(store, project="p1", **input):
    return KVTool().invoke(input, make_ctx(project_id=project, kv=store))


def test_set_then_get_returns_the_json_value(store):
    assert call(store, op="set", key="user:1", value={"name": "Ada", "tags": [1, None]}) == {"ok": True}
    assert call(store, op="get", key="user:1") == {"found": True, "value": {"name": "Ada", "tags": [1, None]}}


def test_get_of_a_missing_key_says_not_found(store):
    assert call(store, op="get", key="nope") == {"found": False, "value": None}


def test_stored_null_is_found(store):
    call(store, op="set", key="k", value=None)
    assert call(store, op="get", key="k") == {"found": True, "value": None}


def test_delete_reports_whether_the_key_existed(store):
    call(store, op="set", key="k", value=1)
    assert call(store, op="delete", key="k") == {"deleted": True}
    assert call(store, op="delete", key="k") == {"deleted": False}


def test_list_returns_sorted_keys_with_the_prefix(store):
    for key in ("b:2", "a:1", "b:1", "c"):
        call(store, op="set", key=key, value=0)
    assert call(store, op="list", prefix="b:") == {"keys": ["b:1", "b:2"]}
    assert call(store, op="list") == {"keys": ["a:1", "b:1", "b:2", "c"]}


def test_projects_do_not_see_each_others_keys(store):
    call(store, project="p1", op="set", key="secret", value="p1 data")
    assert call(store, project="p2", op="get", key="secret")["found"] is False
    assert call(store, project="p2", op="list") == {"keys": []}


def test_ttl_expires_a_key():
    clock = Clock()
    store = MemoryKVStore(clock=clock)
    call(store, op="set", key="session", value="x", ttl_s=60)
    clock.now += 59
    assert call(store, op="get", key="session")["found"] is True
    clock.now += 2
    assert call(store, op="get", key="session")["found"] is False
    assert call(store, op="list") == {"keys": []}


def test_value_over_the_size_limit_is_refused(store):
    with pytest.raises(ToolInputInvalid) as err:
        call(store, op="set", key="big", value="x" * MAX_VALUE_BYTES)
    assert err.value.details["limit"] == MAX_VALUE_BYTES
    assert call(store, op="get", key="big")["found"] is False


def test_key_over_the_length_limit_is_refused(store):
    with pytest.raises(ToolInputInvalid):
        call(store, op="set", key="k" * (MAX_KEY_CHARS + 1), value=1)


@pytest.mark.parametrize("ttl", [0, -5, "10", True, 10**9])
def test_invalid_ttl_is_refused(store, ttl):
    with pytest.raises(ToolInputInvalid):
        call(store, op="set", key="k", value=1, ttl_s=ttl)


def test_set_without_value_and_unknown_op_are_input_errors(store):
    with pytest.raises(ToolInputInvalid):
        call(store, op="set", key="k")
    with pytest.raises(ToolInputInvalid):
        call(store, op="incr", key="k")


def test_no_store_configured_is_a_tool_error():
    with pytest.raises(ToolError) as err:
        KVTool().invoke({"op": "get", "key": "k"}, make_ctx())
    assert err.value.details["reason"] == "no_store"
