"""Response cache: opt-in per agent, keyed on the full request, the model ref and the scope.

The engine only knows the `ResponseCache` protocol; the Django side provides a Redis one.
The key covers everything that shapes an answer (ref, model, messages, tools, response
format, temperature, max tokens) and nothing that does not (run id, timeout). A cache is
scoped (`ScopedResponseCache`, `provider_scope`) by the project and a hash of its provider
configuration (base URLs, settings, a hash of each key — never the key): two projects, or
one project before and after changing a provider, never share an answer.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from runtime.models.base import ModelRequest, ModelResponse, ToolCall, Usage


class ResponseCache(Protocol):
    """Where cached model answers live (the Django side provides a Redis one)."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: dict[str, Any], ttl_s: int) -> None: ...


def request_key(ref: str, request: ModelRequest, scope: str = "") -> str:
    """sha256 of the canonical JSON of the request as the provider would see it, plus the ref
    and the scope (see `provider_scope`)."""
    payload = {
        "scope": scope, "ref": ref, "model": request.model,
        "messages": [m.to_dict() for m in request.messages],
        "tools": [{"name": t.name, "description": t.description, "parameters": t.parameters} for t in request.tools],
        "response_format": request.response_format, "temperature": request.temperature,
        "max_tokens": request.max_tokens,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "llm:" + hashlib.sha256(canonical.encode()).hexdigest()


_NOT_SHAPING = frozenset({"http_policy", "api_key_scope", "timeout_s"})


def provider_scope(project_id: str, providers: Mapping[str, Mapping[str, Any]]) -> str:
    """A stable hash of a project and its provider configuration; keys enter only as hashes."""
    described: dict[str, dict[str, Any]] = {}
    for name, conf in providers.items():
        entry: dict[str, Any] = {}
        for key, value in conf.items():
            if key in _NOT_SHAPING:
                continue
            if key == "api_key":
                entry["api_key_sha256"] = hashlib.sha256(str(value or "").encode()).hexdigest()
            else:
                entry[key] = value
        described[name] = entry
    canonical = json.dumps({"project": project_id, "providers": described}, sort_keys=True,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ScopedResponseCache:
    """A `ResponseCache` whose keys live under one scope (a project and its providers)."""

    def __init__(self, inner: ResponseCache, scope: str) -> None:
        self.inner = inner
        self.scope = scope

    def _key(self, key: str) -> str:
        return f"{self.scope}:{key}"

    def get(self, key: str) -> dict[str, Any] | None:
        return self.inner.get(self._key(key))

    def set(self, key: str, value: dict[str, Any], ttl_s: int) -> None:
        self.inner.set(self._key(key), value, ttl_s)


def response_to_dict(response: ModelResponse) -> dict[str, Any]:
    """A model response as the JSON value the cache stores."""
    return {"text": response.text, "model": response.model, "finish_reason": response.finish_reason,
            "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in response.tool_calls],
            "usage": {"input_tokens": response.usage.input_tokens, "output_tokens": response.usage.output_tokens}}


def response_from_dict(data: dict[str, Any]) -> ModelResponse:
    """The model response a cached JSON value stands for."""
    return ModelResponse(text=data.get("text", ""), tool_calls=[ToolCall(**c) for c in data.get("tool_calls", [])],
                         usage=Usage(**data.get("usage", {})), model=data.get("model", ""),
                         finish_reason=data.get("finish_reason", "stop"))


class MemoryResponseCache:
    """In-process cache with expiry (tests, single-process use)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= self._clock():
                del self._items[key]
                return None
            return item[1]

    def set(self, key: str, value: dict[str, Any], ttl_s: int) -> None:
        with self._lock:
            self._items[key] = (self._clock() + ttl_s, value)
