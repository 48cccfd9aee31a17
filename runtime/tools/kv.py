"""The built-in `kv` tool: a small per-project key-value store the model can use as memory.

Input `{op: "get"|"set"|"delete"|"list", key?, value?, ttl_s?, prefix?}`. The store comes from
`ctx.services["kv"]` (a `KVStore`; the Django side persists it in Postgres) and the namespace
is the call's project, so one project never sees another's keys. Size limits are enforced
here, before the store is touched.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.errors import ToolError, ToolInputInvalid
from runtime.tools.base import RetryPolicy, ToolContext, ToolSpec

MAX_KEY_CHARS = 256
MAX_VALUE_BYTES = 64 * 1024
MAX_TTL_S = 365 * 24 * 3600
MAX_LIST_KEYS = 1000
DEFAULT_NAMESPACE = "_"


@dataclass(frozen=True)
class KVItem:
    key: str
    value: Any
    expires_at: float | None = None  # time.time() value; None = never


class KVStore(Protocol):
    """Storage behind the `kv` tool. `namespace` is the project id; expired items are invisible."""

    def get(self, namespace: str, key: str) -> KVItem | None: ...

    def set(self, namespace: str, key: str, value: Any, ttl_s: float | None = None) -> None: ...

    def delete(self, namespace: str, key: str) -> bool:
        """Remove the key; True if it existed (and had not expired)."""
        ...

    def list(self, namespace: str, prefix: str = "", limit: int = MAX_LIST_KEYS) -> list[str]:
        """Live keys starting with `prefix`, sorted, at most `limit`."""
        ...


class MemoryKVStore:
    """In-memory `KVStore` (tests, the embedded playground). Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._items: dict[tuple[str, str], KVItem] = {}
        self._lock = threading.Lock()

    def get(self, namespace: str, key: str) -> KVItem | None:
        with self._lock:
            return self._live(namespace, key)

    def set(self, namespace: str, key: str, value: Any, ttl_s: float | None = None) -> None:
        expires = self._clock() + ttl_s if ttl_s else None
        with self._lock:
            self._items[(namespace, key)] = KVItem(key, value, expires)

    def delete(self, namespace: str, key: str) -> bool:
        with self._lock:
            found = self._live(namespace, key) is not None
            self._items.pop((namespace, key), None)
            return found

    def list(self, namespace: str, prefix: str = "", limit: int = MAX_LIST_KEYS) -> list[str]:
        with self._lock:
            keys = sorted(k for (ns, k) in list(self._items)
                          if ns == namespace and k.startswith(prefix) and self._live(ns, k))
        return keys[:limit]

    def _live(self, namespace: str, key: str) -> KVItem | None:
        item = self._items.get((namespace, key))
        if item is not None and item.expires_at is not None and item.expires_at <= self._clock():
            del self._items[(namespace, key)]
            return None
        return item


KV_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "op": {"type": "string", "enum": ["get", "set", "delete", "list"]},
        "key": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS},
        "value": {"description": "any JSON value (set)"},
        "ttl_s": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TTL_S},
        "prefix": {"type": "string", "maxLength": MAX_KEY_CHARS},
    },
    "required": ["op"],
    "additionalProperties": False,
}

KV_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "found": {"type": "boolean"},
        "value": {},
        "ok": {"type": "boolean"},
        "deleted": {"type": "boolean"},
        "keys": {"type": "array", "items": {"type": "string"}},
    },
}


class KVTool:
    """The built-in `kv` tool."""

    def __init__(self, store: KVStore | None = None) -> None:
        """`store`: used when the context has no `kv` service (tests, local playground)."""
        self.store = store
        self.spec = ToolSpec(
            name="kv",
            description=("Per-project key-value memory. op=get|set|delete|list; set takes a JSON value "
                         "and an optional ttl_s; list takes an optional key prefix."),
            input_schema=KV_INPUT_SCHEMA,
            output_schema=KV_OUTPUT_SCHEMA,
            timeout_s=5.0,
            retry=RetryPolicy(max_attempts=2),
            side_effect="idempotent",
        )

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        store = ctx.services.get("kv") or self.store
        if store is None:
            raise ToolError("no key-value store is configured for this project", reason="no_store")
        namespace = ctx.project_id or DEFAULT_NAMESPACE
        op = input.get("op")
        if op == "list":
            prefix = input.get("prefix") or ""
            return {"keys": store.list(namespace, _checked_key(prefix, allow_empty=True), MAX_LIST_KEYS)}
        key = _checked_key(input.get("key"))
        if op == "get":
            item = store.get(namespace, key)
            return {"found": item is not None, "value": item.value if item else None}
        if op == "set":
            if "value" not in input:
                raise ToolInputInvalid("`set` needs a `value`", field="value")
            store.set(namespace, key, _checked_value(input["value"]), _checked_ttl(input.get("ttl_s")))
            return {"ok": True}
        if op == "delete":
            return {"deleted": store.delete(namespace, key)}
        raise ToolInputInvalid(f"unknown op {op!r} (use get, set, delete or list)", field="op")


def _checked_key(key: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(key, str) or (not key and not allow_empty):
        raise ToolInputInvalid("`key` must be a non-empty string", field="key")
    if len(key) > MAX_KEY_CHARS:
        raise ToolInputInvalid(f"`key` is longer than {MAX_KEY_CHARS} characters", field="key")
    return key


def _checked_value(value: Any) -> Any:
    try:
        size = len(json.dumps(value, separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise ToolInputInvalid(f"`value` is not JSON: {exc}", field="value") from exc
    if size > MAX_VALUE_BYTES:
        raise ToolInputInvalid(f"`value` is {size} bytes of JSON; the limit is {MAX_VALUE_BYTES}", field="value",
                               size=size, limit=MAX_VALUE_BYTES)
    return value


def _checked_ttl(ttl: Any) -> float | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 0 < ttl <= MAX_TTL_S:
        raise ToolInputInvalid(f"`ttl_s` must be a number of seconds in (0, {MAX_TTL_S}]", field="ttl_s")
    return float(ttl)
