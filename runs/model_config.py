"""Model providers for a project: the router config from settings, project settings and
secrets; routers are cached per process by config (adapters and the local model load once)."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping

import redis
from django.conf import settings

from runtime.models.cache import ScopedResponseCache, provider_scope
from runtime.models.router import ModelRouter
from runtime.secret_scope import scope_of
from runtime.tools.ssrf import HttpPolicy

_routers: OrderedDict[str, ModelRouter] = OrderedDict()
_lock = threading.Lock()
MAX_ROUTERS = 64


def router_config(project, body: dict, secrets: Mapping[str, str]) -> dict:
    """Providers: OpenAI/Anthropic keys from project secrets (or the platform defaults),
    OpenAI-compatible servers from `project.settings["providers"]`, a scripted model's turns
    from the version's `model_settings.script`, price overrides from `project.settings["prices"]`.

    The platform's `OPENAI_API_KEY` only ever goes with the platform's own `OPENAI_BASE_URL`: a
    project that sets its own `OPENAI_BASE_URL` secret brings its own key or none. Every base URL
    a project names is reached through the SSRF guard under the project's allow-list
    (`http_policy`), and a scoped key secret only goes to a host it names (`api_key_scope`)."""
    providers: dict[str, dict] = {"local": {}}
    project_base = secrets.get("OPENAI_BASE_URL") or None
    project_key = secrets.get("OPENAI_API_KEY") or None
    if project_base:
        providers["openai"] = {"base_url": project_base, "http_policy": http_policy(project),
                               **_key_entry(secrets, "OPENAI_API_KEY")}
    elif project_key:
        providers["openai"] = {"base_url": settings.OPENAI_BASE_URL or None, **_key_entry(secrets, "OPENAI_API_KEY")}
    elif settings.OPENAI_API_KEY:
        providers["openai"] = {"api_key": settings.OPENAI_API_KEY, "base_url": settings.OPENAI_BASE_URL or None}
    if secrets.get("ANTHROPIC_API_KEY"):
        providers["anthropic"] = {"api_key": secrets["ANTHROPIC_API_KEY"]}
    for name, conf in (project.settings.get("providers") or {}).items():
        if name.startswith("compat:") and isinstance(conf, dict) and conf.get("base_url"):
            entry: dict = {"base_url": str(conf["base_url"]), "http_policy": http_policy(project)}
            if conf.get("api_key_secret"):
                entry.update(_key_entry(secrets, str(conf["api_key_secret"])) or {"api_key": ""})
            providers[name] = entry
    config: dict = {"providers": providers, "prices": project.settings.get("prices") or {}}
    script = (body.get("model_settings") or {}).get("script")
    model = body.get("model", "")
    if script is not None and model.startswith("scripted/"):
        config["scripted"] = {model.split("/", 1)[1]: script}
    return config


def http_policy(project) -> HttpPolicy:
    """The project's outbound policy for provider base URLs: its HTTP allow-list."""
    return HttpPolicy(allow=tuple(project.http_allowlist or ()))


def _key_entry(secrets: Mapping[str, str], name: str) -> dict:
    """`{api_key, api_key_scope?}` for a key secret; `{}` when it is not set. A scoped secret
    carries its hosts, checked by the adapter against its base URL before any request."""
    value = secrets.get(name) or ""
    if not value:
        return {}
    scope = scope_of(secrets, name)
    entry: dict = {"api_key": value}
    if scope is not None and scope.hosts is not None:
        entry["api_key_scope"] = {"secret": name, "hosts": list(scope.hosts)}
    return entry


def router_for(project, body: dict, secrets: Mapping[str, str]) -> ModelRouter:
    config = router_config(project, body, secrets)
    key = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    with _lock:
        router = _routers.get(key)
        if router is None:
            router = _routers[key] = ModelRouter(config)
            while len(_routers) > MAX_ROUTERS:
                _routers.popitem(last=False)
        else:
            _routers.move_to_end(key)
        return router


class RedisResponseCache:
    """The opt-in model response cache, in Redis (keys are hashes of the full request)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def get(self, key: str) -> dict | None:
        raw = self.client.get(f"model-cache:{key}")
        return json.loads(raw) if raw else None

    def set(self, key: str, value: dict, ttl_s: int) -> None:
        self.client.set(f"model-cache:{key}", json.dumps(value), ex=max(1, int(ttl_s)))


def response_cache(project=None, router: ModelRouter | None = None) -> ScopedResponseCache:
    """The project's response cache: keys are scoped by the project and by a hash of its provider
    configuration (base URLs, models, key hashes), so no project is served another's answer and a
    changed provider never answers from the old one's cache."""
    from agent_platform.redis_client import redis_client

    scope = provider_scope(str(getattr(project, "pk", "") or ""), router.providers if router is not None else {})
    return ScopedResponseCache(RedisResponseCache(redis_client()), scope)
