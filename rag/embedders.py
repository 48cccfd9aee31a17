"""The embedder a knowledge base names, built with the project's keys and provider settings.

Refs (see `runtime.rag.embeddings`): `local/all-minilm-l6-v2` (the default, loaded once per
process on first use), `openai/<model>` (key: the project secret `OPENAI_API_KEY`, else the
platform's `OPENAI_API_KEY`), `compat:<name>/<model>` (base URL and key secret name from the
project's `settings["providers"]["compat:<name>"]`, as for chat models; `dimensions` from the
knowledge base's `embedding_config`). Base URLs never come from API callers, and a project's base
URL passes the SSRF guard under the project's allow-list, so a knowledge base cannot be used to
reach arbitrary or internal hosts. A scoped key secret only goes to a host it names.

`register_embedder(ref, factory)` adds refs (tests, plugins); registered refs win over the
built-in ones. Built embedders are cached per process by ref and configuration: the local model
loads once, API clients are reused.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings

from runtime.errors import EmbeddingUnavailable, ToolError
from runtime.rag.embeddings import Embedder, embedder_from_ref
from runtime.secret_scope import host_of, scope_of
from runtime.tools.ssrf import HttpPolicy, check_url

EmbedderFactory = Callable[[Mapping[str, Any]], Embedder]
ALLOWED_CONFIG_KEYS = ("dimensions", "batch_size", "timeout_s", "max_retries", "send_dimensions")
MAX_CACHED = 32
OPENAI_URL = "https://api.openai.com/v1"

_factories: dict[str, EmbedderFactory] = {}
_cache: OrderedDict[str, Embedder] = OrderedDict()
_lock = threading.Lock()


def register_embedder(ref: str, factory: EmbedderFactory) -> None:
    """Make `ref` available to knowledge bases; `factory(config)` builds the embedder."""
    with _lock:
        _factories[ref] = factory
        _cache.clear()


def unregister_embedder(ref: str) -> None:
    with _lock:
        _factories.pop(ref, None)
        _cache.clear()


def needs_secrets(ref: str) -> bool:
    """Whether building this ref reads project secrets (API keys)."""
    return ref not in _factories and (ref.startswith("openai/") or ref.startswith("compat:"))


def resolved_config(project, ref: str, config: Mapping[str, Any] | None,
                    secrets: Mapping[str, str] | None) -> dict[str, Any]:
    """The knowledge base's own settings plus the project's key/base URL for this ref."""
    out = {k: v for k, v in (config or {}).items() if k in ALLOWED_CONFIG_KEYS}
    secrets = secrets or {}
    if ref.startswith("openai/"):
        project_key = secrets.get("OPENAI_API_KEY")
        if project_key:
            _check_key_scope(secrets, "OPENAI_API_KEY", OPENAI_URL)
        out["api_key"] = project_key or settings.OPENAI_API_KEY or None
    elif ref.startswith("compat:"):
        provider = ref.partition("/")[0]
        conf = (project.settings.get("providers") or {}).get(provider) or {}
        if not conf.get("base_url"):
            raise EmbeddingUnavailable(f"{ref}: the project has no provider {provider!r} with a base_url "
                                       "(project settings: providers)", field="embedding_model")
        base_url = str(conf["base_url"])
        _check_base_url(project, base_url, provider)
        out["base_url"] = base_url
        if conf.get("api_key_secret"):
            out["api_key"] = secrets.get(conf["api_key_secret"], "")
            if out["api_key"]:
                _check_key_scope(secrets, str(conf["api_key_secret"]), base_url)
    return out


def _check_base_url(project, base_url: str, provider: str) -> None:
    """A project's embedding base URL passes the SSRF guard under its allow-list."""
    try:
        check_url(base_url, HttpPolicy(allow=tuple(project.http_allowlist or ())))
    except ToolError as exc:
        raise EmbeddingUnavailable(f"{provider}: base_url refused by the SSRF guard: {exc.message}",
                                   field="embedding_model") from None


def _check_key_scope(secrets: Mapping[str, str], name: str, url: str) -> None:
    scope = scope_of(secrets, name)
    if scope is not None and scope.hosts is not None and not scope.allows(host_of(url)):
        raise EmbeddingUnavailable(f"secret {name!r} may not be sent to host {host_of(url)!r} (its allowed_hosts)",
                                   field="embedding_model")


def build_embedder(ref: str, config: Mapping[str, Any]) -> Embedder:
    """A (cached) embedder for `ref` with a fully resolved configuration."""
    key = hashlib.sha256(json.dumps([ref, dict(config)], sort_keys=True, default=str).encode()).hexdigest()
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
        factory = _factories.get(ref)
    embedder = factory(config) if factory is not None else embedder_from_ref(ref, config)
    with _lock:
        _cache[key] = embedder
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return embedder


def embedder_for(project, ref: str, config: Mapping[str, Any] | None = None,
                 secrets: Mapping[str, str] | None = None) -> Embedder:
    """The embedder for a knowledge base's ref and config; reveals the project's secrets if needed."""
    if secrets is None and needs_secrets(ref):
        from accounts.services import reveal_secrets

        secrets = reveal_secrets(project)
    return build_embedder(ref, resolved_config(project, ref, config, secrets))


def knowledge_base_embedder(kb, secrets: Mapping[str, str] | None = None) -> Embedder:
    return embedder_for(kb.project, kb.embedding_model, kb.embedding_config, secrets)
